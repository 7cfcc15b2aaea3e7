// Package ingest is the one pipeline every channel uses to bring messages
// into the queue. It implements connector.Sink: a connector hands it an
// Inbound message and acknowledges the message to its outside system only
// after Deliver returns nil, which happens only once the message is
// committed to the database.
//
// For each message the pipeline
//   - validates it and rejects it with a clear error when it cannot be used;
//   - treats channel name plus external id as the idempotency key, so a
//     replay returns the stored ids with Duplicate set and stores nothing;
//   - links the author to a person through an identity (connector kind plus
//     author id), or by email when the author's email belongs to a person;
//     an author it cannot link is held for review, not dropped;
//   - rebuilds the conversation from ReplyTo, References and ThreadID: a
//     reply joins its ticket, anything else opens a new one;
//   - reopens a resolved or closed ticket, or opens a follow-up linked to
//     it, according to the ClosedPolicy settings;
//   - queues an automatic acknowledgement for public posts that became
//     tickets, at most once per thread and rate-limited per author.
//
// Priority is never derived from the channel: tickets open with medium
// impact and urgency and the desk's priority matrix decides the rest.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// Policies for a message that arrives on a finished ticket.
const (
	Reopen   = "reopen"
	FollowUp = "follow-up"
)

// DefaultAckText is the acknowledgement used when Options.AckText is empty.
const DefaultAckText = "Thanks, we logged this as {number} and will follow up here. Track it at {url}"

// Options configures a Pipeline. Zero values take the defaults named.
type Options struct {
	Desk   *desk.Service
	Logger *slog.Logger
	// Kind returns the connector kind of a channel (instance) name; nil or
	// an empty answer means the kind equals the name.
	Kind func(channel string) string
	// OnResolved and OnClosed say what a new message on a resolved or
	// closed ticket does: Reopen or FollowUp. Defaults: reopen resolved
	// tickets, open a follow-up for closed ones. These and the ack fields
	// are the starting Policy; a policy stored by an admin (LoadPolicy,
	// SetPolicy) replaces them.
	OnResolved string
	OnClosed   string
	// AckText is the acknowledgement for public posts that become tickets;
	// {number}, {url} and {title} are replaced. "-" turns acks off.
	AckText string
	// BaseURL is the desk's address, for {url}.
	BaseURL string
	// AckLimit acknowledgements per author and channel within AckWindow;
	// defaults 3 per hour.
	AckLimit  int
	AckWindow time.Duration
	// Observe, when set, sees every message after it was stored, with its
	// receipt (social listening). It must not block for long.
	Observe func(ctx context.Context, msg connector.Inbound, rc connector.Receipt)
}

// Pipeline is the single way into the queue. It is safe for concurrent use.
type Pipeline struct {
	desk *desk.Service
	db   *store.DB
	log  *slog.Logger
	opts Options
	// ackMu serialises the rate-limit check and the ack record per process.
	ackMu sync.Mutex
	// followMu serialises finding or creating follow-up tickets.
	followMu sync.Mutex
	// mu guards policy, which admins may change while messages flow, and
	// opts.Observe.
	mu     sync.RWMutex
	policy Policy
}

// New returns a pipeline.
func New(opts Options) *Pipeline {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.OnResolved == "" {
		opts.OnResolved = Reopen
	}
	if opts.OnClosed == "" {
		opts.OnClosed = FollowUp
	}
	if opts.AckText == "" {
		opts.AckText = DefaultAckText
	}
	if opts.AckLimit <= 0 {
		opts.AckLimit = 3
	}
	if opts.AckWindow <= 0 {
		opts.AckWindow = time.Hour
	}
	return &Pipeline{desk: opts.Desk, db: opts.Desk.DB(), log: opts.Logger, opts: opts,
		policy: Policy{OnResolved: opts.OnResolved, OnClosed: opts.OnClosed, AckText: opts.AckText, AckLimit: opts.AckLimit}}
}

var _ connector.Sink = (*Pipeline)(nil)

// Deliver stores one inbound message. It returns only after the database
// transaction committed; a message seen before returns the stored ids with
// Duplicate set. A held message (unknown author) returns zero ids.
func (p *Pipeline) Deliver(ctx context.Context, msg connector.Inbound) (connector.Receipt, error) {
	rc, err := p.deliver(ctx, msg, false)
	p.mu.RLock()
	observe := p.opts.Observe
	p.mu.RUnlock()
	if err == nil && observe != nil {
		observe(ctx, msg, rc)
	}
	return rc, err
}

// SetObserver sets Options.Observe after the pipeline was built.
func (p *Pipeline) SetObserver(fn func(ctx context.Context, msg connector.Inbound, rc connector.Receipt)) {
	p.mu.Lock()
	p.opts.Observe = fn
	p.mu.Unlock()
}

