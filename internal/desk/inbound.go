package desk

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// InboundMessage is a message from a channel that joins an existing ticket.
// The connector pipeline has already linked its author to a person.
type InboundMessage struct {
	AuthorID int64
	Body     string
	Files    []store.NewAttachment
	// Channel (connector instance name) and ExternalID make the message
	// idempotent.
	Channel    string
	ExternalID string
	CreatedAt  time.Time
	// ReopenClosed also reopens a closed ticket; pending and resolved
	// tickets are always reopened by a message from the requester's side.
	ReopenClosed bool
}

// AddInbound adds a message that came in on a channel to a ticket, in one
// transaction with the state change it causes: a pending or resolved ticket
// (and a closed one when asked) goes back to in progress. The author may be
// anyone the channel linked to a person, not only the requester, so only
// staff or the desk itself (connectors act as the desk) may call it. A
// duplicate returns the stored ids with an error wrapping
// store.ErrDuplicate.
func (s *Service) AddInbound(ctx context.Context, ticketID int64, in InboundMessage) (*socialdesk.Message, error) {
	actor := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(actor, socialdesk.ActTicketOnBehalf); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.ExternalID) == "" || in.Channel == "" {
		return nil, socialdesk.FieldError("external_id", "A channel message needs its channel and external id.")
	}
	body := strings.TrimSpace(in.Body)
	if body == "" && len(in.Files) == 0 {
		return nil, socialdesk.FieldError("text", "The message has no text and no attachments.")
	}
	if len(body) > MaxMessage {
		body = body[:MaxMessage]
	}
	t, err := s.db.Ticket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	created := in.CreatedAt
	if created.IsZero() {
		created = now
	}
	m := &socialdesk.Message{TicketID: t.ID, AuthorID: in.AuthorID, Body: body, Channel: in.Channel, ExternalID: in.ExternalID, Direction: "in", CreatedAt: created}
	var save *socialdesk.Ticket
	var events []socialdesk.Event
	if t.State == socialdesk.StatePending || t.State == socialdesk.StateResolved || (t.State == socialdesk.StateClosed && in.ReopenClosed) {
		st := socialdesk.StateInProgress
		sys := &socialdesk.Person{ID: 0, Role: socialdesk.RoleAgent}
		events, err = s.apply(ctx, sys, t, socialdesk.TicketUpdate{State: &st})
		if err != nil {
			return nil, err
		}
		save = t
	}
	if err := s.db.AddMessage(ctx, m, in.Files, save, events); err != nil {
		return s.duplicate(err)
	}
	kind := "message"
	if save != nil {
		kind = "updated"
	}
	s.broker.Publish(Change{TicketID: t.ID, Kind: kind, RequesterID: t.RequesterID})
	return m, nil
}

// duplicate turns a store duplicate into the stored ids plus the error.
func (s *Service) duplicate(err error) (*socialdesk.Message, error) {
	var dup *store.DuplicateError
	if errors.As(err, &dup) {
		return &socialdesk.Message{ID: dup.MessageID, TicketID: dup.TicketID}, err
	}
	return nil, err
}

// QueueNotice adds a message the desk itself sends out on the ticket's
// channel, such as an automatic acknowledgement. Unlike an agent's reply it
// does not count as the first response for the SLA. Staff or the desk only.
func (s *Service) QueueNotice(ctx context.Context, ticketID int64, body string) (*socialdesk.Message, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActTicketOnBehalf); err != nil {
		return nil, err
	}
	t, err := s.db.Ticket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	m := &socialdesk.Message{TicketID: t.ID, Body: strings.TrimSpace(body), Channel: t.Channel, Direction: "out", DeliveryState: "queued", CreatedAt: s.Now()}
	if err := s.db.AddMessage(ctx, m, nil, nil, nil); err != nil {
		return nil, err
	}
	s.broker.Publish(Change{TicketID: t.ID, Kind: "message", RequesterID: t.RequesterID})
	return m, nil
}

// NoteDelivery records the outcome of sending an outbound message: its
// delivery state and, on failure, an internal note with the reason so
// agents see it on the ticket page.
func (s *Service) NoteDelivery(ctx context.Context, m *socialdesk.Message, state, externalID, reason string) error {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActTicketOnBehalf); err != nil {
		return err
	}
	if err := s.db.SetDeliveryState(ctx, m.ID, state, externalID); err != nil {
		return err
	}
	if state == "failed" && reason != "" {
		note := &socialdesk.Message{TicketID: m.TicketID, Internal: true, Body: "Delivery failed: " + reason, Channel: m.Channel, Direction: "note", CreatedAt: s.Now()}
		if err := s.db.AddMessage(ctx, note, nil, nil, nil); err != nil {
			return err
		}
	}
	t, err := s.db.Ticket(ctx, m.TicketID)
	if err == nil {
		s.broker.Publish(Change{TicketID: t.ID, Kind: "message", RequesterID: t.RequesterID, Internal: state == "failed"})
	}
	return nil
}
