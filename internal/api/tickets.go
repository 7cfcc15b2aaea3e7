package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/httpx"
	"github.com/socialdesk/socialdesk/internal/store"
)

func (s *Server) coreRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: "/api/v1/openapi.json", Access: "public", Summary: "This API's OpenAPI document", Handler: s.openapi},
		{Method: "GET", Pattern: "/api/v1/me", Access: "user", Summary: "The person the token belongs to", Handler: s.me},
		{Method: "GET", Pattern: "/api/v1/tickets", Access: "user", Summary: "List tickets", Handler: s.listTickets},
		{Method: "POST", Pattern: "/api/v1/tickets", Access: "user", Summary: "Open a ticket", Handler: s.createTicket},
		{Method: "GET", Pattern: "/api/v1/tickets/{id}", Access: "user", Summary: "Get one ticket", Handler: s.getTicket},
		{Method: "PATCH", Pattern: "/api/v1/tickets/{id}", Access: "staff", Summary: "Update a ticket", Handler: s.patchTicket},
		{Method: "GET", Pattern: "/api/v1/tickets/{id}/messages", Access: "user", Summary: "A ticket's thread", Handler: s.listMessages},
		{Method: "POST", Pattern: "/api/v1/tickets/{id}/messages", Access: "user", Summary: "Add a reply or internal note", Handler: s.addMessage},
		{Method: "POST", Pattern: "/api/v1/tickets/{id}/attachments", Access: "user", Summary: "Attach a file to a ticket", Handler: s.uploadAttachment},
		{Method: "GET", Pattern: "/api/v1/attachments/{id}", Access: "user", Summary: "Download an attachment", Handler: s.downloadAttachment},
		{Method: "GET", Pattern: "/api/v1/tickets/{id}/history", Access: "staff", Summary: "A ticket's history", Handler: s.history},
	}
}

// TicketJSON is a ticket as the API shows it.
type TicketJSON struct {
	ID          int64      `json:"id"`
	Number      string     `json:"number"`
	Type        string     `json:"type"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	State       string     `json:"state"`
	Impact      string     `json:"impact"`
	Urgency     string     `json:"urgency"`
	Priority    string     `json:"priority"`
	GroupID     int64      `json:"group_id,omitempty"`
	AssigneeID  int64      `json:"assignee_id,omitempty"`
	RequesterID int64      `json:"requester_id"`
	Category    string     `json:"category,omitempty"`
	Service     string     `json:"service,omitempty"`
	Channel     string     `json:"channel"`
	ParentID    int64      `json:"parent_id,omitempty"`
	Major       bool       `json:"major,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ResolvedAt  *time.Time `json:"resolved_at,omitempty"`
	SLA         *SLAJSON   `json:"sla,omitempty"`
}

// SLAJSON is a ticket's SLA clocks.
type SLAJSON struct {
	ResponseDue     time.Time `json:"response_due"`
	ResponseState   string    `json:"response_state"`
	ResolutionDue   time.Time `json:"resolution_due"`
	ResolutionState string    `json:"resolution_state"`
}

func (s *Server) ticketJSON(t *socialdesk.Ticket) TicketJSON {
	out := TicketJSON{ID: t.ID, Number: t.Number(), Type: string(t.Type), Title: t.Title, Description: t.Description, State: string(t.State),
		Impact: string(t.Impact), Urgency: string(t.Urgency), Priority: t.Priority.String(), GroupID: t.GroupID, AssigneeID: t.AssigneeID,
		RequesterID: t.RequesterID, Category: t.Category, Service: t.Service, Channel: t.Channel, ParentID: t.ParentID, Major: t.Major,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if !t.ResolvedAt.IsZero() {
		r := t.ResolvedAt
		out.ResolvedAt = &r
	}
	resp, reso := s.desk.SLAPolicy().SLAView(t, s.desk.Now())
	out.SLA = &SLAJSON{ResponseDue: resp.Due, ResponseState: string(resp.State), ResolutionDue: reso.Due, ResolutionState: string(reso.State)}
	return out
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	p := socialdesk.UserFromContext(r.Context())
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"id": p.ID, "email": p.Email, "name": p.Name, "role": p.Role, "site": p.Site, "devices": p.Devices})
}