// Validate reports the first problem that makes msg unusable.
func Validate(msg connector.Inbound) error {
	switch {
	case strings.TrimSpace(msg.Channel) == "":
		return socialdesk.FieldError("channel", "The message does not name its channel.")
	case strings.TrimSpace(msg.ExternalID) == "":
		return socialdesk.FieldError("external_id", "The message has no external id; the connector must give every message a stable id.")
	case strings.TrimSpace(msg.Author.ID) == "":
		return socialdesk.FieldError("author.id", "The message has no author id.")
	case strings.TrimSpace(msg.Text) == "" && len(msg.Attachments) == 0:
		return socialdesk.FieldError("text", "The message has no text and no attachments.")
	case len(msg.ExternalID) > 500 || len(msg.ReplyTo) > 500 || len(msg.ThreadID) > 500:
		return socialdesk.FieldError("external_id", "Ids longer than 500 characters are not accepted.")
	case !utf8.ValidString(msg.Text) || !utf8.ValidString(msg.Subject):
		return socialdesk.FieldError("text", "The text is not valid UTF-8.")
	}
	return nil
}

func (p *Pipeline) kind(channel string) string {
	if p.opts.Kind != nil {
		if k := p.opts.Kind(channel); k != "" {
			return k
		}
	}
	return channel
}

// rejection marks a validation error as permanent for connectors
// (errors.Is connector.ErrRejected) while keeping its domain code and
// message (errors.As *socialdesk.Error).
type rejection struct{ err *socialdesk.Error }

func (r rejection) Error() string        { return r.err.Message }
func (r rejection) Unwrap() error        { return r.err }
func (r rejection) Is(target error) bool { return target == connector.ErrRejected }

func (p *Pipeline) deliver(ctx context.Context, msg connector.Inbound, released bool) (connector.Receipt, error) {
	if err := Validate(msg); err != nil {
		var e *socialdesk.Error
		if errors.As(err, &e) {
			return connector.Receipt{}, rejection{e}
		}
		return connector.Receipt{}, err
	}
	sys := desk.SystemContext(ctx)
	if old, err := p.db.MessageByExternalID(ctx, msg.Channel, msg.ExternalID); err == nil {
		p.rememberThread(ctx, msg, old.TicketID)
		if err := p.storeFiles(ctx, msg, old.TicketID, old.AuthorID); err != nil {
			return connector.Receipt{}, err
		}
		return connector.Receipt{MessageID: old.ID, TicketID: old.TicketID, Duplicate: true}, nil
	} else if socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		return connector.Receipt{}, err
	}
	if !released {
		if _, err := p.db.HeldByKey(ctx, msg.Channel, msg.ExternalID); err == nil {
			return connector.Receipt{Duplicate: true}, nil
		} else if socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
			return connector.Receipt{}, err
		}
	}
	kind := p.kind(msg.Channel)
	person, err := p.author(ctx, kind, msg.Author)
	if err != nil {
		return connector.Receipt{}, err
	}
	if person == nil {
		if released {
			return connector.Receipt{}, socialdesk.Errorf(socialdesk.ECONFLICT, "The author %s on %s is still not linked to a person; link them before releasing their messages.", msg.Author.ID, kind)
		}
		return p.hold(ctx, kind, msg)
	}
	ticketID, err := p.findTicket(ctx, msg)
	if err != nil {
		return connector.Receipt{}, err
	}
	if ticketID == 0 {
		// A reply to a message that is itself held waits with it, so the
		// conversation stays one ticket when the parent is released.
		if held, err := p.parentHeld(ctx, msg); err != nil {
			return connector.Receipt{}, err
		} else if held && released {
			return connector.Receipt{}, errParentHeld
		} else if held {
			return p.hold(ctx, kind, msg)
		}
	}
	if ticketID != 0 {
		t, err := p.db.Ticket(ctx, ticketID)
		if err != nil {
			return connector.Receipt{}, err
		}
		if !t.State.Open() && msg.ThreadID != "" {
			// The conversation may have moved on to a follow-up ticket.
			if id, err := p.db.ThreadTicket(ctx, msg.Channel, msg.ThreadID); err == nil && id != t.ID {
				if t, err = p.db.Ticket(ctx, id); err != nil {
					return connector.Receipt{}, err
				}
				ticketID = id
			}
		}
		policy, pol := "", p.Policy()
		switch t.State {
		case socialdesk.StateResolved:
			policy = pol.OnResolved
		case socialdesk.StateClosed:
			policy = pol.OnClosed
		}
		if policy != FollowUp {
			m, err := p.desk.AddInbound(sys, ticketID, desk.InboundMessage{AuthorID: person.ID, Body: msg.Text, Files: files(msg),
				Channel: msg.Channel, ExternalID: msg.ExternalID, CreatedAt: msg.SentAt, ReopenClosed: policy == Reopen})
			return p.receipt(ctx, msg, m, err)
		}
		return p.followUp(ctx, kind, msg, person, t)
	}
	return p.open(ctx, kind, msg, person, nil)
}

