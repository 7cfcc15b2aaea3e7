package listening

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
	"github.com/socialdesk/socialdesk/internal/web"
)

// suggestedUpdate is the change that a post's suggestions would make to
// its ticket: only the fields suggested and different from the ticket's
// own. An impact or urgency that is not a level (a model trained before
// they were checked) suggests nothing.
func suggestedUpdate(p store.ListeningPost, t *socialdesk.Ticket) socialdesk.TicketUpdate {
	var u socialdesk.TicketUpdate
	if p.Category != "" && p.Category != t.Category {
		u.Category = &p.Category
	}
	if p.Service != "" && p.Service != t.Service {
		u.Service = &p.Service
	}
	level := func(s string, now socialdesk.Level) *socialdesk.Level {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		l, err := socialdesk.ParseLevel("level", s)
		if err != nil || l == now {
			return nil
		}
		return &l
	}
	u.Impact = level(p.Impact, t.Impact)
	u.Urgency = level(p.Urgency, t.Urgency)
	return u
}

// fieldSuggestion is the ticket page's suggestion box for a ticket that a
// listened post opened.
func (p *Pages) fieldSuggestion(r *http.Request, t *socialdesk.Ticket) *web.FieldSuggestion {
	post, err := p.s.db.TicketListeningPost(r.Context(), t.ID)
	if err != nil {
		return nil
	}
	u := suggestedUpdate(post, t)
	if u.IsZero() {
		return nil
	}
	fs := &web.FieldSuggestion{Source: "the listening classifier, reading the " + post.Channel + " post that opened this ticket",
		Action: "/listening/posts/" + strconv.FormatInt(post.ID, 10) + "/apply"}
	if u.Category != nil {
		fs.Category = *u.Category
	}
	if u.Service != nil {
		fs.Service = *u.Service
	}
	impact, urgency := t.Impact, t.Urgency
	if u.Impact != nil {
		fs.Impact, impact = *u.Impact, *u.Impact
	}
	if u.Urgency != nil {
		fs.Urgency, urgency = *u.Urgency, *u.Urgency
	}
	if prio := p.s.desk.PriorityMatrix().Priority(impact, urgency); prio != t.Priority {
		fs.Priority = prio
	}
	return fs
}

// ApplySuggestions sets the fields that a post's classifier suggested on
// the ticket the post opened, as the agent asked on the ticket page. The
// change goes through the desk like any edit: it is checked, recorded in
// the ticket's history and recomputes the priority. It returns the ticket
// and whether anything changed.
func (s *Service) ApplySuggestions(ctx context.Context, postID int64) (*socialdesk.Ticket, bool, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActListeningView); err != nil {
		return nil, false, err
	}
	post, err := s.db.ListeningPost(ctx, postID)
	if err != nil {
		return nil, false, err
	}
	if post.TicketID == 0 {
		return nil, false, socialdesk.Errorf(socialdesk.ECONFLICT, "This post did not open a ticket, so there is nothing to apply its suggestions to.")
	}
	t, err := s.desk.Ticket(ctx, post.TicketID)
	if err != nil {
		return nil, false, err
	}
	u := suggestedUpdate(post, t)
	if u.IsZero() {
		return t, false, nil
	}
	t, err = s.desk.UpdateTicket(ctx, t.ID, u)
	return t, err == nil, err
}

func (p *Pages) applySuggestions(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var t *socialdesk.Ticket
	changed := false
	if err == nil {
		t, changed, err = p.s.ApplySuggestions(r.Context(), id)
	}
	if err != nil {
		if socialdesk.ErrorCode(err) == socialdesk.ECONFLICT {
			back(w, r, "/listening", socialdesk.ErrorMessage(err))
			return
		}
		p.web.RenderError(w, r, err)
		return
	}
	msg := "The suggested fields are set; the ticket's history shows the change."
	if !changed {
		msg = "The ticket already has the suggested fields."
	}
	back(w, r, "/tickets/"+strconv.FormatInt(t.ID, 10), msg)
}
