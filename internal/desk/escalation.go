package desk

import (
	"context"
	"fmt"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/sla"
	"github.com/socialdesk/socialdesk/internal/store"
)

// planNextCheck sets t.SLA.NextCheck to the earliest warning or breach that
// has not fired yet on a running clock; zero when there is none.
func (s *Service) planNextCheck(pol SLAPolicy, t *socialdesk.Ticket, now time.Time) {
	t.SLA.NextCheck = time.Time{}
	if !t.State.Open() || !t.SLA.PausedSince.IsZero() {
		return
	}
	resp, reso := clocks(t)
	consider := func(c sla.Clock, bit int) {
		if c.IsStopped() || c.Target <= 0 {
			return
		}
		var at time.Time
		switch {
		case t.SLA.Warned&bit == 0 && pol.WarnAt >= 0:
			warnAt := pol.WarnAt
			if warnAt == 0 {
				warnAt = sla.DefaultWarnAt
			}
			at = pol.Calendar.Add(c.Start, time.Duration(float64(c.Target)*(1-warnAt))+c.Paused)
		case t.SLA.Breached&bit == 0:
			at = c.Due(pol.Calendar, now)
		default:
			return
		}
		if t.SLA.NextCheck.IsZero() || at.Before(t.SLA.NextCheck) {
			t.SLA.NextCheck = at
		}
	}
	consider(resp, socialdesk.ClockResponse)
	consider(reso, socialdesk.ClockResolution)
}

// RunEscalation fires the SLA warnings and breaches that have fallen due by
// now: it notifies and reassigns according to the escalation rules. Each
// step fires exactly once, even with several workers, because the flags are
// set with a compare-and-set in the same transaction as the notifications.
// It returns how many steps fired.
func (s *Service) RunEscalation(ctx context.Context, now time.Time) (int, error) {
	due, err := s.db.DueTickets(ctx, now, 500)
	if err != nil {
		return 0, err
	}
	pol := s.SLAPolicy()
	groups, err := s.db.Groups(ctx)
	if err != nil {
		return 0, err
	}
	groupByName := map[string]*socialdesk.Group{}
	for _, g := range groups {
		groupByName[g.Name] = g
	}
	fired := 0
	for _, t := range due {
		oldW, oldB := t.SLA.Warned, t.SLA.Breached
		stepsFired := 0
		resp, reso := clocks(t)
		var notes []store.Notification
		var events []socialdesk.Event
		for _, c := range []struct {
			name  string
			clock sla.Clock
			bit   int
		}{{sla.ClockResponse, resp, socialdesk.ClockResponse}, {sla.ClockResolution, reso, socialdesk.ClockResolution}} {
			if c.clock.IsStopped() {
				continue
			}
			state := pol.State(c.clock, now)
			var steps []sla.State
			if state == sla.StateWarning && t.SLA.Warned&c.bit == 0 {
				steps = append(steps, sla.StateWarning)
			}
			if state == sla.StateBreached && t.SLA.Breached&c.bit == 0 {
				steps = append(steps, sla.StateBreached)
			}
			for _, st := range steps {
				stepsFired++
				if st == sla.StateBreached {
					t.SLA.Breached |= c.bit
				}
				t.SLA.Warned |= c.bit
				word := "will breach"
				if st == sla.StateBreached {
					word = "has breached"
				}
				text := fmt.Sprintf("%s %s its %s target (%s, due %s).", t.Number(), word, c.name, t.Priority, c.clock.Due(pol.Calendar, now).Format("Mon 2 Jan 15:04 MST"))
				events = append(events, socialdesk.Event{Field: "sla", New: fmt.Sprintf("%s %s", c.name, st), At: now})
				for _, r := range sla.Evaluate(pol.Rules, c.name, st, int(t.Priority)) {
					switch r.Action {
					case sla.ActionNotify:
						gid := t.GroupID
						if g := groupByName[r.Group]; g != nil {
							gid = g.ID
						}
						notes = append(notes, store.Notification{PersonID: t.AssigneeID, GroupID: gid, TicketID: t.ID, Kind: "sla_" + string(st), Text: text})
					case sla.ActionReassign:
						if g := groupByName[r.Group]; g != nil && g.ID != t.GroupID {
							events = append(events, socialdesk.Event{Field: "group", New: g.Name, At: now})
							t.GroupID = g.ID
							notes = append(notes, store.Notification{GroupID: g.ID, TicketID: t.ID, Kind: "sla_reassigned", Text: text + " Reassigned to " + g.Name + "."})
						}
					}
				}
			}
		}
		if t.SLA.Warned == oldW && t.SLA.Breached == oldB {
			// Nothing fell due yet (the plan was early); plan again.
			s.planNextCheck(pol, t, now)
			if t.SLA.NextCheck.Before(now) || t.SLA.NextCheck.IsZero() {
				t.SLA.NextCheck = now.Add(time.Minute)
			}
		} else {
			s.planNextCheck(pol, t, now)
			t.UpdatedAt = now
		}
		ok, err := s.db.FireSLA(ctx, t, oldW, oldB, notes, events)
		if err != nil {
			return fired, err
		}
		if ok && (t.SLA.Warned != oldW || t.SLA.Breached != oldB) {
			fired += stepsFired
			s.broker.Publish(Change{TicketID: t.ID, Kind: "updated", RequesterID: t.RequesterID})
		}
	}
	return fired, nil
}

// Notifications returns the acting person's newest notifications.
func (s *Service) Notifications(ctx context.Context, limit int) ([]store.Notification, error) {
	actor := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(actor, socialdesk.ActTicketView); err != nil {
		return nil, err
	}
	return s.db.Notifications(ctx, actor.ID, limit)
}

// UnreadNotifications counts the acting person's own unread notifications
// (0 for anyone not signed in).
func (s *Service) UnreadNotifications(ctx context.Context) (int, error) {
	actor := socialdesk.UserFromContext(ctx)
	if actor == nil || actor.ID == 0 {
		return 0, nil
	}
	return s.db.UnreadNotifications(ctx, actor.ID)
}

// MarkNotificationsRead marks the acting person's own notifications up to
// id upTo as read, once they have been shown.
func (s *Service) MarkNotificationsRead(ctx context.Context, upTo int64) error {
	actor := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(actor, socialdesk.ActTicketView); err != nil {
		return err
	}
	return s.db.MarkNotificationsRead(ctx, actor.ID, upTo, s.Now())
}
