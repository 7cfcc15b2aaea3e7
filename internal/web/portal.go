package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
)

func (s *Server) portal(w http.ResponseWriter, r *http.Request) {
	me := socialdesk.UserFromContext(r.Context())
	tickets, _, err := s.desk.Tickets(r.Context(), socialdesk.TicketFilter{RequesterID: me.ID, Sort: "updated", Limit: 200})
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "portal", "My tickets", map[string]any{"Tickets": tickets, "Outages": s.outages(r)})
}

// outage is an open major incident in the portal's "known problems" box,
// with the viewer's own report of it, if any.
type outage struct {
	*socialdesk.Ticket
	Mine *socialdesk.Ticket
}

// outages lists the open major incidents for the portal's "known problems"
// box, so that someone affected says "me too" instead of raising a
// request. A failure to read them leaves the box out.
func (s *Server) outages(r *http.Request) []outage {
	ts, err := s.desk.CurrentOutages(r.Context())
	if err != nil {
		s.log.Warn("could not list current outages", "err", err)
	}
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	mine, err := s.desk.MyReports(r.Context(), ids)
	if err != nil {
		s.log.Warn("could not look up the viewer's outage reports", "err", err)
	}
	out := make([]outage, 0, len(ts))
	for _, t := range ts {
		out = append(out, outage{Ticket: t, Mine: mine[t.ID]})
	}
	return out
}

// Suggester finds self-help answers for a ticket being written. The
// community and search packages provide it; nil shows no suggestions.
type Suggester func(r *http.Request, text string) []Suggestion

// Suggestion is one self-help answer offered while a ticket is written.
type Suggestion struct {
	Title, URL, Snippet string
	Verified            bool
}

// SetSuggester installs the suggestion source for the new-ticket form.
func (s *Server) SetSuggester(fn Suggester) { s.suggest = fn }

func (s *Server) portalNewForm(w http.ResponseWriter, r *http.Request) {
	data := map[string]any{"Levels": socialdesk.Levels, "Form": url.Values{}, "Outages": s.outages(r)}
	if q := r.URL.Query().Get("title"); q != "" && s.suggest != nil {
		data["Suggestions"] = s.suggest(r, q)
		data["Form"] = url.Values{"title": {q}}
	}
	s.Render(w, r, http.StatusOK, "portalnew", "Raise a request", data)
}

func (s *Server) portalNew(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		if err := r.ParseMultipartForm(maxUpload); err != nil {
			s.Render(w, r, http.StatusUnprocessableEntity, "portalnew", "Raise a request", map[string]any{"Levels": socialdesk.Levels, "Form": url.Values{}, "Error": "The upload is too large or could not be read."})
			return
		}
	}
	r.ParseForm()
	fail := func(msg string) {
		s.Render(w, r, http.StatusUnprocessableEntity, "portalnew", "Raise a request", map[string]any{"Levels": socialdesk.Levels, "Form": r.PostForm, "Error": msg})
	}
	files, err := readFiles(r, "files")
	if err != nil {
		fail(socialdesk.ErrorMessage(err))
		return
	}
	t, err := s.desk.CreateTicket(r.Context(), desk.NewTicket{Type: r.PostFormValue("type"), Title: r.PostFormValue("title"),
		Description: r.PostFormValue("description"), Impact: r.PostFormValue("impact"), Urgency: r.PostFormValue("urgency"),
		Service: r.PostFormValue("service"), Channel: "portal", Attachments: files})
	if err != nil {
		fail(socialdesk.ErrorMessage(err))
		return
	}
	http.Redirect(w, r, "/tickets/"+strconv.FormatInt(t.ID, 10)+"?flash="+url.QueryEscape("Thanks. Your ticket is "+t.Number()+"; we'll reply here and by your preferred channel."), http.StatusSeeOther)
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	me := socialdesk.UserFromContext(r.Context())
	s.Render(w, r, http.StatusOK, "profile", "My profile", map[string]any{"P": me, "Channels": []string{"portal", "email", "slack", "chat", "mastodon", "teams"}})
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) saveProfile(w http.ResponseWriter, r *http.Request) {
	me := *socialdesk.UserFromContext(r.Context())
	r.ParseForm()
	me.Site = strings.TrimSpace(r.PostFormValue("site"))
	me.Devices = splitComma(r.PostFormValue("devices"))
	me.PreferredChannels = r.PostForm["channels"]
	if err := s.desk.UpdatePerson(r.Context(), &me); err != nil {
		s.RenderError(w, r, err)
		return
	}
	if pw := r.PostFormValue("password"); pw != "" {
		if err := s.desk.SetPassword(r.Context(), me.ID, pw); err != nil {
			s.Render(w, r, http.StatusUnprocessableEntity, "profile", "My profile", map[string]any{"P": &me, "Error": socialdesk.ErrorMessage(err)})
			return
		}
	}
	http.Redirect(w, r, "/profile?flash="+url.QueryEscape("Profile saved."), http.StatusSeeOther)
}

func (s *Server) portalSuggest(w http.ResponseWriter, r *http.Request) {
	var list []Suggestion
	if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" && s.suggest != nil {
		list = s.suggest(r, q)
	}
	s.renderBlock(w, "portalnew", "suggestions", list)
}
