package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// maxUpload bounds one uploaded file.
const maxUpload = 8 << 20

func (s *Server) ticketFromPath(r *http.Request) (*socialdesk.Ticket, error) {
	return s.desk.TicketByRef(r.Context(), r.PathValue("id"))
}

func (s *Server) ticket(w http.ResponseWriter, r *http.Request) {
	t, err := s.ticketFromPath(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.renderTicket(w, r, t, http.StatusOK, "")
}

// FieldSuggester proposes values for a ticket's fields, such as the
// listening classifier's guesses for a ticket opened from a social post.
// It returns nil when it has nothing to add to what the ticket says.
type FieldSuggester func(r *http.Request, t *socialdesk.Ticket) *FieldSuggestion

// FieldSuggestion is shown to staff beside the ticket's fields, with a
// button that posts to Action to apply it. Empty fields suggest nothing.
type FieldSuggestion struct {
	Source            string // who suggests it, for example "the listening classifier, from the post that opened this ticket"
	Action            string
	Category, Service string
	Impact, Urgency   socialdesk.Level
	// Priority is the priority that the suggested impact and urgency give,
	// 0 when they do not change it.
	Priority socialdesk.Priority
}

// SetFieldSuggester installs the field suggestions of the ticket page.
func (s *Server) SetFieldSuggester(fn FieldSuggester) { s.fields = fn }

func (s *Server) renderTicket(w http.ResponseWriter, r *http.Request, t *socialdesk.Ticket, status int, formErr string) {
	ctx := r.Context()
	me := socialdesk.UserFromContext(ctx)
	msgs, err := s.desk.Thread(ctx, t.ID)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	n := s.loadNames(r)
	n.people[me.ID] = me
	var history []socialdesk.Event
	var children []*socialdesk.Ticket
	var parent, outage *socialdesk.Ticket
	var suggested *FieldSuggestion
	if me.Role.IsStaff() {
		if s.fields != nil && t.State.Open() {
			suggested = s.fields(r, t)
		}
		history, _ = s.desk.History(ctx, t.ID)
		children, _, _ = s.desk.Tickets(ctx, socialdesk.TicketFilter{ParentID: t.ID, Limit: 200, Sort: "created"})
		if t.ParentID != 0 {
			parent, _ = s.desk.Ticket(ctx, t.ParentID)
		}
	} else if t.ParentID != 0 {
		// The requester may not open the major incident itself, but its
		// number, title and updates are on the status page.
		if p, err := s.desk.Ticket(desk.SystemContext(ctx), t.ParentID); err == nil && p.Major {
			outage = p
		}
	}
	// Everyone the page names, in one lookup: the requester, the assignee,
	// the authors of messages and the actors of the history.
	ids := []int64{t.RequesterID, t.AssigneeID}
	for _, m := range msgs {
		ids = append(ids, m.AuthorID)
	}
	for _, ev := range history {
		ids = append(ids, ev.ActorID)
	}
	s.addNames(ctx, n, ids...)
	resp, reso := s.desk.SLAPolicy().SLAView(t, s.desk.Now())
	type msgView struct {
		M      *socialdesk.Message
		Author string
		Staff  bool
	}
	views := make([]msgView, 0, len(msgs))
	for _, m := range msgs {
		p := n.people[m.AuthorID]
		name, staff := "Unknown sender", false
		switch {
		case p != nil:
			name, staff = p.Name, p.Role.IsStaff()
		case m.AuthorID == 0:
			// Written by socialdesk itself: an acknowledgement, an
			// outage update, a delivery failure.
			name, staff = "Service desk (automatic)", true
		}
		views = append(views, msgView{M: m, Author: name, Staff: staff})
	}
	data := map[string]any{
		"T": t, "Messages": views, "History": history, "Children": children, "Parent": parent, "Outage": outage,
		"Requester": n.people[t.RequesterID], "Assignee": n.person(t.AssigneeID), "Group": n.groups[t.GroupID],
		"Groups": n.list, "Agents": n.agents, "States": socialdesk.States, "Levels": socialdesk.Levels,
		"Response": resp, "Resolution": reso, "Suggested": suggested, "FormError": formErr, "Names": n.people,
		"ShowDescription": t.Description != "" && !descriptionIsFirstMessage(t, msgs),
	}
	s.Render(w, r, status, "ticket", t.Number()+" "+t.Title, data)
}

// descriptionIsFirstMessage reports whether the ticket's description is
// the text of its first message from the requester, as for a ticket opened
// by an email or a chat post; the page then shows that text once.
func descriptionIsFirstMessage(t *socialdesk.Ticket, msgs []*socialdesk.Message) bool {
	if len(msgs) == 0 {
		return false
	}
	m := msgs[0]
	return m.Direction == "in" && m.AuthorID == t.RequesterID && strings.HasPrefix(m.Body, t.Description)
}

// readFiles reads the uploaded files of a multipart form field.
func readFiles(r *http.Request, field string) ([]store.NewAttachment, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []store.NewAttachment
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Size > maxUpload {
			return nil, socialdesk.FieldError(field, "%s is larger than %d MB; share a link instead.", fh.Filename, maxUpload>>20)
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, maxUpload+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		ct := http.DetectContentType(data)
		out = append(out, store.NewAttachment{Name: fh.Filename, ContentType: ct, Data: data})
	}
	return out, nil
}

func (s *Server) reply(w http.ResponseWriter, r *http.Request) {
	t, err := s.ticketFromPath(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		if err := r.ParseMultipartForm(maxUpload); err != nil {
			s.renderTicket(w, r, t, http.StatusUnprocessableEntity, "The upload is too large or could not be read.")
			return
		}
	}
	files, err := readFiles(r, "files")
	if err != nil {
		s.renderTicket(w, r, t, http.StatusUnprocessableEntity, socialdesk.ErrorMessage(err))
		return
	}
	in := desk.NewMessage{Body: r.PostFormValue("body"), Internal: r.PostFormValue("internal") == "1", Files: files}
	if _, err := s.desk.AddMessage(r.Context(), t.ID, in); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			http.Redirect(w, r, "/tickets/"+strconv.FormatInt(t.ID, 10), http.StatusSeeOther)
			return
		}
		if socialdesk.ErrorCode(err) == socialdesk.EINVALID {
			s.renderTicket(w, r, t, http.StatusUnprocessableEntity, socialdesk.ErrorMessage(err))
			return
		}
		s.RenderError(w, r, err)
		return
	}
	// A reply can also resolve or set pending in one go.
	if st := r.PostFormValue("then_state"); st != "" {
		state, err := socialdesk.ParseState(st)
		if err == nil {
			if _, err := s.desk.UpdateTicket(r.Context(), t.ID, socialdesk.TicketUpdate{State: &state}); err != nil {
				s.renderTicket(w, r, t, http.StatusUnprocessableEntity, socialdesk.ErrorMessage(err))
				return
			}
		}
	}
	http.Redirect(w, r, "/tickets/"+strconv.FormatInt(t.ID, 10)+"#latest", http.StatusSeeOther)
}