type createTicketRequest struct {
	Type        string `json:"type"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Impact      string `json:"impact"`
	Urgency     string `json:"urgency"`
	Category    string `json:"category"`
	Service     string `json:"service"`
	Channel     string `json:"channel"`
	RequesterID int64  `json:"requester_id"`
}

func (s *Server) createTicket(w http.ResponseWriter, r *http.Request) {
	var req createTicketRequest
	if err := httpx.DecodeJSON(r, &req, MaxBody); err != nil {
		httpx.WriteDecodeError(w, err)
		return
	}
	channel := req.Channel
	if channel == "" {
		channel = "api"
	}
	t, err := s.desk.CreateTicket(r.Context(), desk.NewTicket{Type: req.Type, Title: req.Title, Description: req.Description, Impact: req.Impact,
		Urgency: req.Urgency, Category: req.Category, Service: req.Service, Channel: channel, RequesterID: req.RequesterID})
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/tickets/"+strconv.FormatInt(t.ID, 10))
	httpx.WriteJSON(w, http.StatusCreated, s.ticketJSON(t))
}

func (s *Server) listTickets(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := socialdesk.TicketFilter{Query: q.Get("q"), Sort: q.Get("sort"), Channel: q.Get("channel")}
	for _, v := range splitList(q["state"]) {
		if v == "open" {
			f.OpenOnly = true
			continue
		}
		st, err := socialdesk.ParseState(v)
		if err != nil {
			httpx.WriteError(w, err)
			return
		}
		f.States = append(f.States, st)
	}
	for _, v := range splitList(q["priority"]) {
		p, err := socialdesk.ParsePriority(v)
		if err != nil {
			httpx.WriteError(w, err)
			return
		}
		f.Priorities = append(f.Priorities, p)
	}
	if a := q.Get("assignee"); a != "" {
		switch a {
		case "none":
			f.Unassigned = true
		case "me":
			f.AssigneeID = socialdesk.UserFromContext(r.Context()).ID
		default:
			id, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				httpx.WriteError(w, socialdesk.FieldError("assignee", "assignee must be a person id, 'me' or 'none'."))
				return
			}
			f.AssigneeID = id
		}
	}
	var err error
	if f.GroupID, err = intParam(q.Get("group"), "group"); err != nil {
		httpx.WriteError(w, err)
		return
	}
	if f.Limit, err = intParamInt(q.Get("limit"), "limit"); err != nil {
		httpx.WriteError(w, err)
		return
	}
	if f.Offset, err = intParamInt(q.Get("offset"), "offset"); err != nil {
		httpx.WriteError(w, err)
		return
	}
	tickets, total, err := s.desk.Tickets(r.Context(), f)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	out := make([]TicketJSON, 0, len(tickets))
	for _, t := range tickets {
		out = append(out, s.ticketJSON(t))
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"tickets": out, "total": total})
}

func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func intParam(v, name string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, socialdesk.FieldError(name, "%s must be a whole number.", name)
	}
	return n, nil
}

func intParamInt(v, name string) (int, error) {
	n, err := intParam(v, name)
	return int(n), err
}

func (s *Server) ticketFromPath(r *http.Request) (*socialdesk.Ticket, error) {
	return s.desk.TicketByRef(r.Context(), r.PathValue("id"))
}

func (s *Server) getTicket(w http.ResponseWriter, r *http.Request) {
	t, err := s.ticketFromPath(r)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, s.ticketJSON(t))
}

type patchTicketRequest struct {
	Title       *string `json:"title"`
	Description *string `json:"description"`
	State       *string `json:"state"`
	Impact      *string `json:"impact"`
	Urgency     *string `json:"urgency"`
	GroupID     *int64  `json:"group_id"`
	AssigneeID  *int64  `json:"assignee_id"`
	Category    *string `json:"category"`
	Service     *string `json:"service"`
	ParentID    *int64  `json:"parent_id"`
	Major       *bool   `json:"major"`
}

// toUpdate validates a patch request into a ticket update.
func (p patchTicketRequest) toUpdate() (socialdesk.TicketUpdate, error) {
	u := socialdesk.TicketUpdate{Title: p.Title, Description: p.Description, GroupID: p.GroupID, AssigneeID: p.AssigneeID,
		Category: p.Category, Service: p.Service, ParentID: p.ParentID, Major: p.Major}
	if p.State != nil {
		st, err := socialdesk.ParseState(*p.State)
		if err != nil {
			return u, err
		}
		u.State = &st
	}
	if p.Impact != nil {
		l, err := socialdesk.ParseLevel("impact", *p.Impact)
		if err != nil || *p.Impact == "" {
			return u, socialdesk.FieldError("impact", "Unknown impact %q. Use high, medium or low.", *p.Impact)
		}
		u.Impact = &l
	}
	if p.Urgency != nil {
		l, err := socialdesk.ParseLevel("urgency", *p.Urgency)
		if err != nil || *p.Urgency == "" {
			return u, socialdesk.FieldError("urgency", "Unknown urgency %q. Use high, medium or low.", *p.Urgency)
		}
		u.Urgency = &l
	}
	return u, nil
}

func (s *Server) patchTicket(w http.ResponseWriter, r *http.Request) {
	var req patchTicketRequest
	if err := httpx.DecodeJSON(r, &req, MaxBody); err != nil {
		httpx.WriteDecodeError(w, err)
		return
	}
	u, err := req.toUpdate()
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	t, err := s.ticketFromPath(r)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	t, err = s.desk.UpdateTicket(r.Context(), t.ID, u)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, s.ticketJSON(t))
}

// MessageJSON is a thread entry as the API shows it.
type MessageJSON struct {
	ID        int64     `json:"id"`
	TicketID  int64     `json:"ticket_id"`
	AuthorID  int64     `json:"author_id"`
	Internal  bool      `json:"internal"`
	Body      string    `json:"body"`
	Channel   string    `json:"channel"`
	Direction string    `json:"direction"`
	Delivery  string    `json:"delivery,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

func messageJSON(m *socialdesk.Message) MessageJSON {
	return MessageJSON{ID: m.ID, TicketID: m.TicketID, AuthorID: m.AuthorID, Internal: m.Internal, Body: m.Body, Channel: m.Channel,
		Direction: m.Direction, Delivery: m.DeliveryState, CreatedAt: m.CreatedAt}
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	t, err := s.ticketFromPath(r)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	msgs, err := s.desk.Thread(r.Context(), t.ID)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	out := make([]MessageJSON, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, messageJSON(m))
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"messages": out})
}