// followUp adds the message to the open follow-up of finished ticket t,
// creating the follow-up when there is none yet. Creation is serialised so
// that replies arriving together open one follow-up, not one each.
func (p *Pipeline) followUp(ctx context.Context, kind string, msg connector.Inbound, person *socialdesk.Person, t *socialdesk.Ticket) (connector.Receipt, error) {
	p.followMu.Lock()
	defer p.followMu.Unlock()
	open, _, err := p.db.Tickets(ctx, socialdesk.TicketFilter{ParentID: t.ID, OpenOnly: true, Channel: kind,
		Query: "Follow-up to " + t.Number(), Sort: "created", Limit: 1})
	if err != nil {
		return connector.Receipt{}, err
	}
	if len(open) == 0 {
		return p.open(ctx, kind, msg, person, t)
	}
	m, err := p.desk.AddInbound(desk.SystemContext(ctx), open[0].ID, desk.InboundMessage{AuthorID: person.ID, Body: msg.Text, Files: files(msg),
		Channel: msg.Channel, ExternalID: msg.ExternalID, CreatedAt: msg.SentAt})
	return p.receipt(ctx, msg, m, err)
}

// receipt turns the result of storing a message into a receipt, treating a
// duplicate (lost race with a concurrent delivery) as success.
func (p *Pipeline) receipt(ctx context.Context, msg connector.Inbound, m *socialdesk.Message, err error) (connector.Receipt, error) {
	var dup *store.DuplicateError
	if errors.As(err, &dup) {
		return connector.Receipt{MessageID: dup.MessageID, TicketID: dup.TicketID, Duplicate: true}, nil
	}
	if err != nil {
		return connector.Receipt{}, err
	}
	p.rememberThread(ctx, msg, m.TicketID)
	return connector.Receipt{MessageID: m.ID, TicketID: m.TicketID}, nil
}

// open creates a ticket for a message that starts a conversation, or a
// follow-up of parent when parent is set.
func (p *Pipeline) open(ctx context.Context, kind string, msg connector.Inbound, person *socialdesk.Person, parent *socialdesk.Ticket) (connector.Receipt, error) {
	title := strings.TrimSpace(msg.Subject)
	if title == "" {
		title = firstLine(msg.Text)
	}
	if title == "" {
		title = "Message with attachments"
	}
	if parent != nil {
		title = "Follow-up to " + parent.Number() + ": " + title
	}
	title = truncateRunes(title, desk.MaxTitle)
	first := &socialdesk.Message{AuthorID: person.ID, Body: truncateBytes(strings.TrimSpace(msg.Text), desk.MaxMessage), Channel: msg.Channel,
		ExternalID: msg.ExternalID, Direction: "in", CreatedAt: msg.SentAt}
	if first.Body == "" {
		first.Body = "(attachments)"
	}
	nt := desk.NewTicket{Title: title, Description: truncateBytes(strings.TrimSpace(msg.Text), desk.MaxDescription), Channel: kind,
		RequesterID: person.ID, First: first}
	if parent != nil {
		nt.ParentID = parent.ID
	}
	t, err := p.desk.CreateTicket(desk.SystemContext(ctx), nt)
	var dup *store.DuplicateError
	if errors.As(err, &dup) {
		return connector.Receipt{MessageID: dup.MessageID, TicketID: dup.TicketID, Duplicate: true}, nil
	}
	if err != nil {
		return connector.Receipt{}, err
	}
	if err := p.storeFiles(ctx, msg, t.ID, person.ID); err != nil {
		return connector.Receipt{}, err
	}
	if parent != nil && msg.ThreadID != "" {
		// The conversation continues on the follow-up from now on.
		if err := p.db.MoveThread(ctx, msg.Channel, msg.ThreadID, t.ID); err != nil {
			p.log.Warn("could not move thread to follow-up", "thread", msg.ThreadID, "err", err)
		}
	}
	p.rememberThread(ctx, msg, t.ID)
	if msg.Visibility == connector.Public {
		p.acknowledge(ctx, msg, t)
	}
	return connector.Receipt{MessageID: first.ID, TicketID: t.ID}, nil
}

