package desk

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// NewMessage is a reply or an internal note to add to a ticket.
type NewMessage struct {
	Body     string
	Internal bool
	Files    []store.NewAttachment
	// Channel and ExternalID are set for messages that came in from a
	// channel; they make the message idempotent.
	Channel    string
	ExternalID string
}

// externalChannels are channel kinds whose replies go back out through a
// connector, rather than being read in the portal.
func isExternalChannel(kind string) bool {
	switch kind {
	case "", "portal", "api", "phone", "walk-up", "chat":
		return false
	}
	return true
}

// prefersChannel reports whether replies on a ticket raised in the portal
// (or by phone) should also go out on a channel: the requester lists
// preferred channels and has an identity on one of them. Chat tickets are
// answered in the chat itself.
func (s *Service) prefersChannel(ctx context.Context, t *socialdesk.Ticket) bool {
	if t.Channel == "chat" {
		return false
	}
	p, err := s.db.Person(ctx, t.RequesterID)
	if err != nil || len(p.PreferredChannels) == 0 {
		return false
	}
	ids, err := s.db.Identities(ctx, p.ID)
	if err != nil {
		return false
	}
	for _, id := range ids {
		if isExternalChannel(id.Channel) && slices.Contains(p.PreferredChannels, id.Channel) {
			return true
		}
	}
	return false
}

// AddMessage adds a reply or an internal note. The first public reply by
// staff stops the response clock and moves a new ticket to in progress; a
// requester's reply to a pending or resolved ticket reopens it. A duplicate
// inbound message returns the stored one with an error wrapping
// store.ErrDuplicate.
func (s *Service) AddMessage(ctx context.Context, ticketID int64, in NewMessage) (*socialdesk.Message, error) {
	actor := socialdesk.UserFromContext(ctx)
	act := socialdesk.ActTicketReply
	if in.Internal {
		act = socialdesk.ActTicketNote
	}
	if err := socialdesk.Authorize(actor, act); err != nil {
		return nil, err
	}
	t, err := s.db.Ticket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	if err := socialdesk.AuthorizeTicket(actor, act, t); err != nil {
		return nil, err
	}
	body := strings.TrimSpace(in.Body)
	s.cleanTexts(ctx, t.Number(), &body)
	files, err := s.cleanFiles(ctx, in.Files)
	if err != nil {
		return nil, err
	}
	in.Files = files
	if body == "" && len(in.Files) == 0 {
		return nil, socialdesk.FieldError("body", "Write a message or attach a file.")
	}
	if len(body) > MaxMessage {
		return nil, socialdesk.FieldError("body", "The message is longer than %d characters; attach a file instead.", MaxMessage)
	}
	now := s.Now()
	m := &socialdesk.Message{TicketID: t.ID, AuthorID: actor.ID, Internal: in.Internal, Body: body, Channel: in.Channel, ExternalID: in.ExternalID, CreatedAt: now}
	staff := actor.Role.IsStaff() && actor.ID != t.RequesterID
	switch {
	case in.Internal:
		m.Direction = "note"
	case staff:
		m.Direction = "out"
		if isExternalChannel(t.Channel) || s.prefersChannel(ctx, t) {
			m.DeliveryState = "queued"
		}
	default:
		m.Direction = "in"
	}
	if m.Channel == "" {
		m.Channel = t.Channel
		if m.Direction == "in" && in.ExternalID == "" {
			m.Channel = "portal"
		}
	}
	// Work out the ticket changes the message causes.
	var u socialdesk.TicketUpdate
	pol := s.SLAPolicy()
	var events []socialdesk.Event
	switch {
	case staff && !in.Internal:
		if t.SLA.RespondedAt.IsZero() {
			t.SLA.RespondedAt = now
			events = append(events, socialdesk.Event{ActorID: actor.ID, Field: "sla", New: "first response", At: now})
		}
		if t.State == socialdesk.StateNew || t.State == socialdesk.StateAssigned {
			st := socialdesk.StateInProgress
			u.State = &st
		}
	case !staff && (t.State == socialdesk.StatePending || t.State == socialdesk.StateResolved):
		st := socialdesk.StateInProgress
		u.State = &st
	}
	sys := &socialdesk.Person{ID: actor.ID, Role: socialdesk.RoleAgent}
	more, err := s.apply(ctx, sys, t, u)
	if err != nil {
		return nil, err
	}
	events = append(events, more...)
	if len(events) > 0 {
		t.UpdatedAt = now
		s.planNextCheck(pol, t, now)
	}
	var save *socialdesk.Ticket
	if len(events) > 0 {
		save = t
	}
	if err := s.db.AddMessage(ctx, m, in.Files, save, events); err != nil {
		var dup *store.DuplicateError
		if errors.As(err, &dup) {
			return &socialdesk.Message{ID: dup.MessageID, TicketID: dup.TicketID}, err
		}
		return nil, err
	}
	s.broker.Publish(Change{TicketID: t.ID, Kind: "message", RequesterID: t.RequesterID, Internal: in.Internal})
	if m.Direction == "out" {
		// The requester also hears of the reply on the notifications
		// page, whichever channel it is delivered on.
		n := &store.Notification{PersonID: t.RequesterID, TicketID: t.ID, Kind: "ticket_reply", Text: actor.Name + " replied on " + t.Number() + ": " + t.Title, CreatedAt: now}
		if err := s.db.AddNotification(ctx, n); err != nil {
			s.log.Warn("could not store a reply notification", "ticket", t.Number(), "err", err)
		}
	}
	return m, nil
}

// Thread returns the messages of a ticket the acting person may see;
// internal notes are left out for people who are not staff.
func (s *Service) Thread(ctx context.Context, ticketID int64) ([]*socialdesk.Message, error) {
	if _, err := s.Ticket(ctx, ticketID); err != nil {
		return nil, err
	}
	msgs, err := s.db.Messages(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	if socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActTicketNote) == nil {
		return msgs, nil
	}
	out := msgs[:0]
	for _, m := range msgs {
		if !m.Internal {
			out = append(out, m)
		}
	}
	return out, nil
}

// Attachment returns an attachment's data if the acting person may see the
// ticket it belongs to.
func (s *Service) Attachment(ctx context.Context, id int64) (socialdesk.Attachment, []byte, error) {
	a, ticketID, data, err := s.db.Attachment(ctx, id)
	if err != nil {
		return a, nil, err
	}
	if _, err := s.Ticket(ctx, ticketID); err != nil {
		return a, nil, err
	}
	return a, data, nil
}
