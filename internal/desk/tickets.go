package desk

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// Limits on ticket text.
const (
	MaxTitle       = 200
	MaxDescription = 20000
	MaxMessage     = 20000
)

// NewTicket is a request to open a ticket. Impact and urgency are validated
// here, so handlers pass what the user sent.
type NewTicket struct {
	Type        string
	Title       string
	Description string
	Impact      string
	Urgency     string
	Category    string
	Service     string
	// Channel is the channel kind the ticket arrived on; "portal" when empty.
	Channel string
	// RequesterID opens the ticket for someone else (staff only); 0 means
	// the acting person.
	RequesterID int64
	GroupID     int64
	ParentID    int64
	Attachments []store.NewAttachment
	// First, when set, is stored as the ticket's first message in the same
	// transaction; its channel and external id make the creation idempotent.
	First *socialdesk.Message
	// SourceQuestionID links a ticket escalated from a community question.
	SourceQuestionID int64
}

// CreateTicket validates and opens a ticket, computing its priority from the
// matrix (never from the channel) and starting its SLA clocks. It returns
// EUNAUTHORIZED, EFORBIDDEN or EINVALID; with a duplicate first message it
// returns the existing ticket and an error wrapping store.ErrDuplicate.
func (s *Service) CreateTicket(ctx context.Context, in NewTicket) (*socialdesk.Ticket, error) {
	actor := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(actor, socialdesk.ActTicketCreate); err != nil {
		return nil, err
	}
	s.cleanTexts(ctx, "new ticket", &in.Title, &in.Description)
	if in.First != nil {
		s.cleanTexts(ctx, "new ticket", &in.First.Body)
	}
	files, err := s.cleanFiles(ctx, in.Attachments)
	if err != nil {
		return nil, err
	}
	in.Attachments = files
	t, err := s.validateNew(ctx, actor, in)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	t.CreatedAt, t.UpdatedAt = now, now
	t.Priority = s.PriorityMatrix().Priority(t.Impact, t.Urgency)
	pol := s.SLAPolicy()
	pol.applyTargets(t, now)
	s.planNextCheck(pol, t, now)
	events := []socialdesk.Event{{ActorID: actor.ID, Field: "created", New: fmt.Sprintf("%s via %s, %s", t.Type, t.Channel, t.Priority), At: now}}
	if in.First != nil && in.First.CreatedAt.IsZero() {
		in.First.CreatedAt = now
	}
	if err := s.db.CreateTicket(ctx, t, in.First, events); err != nil {
		var dup *store.DuplicateError
		if errors.As(err, &dup) {
			old, gerr := s.db.Ticket(ctx, dup.TicketID)
			if gerr != nil {
				return nil, gerr
			}
			return old, err
		}
		return nil, err
	}
	if len(in.Attachments) > 0 {
		m := &socialdesk.Message{TicketID: t.ID, AuthorID: t.RequesterID, Body: "(attachments)", Channel: t.Channel, Direction: "in", CreatedAt: now}
		if err := s.db.AddMessage(ctx, m, in.Attachments, nil, nil); err != nil {
			return nil, err
		}
	}
	s.broker.Publish(Change{TicketID: t.ID, Kind: "created", RequesterID: t.RequesterID})
	s.log.Info("ticket created", "number", t.Number(), "priority", t.Priority.String(), "channel", t.Channel)
	return t, nil
}

