package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// Senders finds the connector that sends replies for a channel.
type Senders interface {
	// Sender returns the sender of the connector instance named channel.
	Sender(channel string) (connector.Sender, bool)
	// SenderForKind returns an enabled instance of the kind that can send,
	// with its name, for replies routed by a person's preferred channels.
	SenderForKind(kind string) (channel string, s connector.Sender, ok bool)
}

// OutboundOptions configures an Outbound worker. Zero values take the
// defaults named.
type OutboundOptions struct {
	Desk    *desk.Service
	Senders Senders
	Logger  *slog.Logger
	// Batch is how many queued messages one pass picks up (default 50) and
	// Concurrency how many are sent at once (default 4).
	Batch       int
	Concurrency int
	// MaxAttempts before a message is marked failed (default 6); the wait
	// between attempts doubles from BaseDelay (1 s) up to MaxDelay (5 min).
	MaxAttempts int
	BaseDelay   time.Duration
	MaxDelay    time.Duration
	// Poll is how often the queue is scanned when nothing wakes the worker
	// (default 2 s); SendTimeout bounds one send (default 30 s).
	Poll        time.Duration
	SendTimeout time.Duration
}

// Outbound sends agent replies through the ticket's connector. Its queue is
// the database (messages in delivery state "queued"), so a restart loses
// nothing. Delivery is at least once: a crash between a successful send and
// recording it resends that one message.
type Outbound struct {
	desk *desk.Service
	db   *store.DB
	opts OutboundOptions
	log  *slog.Logger
}

// NewOutbound returns an outbound worker.
func NewOutbound(opts OutboundOptions) *Outbound {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Batch <= 0 {
		opts.Batch = 50
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 6
	}
	if opts.BaseDelay <= 0 {
		opts.BaseDelay = time.Second
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = 5 * time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = 30 * time.Second
	}
	return &Outbound{desk: opts.Desk, db: opts.Desk.DB(), opts: opts, log: opts.Logger}
}