func (s *Server) updateTicket(w http.ResponseWriter, r *http.Request) {
	t, err := s.ticketFromPath(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	var u socialdesk.TicketUpdate
	form := func(k string) (string, bool) {
		if _, ok := r.PostForm[k]; !ok {
			return "", false
		}
		return r.PostFormValue(k), true
	}
	r.ParseForm()
	fail := func(err error) { s.renderTicket(w, r, t, http.StatusUnprocessableEntity, socialdesk.ErrorMessage(err)) }
	if v, ok := form("state"); ok && v != string(t.State) {
		st, err := socialdesk.ParseState(v)
		if err != nil {
			fail(err)
			return
		}
		u.State = &st
	}
	if v, ok := form("impact"); ok && v != string(t.Impact) {
		l, err := socialdesk.ParseLevel("impact", v)
		if err != nil {
			fail(err)
			return
		}
		u.Impact = &l
	}
	if v, ok := form("urgency"); ok && v != string(t.Urgency) {
		l, err := socialdesk.ParseLevel("urgency", v)
		if err != nil {
			fail(err)
			return
		}
		u.Urgency = &l
	}
	if v, ok := form("assignee"); ok {
		id, _ := strconv.ParseInt(v, 10, 64)
		if id != t.AssigneeID {
			u.AssigneeID = &id
		}
	}
	if v, ok := form("group"); ok {
		id, _ := strconv.ParseInt(v, 10, 64)
		if id != t.GroupID {
			u.GroupID = &id
		}
	}
	if v, ok := form("category"); ok && v != t.Category {
		u.Category = &v
	}
	if v, ok := form("service"); ok && v != t.Service {
		u.Service = &v
	}
	if _, err := s.desk.UpdateTicket(r.Context(), t.ID, u); err != nil {
		if socialdesk.ErrorCode(err) == socialdesk.EINVALID {
			fail(err)
			return
		}
		s.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/tickets/"+strconv.FormatInt(t.ID, 10)+"?flash="+url.QueryEscape("Saved."), http.StatusSeeOther)
}

func (s *Server) linkTicket(w http.ResponseWriter, r *http.Request) {
	t, err := s.ticketFromPath(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	ref := strings.TrimSpace(r.PostFormValue("parent"))
	var pid int64
	if ref != "" {
		parent, err := s.desk.TicketByRef(r.Context(), ref)
		if err != nil {
			s.renderTicket(w, r, t, http.StatusUnprocessableEntity, "No ticket "+ref+". Enter a number such as INC-000123.")
			return
		}
		pid = parent.ID
	}
	u := socialdesk.TicketUpdate{ParentID: &pid}
	if _, err := s.desk.UpdateTicket(r.Context(), t.ID, u); err != nil {
		s.renderTicket(w, r, t, http.StatusUnprocessableEntity, socialdesk.ErrorMessage(err))
		return
	}
	if pid != 0 && r.PostFormValue("major") == "1" {
		yes := true
		s.desk.UpdateTicket(r.Context(), pid, socialdesk.TicketUpdate{Major: &yes})
	}
	http.Redirect(w, r, "/tickets/"+strconv.FormatInt(t.ID, 10)+"?flash="+url.QueryEscape("Linked."), http.StatusSeeOther)
}

func (s *Server) attachment(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.RenderError(w, r, socialdesk.Errorf(socialdesk.ENOTFOUND, "Attachment not found."))
		return
	}
	a, data, err := s.desk.Attachment(r.Context(), id)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(a.Name))
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Write(data)
}

func (s *Server) logCallForm(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, "logcall", "Log a call", map[string]any{"Levels": socialdesk.Levels, "Channel": "phone"})
}