func (s *Service) validateNew(ctx context.Context, actor *socialdesk.Person, in NewTicket) (*socialdesk.Ticket, error) {
	typ, err := socialdesk.ParseTicketType(in.Type)
	if err != nil {
		return nil, err
	}
	title := strings.TrimSpace(in.Title)
	if title == "" {
		return nil, socialdesk.FieldError("title", "Give the ticket a short title that says what is wrong.")
	}
	if utf8.RuneCountInString(title) > MaxTitle {
		return nil, socialdesk.FieldError("title", "The title is longer than %d characters; move the details to the description.", MaxTitle)
	}
	if len(in.Description) > MaxDescription {
		return nil, socialdesk.FieldError("description", "The description is longer than %d characters; attach a file instead.", MaxDescription)
	}
	impact, err := socialdesk.ParseLevel("impact", in.Impact)
	if err != nil {
		return nil, err
	}
	urgency, err := socialdesk.ParseLevel("urgency", in.Urgency)
	if err != nil {
		return nil, err
	}
	t := &socialdesk.Ticket{Type: typ, Title: title, Description: strings.TrimSpace(in.Description), State: socialdesk.StateNew,
		Impact: impact, Urgency: urgency, Category: strings.TrimSpace(in.Category), Service: strings.TrimSpace(in.Service),
		Channel: strings.TrimSpace(in.Channel), RequesterID: actor.ID, SourceQuestionID: in.SourceQuestionID}
	if t.Channel == "" {
		t.Channel = "portal"
	}
	if in.RequesterID != 0 && in.RequesterID != actor.ID {
		if err := socialdesk.Authorize(actor, socialdesk.ActTicketOnBehalf); err != nil {
			return nil, err
		}
		if _, err := s.db.Person(ctx, in.RequesterID); err != nil {
			return nil, socialdesk.FieldError("requester", "The requester does not exist.")
		}
		t.RequesterID = in.RequesterID
	}
	if in.GroupID != 0 || in.ParentID != 0 {
		if err := socialdesk.Authorize(actor, socialdesk.ActTicketUpdate); err != nil {
			return nil, err
		}
		t.GroupID, t.ParentID = in.GroupID, in.ParentID
	}
	return t, nil
}

// Ticket returns one ticket the acting person may see.
func (s *Service) Ticket(ctx context.Context, id int64) (*socialdesk.Ticket, error) {
	actor := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(actor, socialdesk.ActTicketView); err != nil {
		return nil, err
	}
	t, err := s.db.Ticket(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := socialdesk.AuthorizeTicket(actor, socialdesk.ActTicketView, t); err != nil {
		return nil, err
	}
	return t, nil
}

// TicketByRef finds a ticket by number ("INC-000123") or id.
func (s *Service) TicketByRef(ctx context.Context, ref string) (*socialdesk.Ticket, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return s.Ticket(ctx, id)
	}
	t, err := s.db.TicketByNumber(ctx, ref)
	if err != nil {
		return nil, err
	}
	return s.Ticket(ctx, t.ID)
}

// Tickets lists tickets. People who are not staff only ever see their own.
func (s *Service) Tickets(ctx context.Context, f socialdesk.TicketFilter) ([]*socialdesk.Ticket, int, error) {
	actor := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(actor, socialdesk.ActTicketView); err != nil {
		return nil, 0, err
	}
	if socialdesk.Authorize(actor, socialdesk.ActTicketViewAll) != nil {
		f.RequesterID = actor.ID
	}
	return s.db.Tickets(ctx, f)
}

// UpdateTicket applies changes to a ticket, recording each in its history.
// Changing impact or urgency recomputes the priority and SLA targets;
// entering and leaving pending pauses and resumes the SLA clocks. Staff only.
func (s *Service) UpdateTicket(ctx context.Context, id int64, u socialdesk.TicketUpdate) (*socialdesk.Ticket, error) {
	actor := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(actor, socialdesk.ActTicketUpdate); err != nil {
		return nil, err
	}
	t, err := s.db.Ticket(ctx, id)
	if err != nil {
		return nil, err
	}
	events, err := s.apply(ctx, actor, t, u)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return t, nil
	}
	if err := s.db.SaveTicket(ctx, t, events); err != nil {
		return nil, err
	}
	s.broker.Publish(Change{TicketID: t.ID, Kind: "updated", RequesterID: t.RequesterID})
	return t, nil
}