// storeFiles stores the attachments of a message that opened a ticket as
// a second message with its own idempotency key (external id + "#files").
// A ticket and its first message are one transaction, the files another;
// when a crash falls between them, the connector's redelivery finds the
// message stored and this stores the files, once.
func (p *Pipeline) storeFiles(ctx context.Context, msg connector.Inbound, ticketID, authorID int64) error {
	if len(msg.Attachments) == 0 {
		return nil
	}
	_, err := p.desk.AddInbound(desk.SystemContext(ctx), ticketID, desk.InboundMessage{AuthorID: authorID, Body: "(attachments)", Files: files(msg),
		Channel: msg.Channel, ExternalID: msg.ExternalID + "#files", CreatedAt: msg.SentAt})
	if errors.Is(err, store.ErrDuplicate) {
		return nil
	}
	return err
}

// rememberThread maps the message's thread to its ticket; it is best
// effort because message ids already rebuild most threads.
func (p *Pipeline) rememberThread(ctx context.Context, msg connector.Inbound, ticketID int64) {
	if msg.ThreadID == "" || ticketID == 0 {
		return
	}
	if err := p.db.SetThread(ctx, msg.Channel, msg.ThreadID, ticketID); err != nil {
		p.log.Warn("could not record thread", "channel", msg.Channel, "thread", msg.ThreadID, "err", err)
	}
}

// errParentHeld reports that a message cannot be released yet because the
// message it answers is still held.
var errParentHeld = errors.New("ingest: the message this one answers is still held")

// parentHeld reports whether a message it references is held and not yet
// released.
func (p *Pipeline) parentHeld(ctx context.Context, msg connector.Inbound) (bool, error) {
	refs := append([]string{msg.ReplyTo, msg.ThreadID}, msg.References...)
	for _, r := range refs {
		if r == "" || r == msg.ExternalID {
			continue
		}
		h, err := p.db.HeldByKey(ctx, msg.Channel, r)
		if err == nil && h.ReleasedAt.IsZero() {
			return true, nil
		} else if err != nil && socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
			return false, err
		}
	}
	return false, nil
}

// findTicket finds the ticket a message belongs to: the ticket of the
// message it replies to, of its nearest known reference, or of its thread.
// It returns 0 for a new conversation.
func (p *Pipeline) findTicket(ctx context.Context, msg connector.Inbound) (int64, error) {
	refs := []string{msg.ReplyTo}
	for i := len(msg.References) - 1; i >= 0; i-- {
		refs = append(refs, msg.References[i])
	}
	if msg.ThreadID != "" {
		refs = append(refs, msg.ThreadID)
	}
	for _, r := range refs {
		if r == "" || r == msg.ExternalID {
			continue
		}
		m, err := p.db.MessageByExternalID(ctx, msg.Channel, r)
		if err == nil {
			return m.TicketID, nil
		} else if socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
			return 0, err
		}
	}
	if msg.ThreadID != "" {
		id, err := p.db.ThreadTicket(ctx, msg.Channel, msg.ThreadID)
		if err == nil {
			return id, nil
		} else if socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
			return 0, err
		}
	}
	return 0, nil
}

// author links the message author to a person: by identity on the
// connector kind, else by email (recording the identity for next time).
// It returns nil when the author is unknown.
func (p *Pipeline) author(ctx context.Context, kind string, a connector.Author) (*socialdesk.Person, error) {
	person, err := p.db.PersonByIdentity(ctx, kind, a.ID)
	if err == nil {
		return person, nil
	} else if socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		return nil, err
	}
	if a.Email == "" {
		return nil, nil
	}
	person, err = p.db.PersonByEmail(ctx, a.Email)
	if socialdesk.ErrorCode(err) == socialdesk.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if err := p.db.AddIdentity(ctx, socialdesk.Identity{PersonID: person.ID, Channel: kind, ExternalID: a.ID}); err != nil {
		return nil, err
	}
	return person, nil
}

// hold keeps a message from an unknown author for review.
func (p *Pipeline) hold(ctx context.Context, kind string, msg connector.Inbound) (connector.Receipt, error) {
	payload, err := json.Marshal(msg)
	if err != nil {
		return connector.Receipt{}, err
	}
	_, fresh, err := p.db.HoldMessage(ctx, &store.HeldMessage{Channel: msg.Channel, Kind: kind, ExternalID: msg.ExternalID,
		AuthorID: msg.Author.ID, AuthorName: msg.Author.Name, AuthorEmail: msg.Author.Email, Payload: string(payload)})
	if err != nil {
		return connector.Receipt{}, err
	}
	if fresh {
		p.log.Info("message held: unknown author", "channel", msg.Channel, "author", msg.Author.ID)
		p.desk.Broker().Publish(desk.Change{Kind: "held"})
	}
	return connector.Receipt{Duplicate: !fresh}, nil
}

func files(msg connector.Inbound) []store.NewAttachment {
	var out []store.NewAttachment
	for _, a := range msg.Attachments {
		out = append(out, store.NewAttachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data})
	}
	return out
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