func (s *Server) logCall(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := strings.TrimSpace(r.PostFormValue("requester"))
	form := map[string]any{"Levels": socialdesk.Levels, "Channel": r.PostFormValue("channel"), "Form": r.PostForm}
	var requester int64
	if email != "" {
		p, err := s.desk.FindPerson(ctx, email)
		if socialdesk.ErrorCode(err) == socialdesk.EINTERNAL {
			s.RenderError(w, r, err)
			return
		} else if err != nil {
			form["Error"] = socialdesk.ErrorMessage(err)
			s.Render(w, r, http.StatusUnprocessableEntity, "logcall", "Log a call", form)
			return
		}
		requester = p.ID
	}
	channel := r.PostFormValue("channel")
	if channel != "phone" && channel != "walk-up" {
		channel = "phone"
	}
	t, err := s.desk.CreateTicket(ctx, desk.NewTicket{Type: r.PostFormValue("type"), Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		Impact: r.PostFormValue("impact"), Urgency: r.PostFormValue("urgency"), Channel: channel, RequesterID: requester})
	if err != nil {
		form["Error"] = socialdesk.ErrorMessage(err)
		s.Render(w, r, http.StatusUnprocessableEntity, "logcall", "Log a call", form)
		return
	}
	http.Redirect(w, r, "/tickets/"+strconv.FormatInt(t.ID, 10)+"?flash="+url.QueryEscape("Logged as "+t.Number()+"."), http.StatusSeeOther)
}

func (s *Server) notifications(w http.ResponseWriter, r *http.Request) {
	notes, err := s.desk.Notifications(r.Context(), 100)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	// The list shows which ones are new (ReadAt still zero); from now on
	// they count as read.
	if len(notes) > 0 {
		if err := s.desk.MarkNotificationsRead(r.Context(), notes[0].ID); err != nil {
			s.log.Warn("could not mark notifications read", "err", err)
		}
	}
	s.Render(w, r, http.StatusOK, "notifications", "Notifications", map[string]any{"Notes": notes})
}