// apply changes t in memory and returns the history events.
func (s *Service) apply(ctx context.Context, actor *socialdesk.Person, t *socialdesk.Ticket, u socialdesk.TicketUpdate) ([]socialdesk.Event, error) {
	now := s.Now()
	var events []socialdesk.Event
	change := func(field, old, new string) {
		if old != new {
			events = append(events, socialdesk.Event{ActorID: actor.ID, Field: field, Old: old, New: new, At: now})
		}
	}
	if u.Title != nil {
		title := strings.TrimSpace(*u.Title)
		if title == "" || utf8.RuneCountInString(title) > MaxTitle {
			return nil, socialdesk.FieldError("title", "The title must be 1 to %d characters.", MaxTitle)
		}
		s.cleanTexts(ctx, "ticket update", &title)
		change("title", t.Title, title)
		t.Title = title
	}
	if u.Description != nil {
		if len(*u.Description) > MaxDescription {
			return nil, socialdesk.FieldError("description", "The description is longer than %d characters.", MaxDescription)
		}
		change("description", "", "edited")
		desc := *u.Description
		s.cleanTexts(ctx, "ticket update", &desc)
		t.Description = desc
	}
	if u.Type != nil {
		change("type", string(t.Type), string(*u.Type))
		if *u.Type != t.Type {
			return nil, socialdesk.FieldError("type", "A ticket keeps its type; close it and open a new %s instead.", *u.Type)
		}
	}
	if u.Category != nil {
		change("category", t.Category, *u.Category)
		t.Category = strings.TrimSpace(*u.Category)
	}
	if u.Service != nil {
		change("service", t.Service, *u.Service)
		t.Service = strings.TrimSpace(*u.Service)
	}
	if u.GroupID != nil && *u.GroupID != t.GroupID {
		name, err := s.groupName(ctx, *u.GroupID)
		if err != nil {
			return nil, err
		}
		old, _ := s.groupName(ctx, t.GroupID)
		change("group", old, name)
		t.GroupID = *u.GroupID
	}
	if u.AssigneeID != nil && *u.AssigneeID != t.AssigneeID {
		newName := ""
		if *u.AssigneeID != 0 {
			p, err := s.db.Person(ctx, *u.AssigneeID)
			if err != nil || !p.Role.IsStaff() {
				return nil, socialdesk.FieldError("assignee", "Tickets can only be assigned to agents.")
			}
			newName = p.Name
		}
		change("assignee", s.personName(ctx, t.AssigneeID), newName)
		t.AssigneeID = *u.AssigneeID
		if t.AssigneeID != 0 && t.State == socialdesk.StateNew && u.State == nil {
			change("state", string(t.State), string(socialdesk.StateAssigned))
			t.State = socialdesk.StateAssigned
		}
	}
	if u.ParentID != nil && *u.ParentID != t.ParentID {
		if *u.ParentID != 0 {
			if *u.ParentID == t.ID {
				return nil, socialdesk.FieldError("parent", "A ticket cannot be its own parent.")
			}
			parent, err := s.db.Ticket(ctx, *u.ParentID)
			if err != nil {
				return nil, socialdesk.FieldError("parent", "The parent ticket does not exist.")
			}
			if parent.ParentID == t.ID {
				return nil, socialdesk.FieldError("parent", "%s is already a child of this ticket.", parent.Number())
			}
			change("parent", "", parent.Number())
		} else {
			change("parent", strconv.FormatInt(t.ParentID, 10), "")
		}
		t.ParentID = *u.ParentID
	}
	if u.Major != nil {
		change("major", strconv.FormatBool(t.Major), strconv.FormatBool(*u.Major))
		t.Major = *u.Major
	}
	pol := s.SLAPolicy()
	if u.Impact != nil || u.Urgency != nil {
		if u.Impact != nil {
			change("impact", string(t.Impact), string(*u.Impact))
			t.Impact = *u.Impact
		}
		if u.Urgency != nil {
			change("urgency", string(t.Urgency), string(*u.Urgency))
			t.Urgency = *u.Urgency
		}
		if p := s.PriorityMatrix().Priority(t.Impact, t.Urgency); p != t.Priority {
			change("priority", t.Priority.String(), p.String())
			t.Priority = p
			pol.applyTargets(t, now)
		}
	}
	if u.State != nil && *u.State != t.State {
		if err := s.transition(pol, t, *u.State, now); err != nil {
			return nil, err
		}
		change("state", string(t.State), string(*u.State))
		t.State = *u.State
	}
	if len(events) > 0 {
		t.UpdatedAt = now
		s.planNextCheck(pol, t, now)
	}
	return events, nil
}