// Run sends queued messages until ctx ends, waking on every new message and
// at least every Poll.
func (o *Outbound) Run(ctx context.Context) {
	changes, stop := o.desk.Broker().Subscribe()
	defer stop()
	tick := time.NewTicker(o.opts.Poll)
	defer tick.Stop()
	for {
		if _, err := o.RunOnce(ctx); err != nil && ctx.Err() == nil {
			o.log.Error("outbound pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-changes:
		}
	}
}

// RunOnce sends the queued messages that are due and returns how many were
// sent.
func (o *Outbound) RunOnce(ctx context.Context) (int, error) {
	msgs, err := o.db.QueuedMessages(ctx, o.desk.Now(), o.opts.Batch)
	if err != nil {
		return 0, err
	}
	var mu sync.Mutex
	sent := 0
	sem := make(chan struct{}, o.opts.Concurrency)
	var wg sync.WaitGroup
	for _, m := range msgs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			ok, err := o.send(ctx, m)
			if err != nil {
				o.log.Error("outbound send bookkeeping failed", "message", m.ID, "err", err)
			}
			if ok {
				mu.Lock()
				sent++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return sent, nil
}

// errNoRoute is a permanent failure: there is nowhere to send the reply.
var errNoRoute = errors.New("no connector can deliver this reply")

// send tries one message and records the outcome.
func (o *Outbound) send(ctx context.Context, m *socialdesk.Message) (bool, error) {
	sys := desk.SystemContext(ctx)
	now := o.desk.Now()
	claimed, err := o.db.ClaimDelivery(ctx, m.ID, now, now.Add(o.opts.SendTimeout+time.Minute))
	if err != nil || !claimed {
		return false, err
	}
	channel, sender, out, err := o.route(ctx, m)
	if err == nil {
		sctx, cancel := context.WithTimeout(ctx, o.opts.SendTimeout)
		var extID string
		extID, err = sender.Send(sctx, out)
		cancel()
		if err == nil {
			if err := o.db.MarkSent(ctx, m.ID, channel, extID); err != nil {
				return true, err
			}
			t, terr := o.db.Ticket(ctx, m.TicketID)
			if terr == nil {
				o.desk.Broker().Publish(desk.Change{TicketID: t.ID, Kind: "message", RequesterID: t.RequesterID})
			}
			return true, nil
		}
	}
	if ctx.Err() != nil {
		return false, nil
	}
	a, aerr := o.db.Attempt(ctx, m.ID)
	if aerr != nil {
		return false, aerr
	}
	a.Attempts++
	a.LastError = err.Error()
	if errors.Is(err, errNoRoute) || a.Attempts >= o.opts.MaxAttempts {
		if rerr := o.db.RecordAttempt(ctx, a); rerr != nil {
			return false, rerr
		}
		o.log.Warn("outbound message failed", "message", m.ID, "attempts", a.Attempts, "err", err)
		return false, o.desk.NoteDelivery(sys, m, "failed", "", fmt.Sprintf("%s (after %d attempts)", err, a.Attempts))
	}
	a.NextAt = o.desk.Now().Add(Backoff(o.opts.BaseDelay, o.opts.MaxDelay, a.Attempts))
	return false, o.db.RecordAttempt(ctx, a)
}

// Backoff returns the wait before attempt n+1 after n failures: base
// doubled n-1 times, capped at max.
func Backoff(base, max time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// route works out where a reply goes: back on the channel the ticket's
// latest inbound message came from, in its thread; or, for a ticket raised
// in the portal, on the requester's first preferred channel where they
// have an identity and a connector can send.
func (o *Outbound) route(ctx context.Context, m *socialdesk.Message) (string, connector.Sender, connector.Outbound, error) {
	t, err := o.db.Ticket(ctx, m.TicketID)
	if err != nil {
		return "", nil, connector.Outbound{}, err
	}
	out := connector.Outbound{Subject: "Re: " + t.Title + " [" + t.Number() + "]", Text: m.Body, Visibility: connector.Direct}
	orig, err := o.db.LatestInbound(ctx, t.ID)
	if err == nil {
		s, ok := o.opts.Senders.Sender(orig.Channel)
		if !ok {
			return "", nil, out, fmt.Errorf("%w: channel %q is not configured, disabled or cannot send", errNoRoute, orig.Channel)
		}
		out.ReplyTo = orig.ExternalID
		if ch, thread, err := o.db.TicketThread(ctx, t.ID); err == nil && ch == orig.Channel {
			out.ThreadID = thread
		}
		out.Visibility = ""
		if p, err := o.db.Person(ctx, orig.AuthorID); err == nil {
			out.To = connector.Author{Name: p.Name, Email: p.Email}
			kind := t.Channel
			if ids, err := o.db.Identities(ctx, p.ID); err == nil {
				for _, id := range ids {
					if id.Channel == kind {
						out.To.ID = id.ExternalID
						break
					}
				}
			}
		}
		return orig.Channel, s, out, nil
	} else if socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		return "", nil, out, err
	}
	p, err := o.db.Person(ctx, t.RequesterID)
	if err != nil {
		return "", nil, out, err
	}
	ids, err := o.db.Identities(ctx, p.ID)
	if err != nil {
		return "", nil, out, err
	}
	for _, kind := range p.PreferredChannels {
		i := slices.IndexFunc(ids, func(id socialdesk.Identity) bool { return id.Channel == kind })
		if i < 0 {
			continue
		}
		if name, s, ok := o.opts.Senders.SenderForKind(kind); ok {
			out.To = connector.Author{ID: ids[i].ExternalID, Name: p.Name, Email: p.Email}
			return name, s, out, nil
		}
	}
	return "", nil, out, fmt.Errorf("%w: the requester has no identity on a preferred channel with a working connector", errNoRoute)
}
