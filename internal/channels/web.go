package channels

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/httpx"
	"github.com/socialdesk/socialdesk/internal/ingest"
	"github.com/socialdesk/socialdesk/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Pages serves the admin page for channels and the review page for held
// messages.
type Pages struct {
	reg  *Registry
	pipe *ingest.Pipeline
	desk *desk.Service
	web  *web.Server
}

// PagesOptions configures Pages.
type PagesOptions struct {
	Registry *Registry
	Pipeline *ingest.Pipeline
	Desk     *desk.Service
	Web      *web.Server
}

// NewPages parses the templates into the web server and returns the pages;
// add their Routes to the web server.
func NewPages(opts PagesOptions) (*Pages, error) {
	if err := opts.Web.AddTemplates(templates, "templates/*.html"); err != nil {
		return nil, err
	}
	return &Pages{reg: opts.Registry, pipe: opts.Pipeline, desk: opts.Desk, web: opts.Web}, nil
}

// Routes returns the page routes.
func (p *Pages) Routes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: "/admin/channels", Access: "admin", Summary: "List channels with their health", Handler: p.list},
		{Method: "POST", Pattern: "/admin/channels", Access: "admin", Summary: "Add a channel", Handler: p.add},
		{Method: "POST", Pattern: "/admin/channels/policy", Access: "admin", Summary: "Reopen or follow-up, and the acknowledgement", Handler: p.setPolicy},
		{Method: "POST", Pattern: "/admin/channels/{name}/enable", Access: "admin", Summary: "Enable a channel", Handler: p.enable(true)},
		{Method: "POST", Pattern: "/admin/channels/{name}/disable", Access: "admin", Summary: "Disable a channel", Handler: p.enable(false)},
		{Method: "POST", Pattern: "/admin/channels/{name}/remove", Access: "admin", Summary: "Remove a channel", Handler: p.remove},
		{Method: "GET", Pattern: "/channels/held", Access: "staff", Summary: "Messages held until their author is known", Handler: p.held},
		{Method: "POST", Pattern: "/channels/held/{id}/link", Access: "staff", Summary: "Link a held author to a person and release", Handler: p.link},
	}
}

func (p *Pages) renderList(w http.ResponseWriter, r *http.Request, status int, form map[string]any) {
	list, err := p.reg.List(r.Context())
	if err != nil {
		p.web.RenderError(w, r, err)
		return
	}
	data := map[string]any{"Channels": list, "Kinds": p.reg.Kinds(), "Name": "", "Kind": "webhook", "Config": "", "Error": "",
		"Policy": p.pipe.Policy(), "PolicyError": ""}
	for k, v := range form {
		data[k] = v
	}
	p.web.Render(w, r, status, "channels", "Channels", data)
}

func (p *Pages) list(w http.ResponseWriter, r *http.Request) { p.renderList(w, r, http.StatusOK, nil) }

func (p *Pages) add(w http.ResponseWriter, r *http.Request) {
	name, kind, config := r.PostFormValue("name"), r.PostFormValue("kind"), r.PostFormValue("config")
	if err := p.reg.Add(r.Context(), name, kind, config, r.PostFormValue("enabled") != ""); err != nil {
		if c := socialdesk.ErrorCode(err); c != socialdesk.EINVALID && c != socialdesk.ECONFLICT {
			p.web.RenderError(w, r, err)
			return
		}
		// Keep what was typed, except the configuration, which may hold
		// secrets and must not be echoed into the page.
		p.renderList(w, r, http.StatusUnprocessableEntity, map[string]any{"Name": name, "Kind": kind,
			"Error": socialdesk.ErrorMessage(err) + " Correct it and submit again; re-enter the configuration."})
		return
	}
	http.Redirect(w, r, "/admin/channels?flash="+url.QueryEscape("Added channel "+name+"."), http.StatusSeeOther)
}

func (p *Pages) setPolicy(w http.ResponseWriter, r *http.Request) {
	limit, err := strconv.Atoi(r.PostFormValue("ack_limit"))
	if err != nil {
		limit = 0 // reported by Validate with the field name
	}
	pol := ingest.Policy{OnResolved: r.PostFormValue("on_resolved"), OnClosed: r.PostFormValue("on_closed"),
		AckText: r.PostFormValue("ack_text"), AckLimit: limit}
	if err := p.pipe.SetPolicy(r.Context(), pol); err != nil {
		if socialdesk.ErrorCode(err) != socialdesk.EINVALID {
			p.web.RenderError(w, r, err)
			return
		}
		p.renderList(w, r, http.StatusUnprocessableEntity, map[string]any{"Policy": pol,
			"PolicyError": socialdesk.ErrorMessage(err) + " Correct it and save again."})
		return
	}
	http.Redirect(w, r, "/admin/channels?flash="+url.QueryEscape("Saved the channel policy."), http.StatusSeeOther)
}

func (p *Pages) enable(on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if err := p.reg.SetEnabled(r.Context(), name, on); err != nil {
			p.web.RenderError(w, r, err)
			return
		}
		state := "disabled"
		if on {
			state = "enabled"
		}
		http.Redirect(w, r, "/admin/channels?flash="+url.QueryEscape("Channel "+name+" "+state+"."), http.StatusSeeOther)
	}
}

func (p *Pages) remove(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := p.reg.Remove(r.Context(), name); err != nil {
		p.web.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/channels?flash="+url.QueryEscape("Removed channel "+name+"."), http.StatusSeeOther)
}

// heldRow is one held message as the review page shows it.
type heldRow struct {
	ID                                                     int64
	Channel, Kind, AuthorID, AuthorName, AuthorEmail, Text string
	CreatedAt                                              time.Time
}

func (p *Pages) held(w http.ResponseWriter, r *http.Request) {
	p.renderHeld(w, r, http.StatusOK, "")
}

func (p *Pages) renderHeld(w http.ResponseWriter, r *http.Request, status int, msg string) {
	held, err := p.pipe.Held(r.Context())
	if err != nil {
		p.web.RenderError(w, r, err)
		return
	}
	rows := make([]heldRow, 0, len(held))
	for _, h := range held {
		var in connector.Inbound
		_ = json.Unmarshal([]byte(h.Payload), &in)
		rows = append(rows, heldRow{ID: h.ID, Channel: h.Channel, Kind: h.Kind, AuthorID: h.AuthorID, AuthorName: h.AuthorName,
			AuthorEmail: h.AuthorEmail, Text: in.Text, CreatedAt: h.CreatedAt})
	}
	people, err := p.desk.People(r.Context(), "")
	if err != nil {
		people = nil // agents may not list everyone; they can still create contractors
	}
	p.web.Render(w, r, status, "held", "Held messages", map[string]any{"Held": rows, "People": people, "Error": msg})
}

func (p *Pages) link(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		p.web.RenderError(w, r, socialdesk.Errorf(socialdesk.ENOTFOUND, "Held message not found."))
		return
	}
	person, _ := strconv.ParseInt(r.PostFormValue("person"), 10, 64)
	n, err := p.pipe.LinkAuthor(r.Context(), id, person, r.PostFormValue("name"), "")
	if err != nil {
		if c := socialdesk.ErrorCode(err); c == socialdesk.EINVALID || c == socialdesk.ECONFLICT {
			p.renderHeld(w, r, http.StatusUnprocessableEntity, socialdesk.ErrorMessage(err)+" Pick another person or change the name, then try again.")
			return
		}
		p.web.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/channels/held?flash="+url.QueryEscape(fmt.Sprintf("Linked; %d message(s) released into the queue.", n)), http.StatusSeeOther)
}