// transition moves the SLA clocks and timestamps for a state change.
func (s *Service) transition(pol SLAPolicy, t *socialdesk.Ticket, to socialdesk.State, now time.Time) error {
	from := t.State
	if to == socialdesk.StateAssigned && t.AssigneeID == 0 {
		return socialdesk.FieldError("state", "Choose an assignee before setting the state to assigned.")
	}
	if to == socialdesk.StateNew && from != socialdesk.StateNew {
		return socialdesk.FieldError("state", "A ticket cannot go back to new; use in progress.")
	}
	if from == socialdesk.StatePending && to != socialdesk.StatePending {
		pol.resume(t, now)
	}
	if !from.Open() && to.Open() {
		// Reopened: the time it spent resolved does not count against it.
		if !t.ResolvedAt.IsZero() {
			t.SLA.Paused += pol.Calendar.Between(t.ResolvedAt, now)
		}
		t.ResolvedAt, t.ClosedAt = time.Time{}, time.Time{}
		pol.refreshDue(t, now)
	}
	switch to {
	case socialdesk.StatePending:
		pol.pause(t, now)
	case socialdesk.StateResolved:
		t.ResolvedAt, t.ClosedAt = now, time.Time{}
		if t.SLA.RespondedAt.IsZero() {
			t.SLA.RespondedAt = now
		}
		pol.resume(t, now)
	case socialdesk.StateClosed:
		if t.ResolvedAt.IsZero() {
			t.ResolvedAt = now
		}
		if t.SLA.RespondedAt.IsZero() {
			t.SLA.RespondedAt = now
		}
		t.ClosedAt = now
		pol.resume(t, now)
	}
	return nil
}

func (s *Service) groupName(ctx context.Context, id int64) (string, error) {
	if id == 0 {
		return "", nil
	}
	groups, err := s.db.Groups(ctx)
	if err != nil {
		return "", err
	}
	for _, g := range groups {
		if g.ID == id {
			return g.Name, nil
		}
	}
	return "", socialdesk.FieldError("group", "The assignment group does not exist.")
}

func (s *Service) personName(ctx context.Context, id int64) string {
	if id == 0 {
		return ""
	}
	if p, err := s.db.Person(ctx, id); err == nil {
		return p.Name
	}
	return "#" + strconv.FormatInt(id, 10)
}

// BulkResult reports the outcome of a bulk action per ticket.
type BulkResult struct {
	Updated int
	Errors  map[int64]error
}

// BulkUpdate applies the same change to many tickets. Each ticket is
// updated on its own, so one failure does not stop the others.
func (s *Service) BulkUpdate(ctx context.Context, ids []int64, u socialdesk.TicketUpdate) (BulkResult, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActTicketUpdate); err != nil {
		return BulkResult{}, err
	}
	if len(ids) > 500 {
		return BulkResult{}, socialdesk.FieldError("ids", "Select at most 500 tickets at a time.")
	}
	res := BulkResult{Errors: map[int64]error{}}
	for _, id := range ids {
		if _, err := s.UpdateTicket(ctx, id, u); err != nil {
			res.Errors[id] = err
			continue
		}
		res.Updated++
	}
	return res, nil
}

// History returns a ticket's history, for staff.
func (s *Service) History(ctx context.Context, id int64) ([]socialdesk.Event, error) {
	actor := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(actor, socialdesk.ActTicketViewAll); err != nil {
		return nil, err
	}
	return s.db.Events(ctx, id)
}
