package desk

import (
	"context"
	"errors"
	"fmt"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// CurrentOutages lists the open major incidents, newest first, for anyone
// signed in: their numbers and titles are on the status page, which every
// employee may read.
func (s *Service) CurrentOutages(ctx context.Context) ([]*socialdesk.Ticket, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActStatusView); err != nil {
		return nil, err
	}
	ts, err := s.db.MajorIncidents(ctx, 100)
	if err != nil {
		return nil, err
	}
	var open []*socialdesk.Ticket
	for _, t := range ts {
		if t.State.Open() {
			open = append(open, t)
		}
	}
	return open, nil
}

// ReportCounts counts the reports linked to each of the major incidents,
// for staff, in one query; an incident without reports has no entry.
func (s *Service) ReportCounts(ctx context.Context, incidentIDs []int64) (map[int64]int, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActTicketViewAll); err != nil {
		return nil, err
	}
	return s.db.ReportCounts(ctx, incidentIDs)
}

// MyReport returns the acting person's own ticket linked to the incident,
// or nil when they have not reported it.
func (s *Service) MyReport(ctx context.Context, incidentID int64) (*socialdesk.Ticket, error) {
	mine, err := s.MyReports(ctx, []int64{incidentID})
	return mine[incidentID], err
}

// MyReports returns the acting person's own tickets linked to each of the
// incidents, by incident, in one query; an incident they have not
// reported has no entry. Where they have several, the newest is kept.
func (s *Service) MyReports(ctx context.Context, incidentIDs []int64) (map[int64]*socialdesk.Ticket, error) {
	me := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(me, socialdesk.ActTicketCreate); err != nil {
		return nil, err
	}
	out := map[int64]*socialdesk.Ticket{}
	if len(incidentIDs) == 0 {
		return out, nil // no incidents: an empty filter would select all of their tickets
	}
	ts, _, err := s.db.Tickets(ctx, socialdesk.TicketFilter{ParentIDs: incidentIDs, RequesterID: me.ID, Limit: 1000, Sort: "created"})
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if out[t.ParentID] == nil {
			out[t.ParentID] = t
		}
	}
	return out, nil
}

// MeToo records that the acting person is affected by an open major
// incident: a ticket of theirs, linked to the incident as one more report,
// so that its updates reach them on their own channel and no separate
// ticket enters the queue. Someone who reported the incident already gets
// the ticket they have, and created is false; so does a repeated click,
// even on another node, since the ticket's first message carries a key per
// incident and person.
func (s *Service) MeToo(ctx context.Context, incidentID int64) (t *socialdesk.Ticket, created bool, err error) {
	me := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(me, socialdesk.ActTicketCreate); err != nil {
		return nil, false, err
	}
	inc, err := s.db.Ticket(ctx, incidentID)
	if err != nil || !inc.Major {
		return nil, false, socialdesk.Errorf(socialdesk.ENOTFOUND, "There is no such outage. Check the status page for current ones.")
	}
	if !inc.State.Open() {
		return nil, false, socialdesk.Errorf(socialdesk.ECONFLICT, "%s is resolved. If you still have the problem, raise a request.", inc.Number())
	}
	if mine, err := s.MyReport(ctx, inc.ID); err != nil || mine != nil {
		return mine, false, err
	}
	title := "Me too: " + inc.Title
	if r := []rune(title); len(r) > MaxTitle {
		title = string(r[:MaxTitle])
	}
	text := fmt.Sprintf("Affected by the outage %s (reported from the status page).", inc.Number())
	first := &socialdesk.Message{AuthorID: me.ID, Body: text, Channel: "portal", Direction: "in",
		ExternalID: fmt.Sprintf("metoo:%d:%d", inc.ID, me.ID)}
	t, err = s.CreateTicket(SystemContext(ctx), NewTicket{Type: "incident", Title: title, Description: text, Impact: "low", Urgency: string(inc.Urgency),
		Channel: "portal", RequesterID: me.ID, ParentID: inc.ID, Service: inc.Service, Category: inc.Category, First: first})
	if errors.Is(err, store.ErrDuplicate) {
		return t, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	s.Audit(ctx, "ticket.me_too", "ticket:"+fmt.Sprint(inc.ID), t.Number())
	return t, true, nil
}