type addMessageRequest struct {
	Body     string `json:"body"`
	Internal bool   `json:"internal"`
}

func (s *Server) addMessage(w http.ResponseWriter, r *http.Request) {
	var req addMessageRequest
	if err := httpx.DecodeJSON(r, &req, MaxBody); err != nil {
		httpx.WriteDecodeError(w, err)
		return
	}
	t, err := s.ticketFromPath(r)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	m, err := s.desk.AddMessage(r.Context(), t.ID, desk.NewMessage{Body: req.Body, Internal: req.Internal})
	if errors.Is(err, store.ErrDuplicate) {
		httpx.WriteJSON(w, http.StatusOK, messageJSON(m))
		return
	} else if err != nil {
		httpx.WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, messageJSON(m))
}

func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	t, err := s.ticketFromPath(r)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	events, err := s.desk.History(r.Context(), t.ID)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	type eventJSON struct {
		ActorID int64     `json:"actor_id"`
		Field   string    `json:"field"`
		Old     string    `json:"old"`
		New     string    `json:"new"`
		At      time.Time `json:"at"`
	}
	out := make([]eventJSON, 0, len(events))
	for _, e := range events {
		out = append(out, eventJSON{e.ActorID, e.Field, e.Old, e.New, e.At})
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"history": out})
}
