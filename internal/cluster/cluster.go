// Package cluster lets several socialdesk processes share the work on one
// PostgreSQL database. Connectors publish inbound messages to a NATS
// JetStream stream instead of storing them directly; every node pulls from
// one shared durable consumer and stores each message through the ingest
// pipeline, acknowledging it to JetStream only after the database commit.
// Exactly-once comes from two layers: JetStream drops a republished
// message with the same id within its duplicate window, and the pipeline's
// idempotency key (channel + external id) stores a redelivered message
// once. Live-update hints travel between nodes on a plain NATS subject.
package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// Options configures a node.
type Options struct {
	URL string
	// Name prefixes the stream, consumer and subjects, so several
	// installs (or tests) can share one NATS server. Default "socialdesk".
	Name string
	// NodeID names this process in logs and live-update forwarding.
	NodeID string
	// Sink stores messages (the ingest pipeline).
	Sink connector.Sink
	// Broker, when set, receives other nodes' live-update hints and sends
	// this node's to them.
	Broker *desk.Broker
	Logger *slog.Logger
	// AckWait is how long a message may be in flight on a node before
	// JetStream gives it to another; default 10 s.
	AckWait time.Duration
	// Duplicates is JetStream's duplicate window; default 24 h.
	Duplicates time.Duration
	// Known reports whether a message is stored already; replies whose
	// parent is not stored yet (it may be in flight on another node) wait
	// a little so the thread is rebuilt. Nil skips the wait.
	Known func(ctx context.Context, channel, externalID string) bool
}

// Node is one process's connection to the cluster.
type Node struct {
	opts   Options
	nc     *nats.Conn
	js     jetstream.JetStream
	cons   jetstream.Consumer
	log    *slog.Logger
	subj   string
	change string
	sub    *nats.Subscription
}

// wireMsg is an inbound message on the stream.
type wireMsg struct {
	Inbound connector.Inbound `json:"inbound"`
}

// wireChange is a live-update hint between nodes.
type wireChange struct {
	Node        string `json:"node"`
	TicketID    int64  `json:"ticket_id"`
	Kind        string `json:"kind"`
	RequesterID int64  `json:"requester_id"`
	Internal    bool   `json:"internal"`
}

// Connect joins the cluster: it creates (or updates) the stream and the
// shared consumer, and starts forwarding live-update hints.
func Connect(ctx context.Context, opts Options) (*Node, error) {
	if opts.Name == "" {
		opts.Name = "socialdesk"
	}
	if opts.AckWait <= 0 {
		opts.AckWait = 10 * time.Second
	}
	if opts.Duplicates <= 0 {
		opts.Duplicates = 24 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Sink == nil {
		return nil, errors.New("cluster: a sink is required")
	}
	nc, err := nats.Connect(opts.URL, nats.Name("socialdesk "+opts.NodeID), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second))
	if err != nil {
		return nil, fmt.Errorf("cluster: connect to NATS at %s: %w", opts.URL, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	n := &Node{opts: opts, nc: nc, js: js, log: opts.Logger, subj: opts.Name + ".inbound", change: opts.Name + ".changes"}
	stream := streamName(opts.Name)
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: stream, Subjects: []string{n.subj + ".>"}, Storage: jetstream.FileStorage,
		Retention: jetstream.WorkQueuePolicy, Duplicates: opts.Duplicates,
	}); err != nil {
		nc.Close()
		return nil, fmt.Errorf("cluster: create stream %s: %w", stream, err)
	}
	n.cons, err = js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Durable: "ingest", AckPolicy: jetstream.AckExplicitPolicy, AckWait: opts.AckWait, MaxAckPending: 1024, MaxDeliver: -1,
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("cluster: create consumer: %w", err)
	}
	if opts.Broker != nil {
		n.sub, err = nc.Subscribe(n.change, n.receiveChange)
		if err != nil {
			nc.Close()
			return nil, err
		}
		opts.Broker.SetForward(n.sendChange)
	}
	return n, nil
}

// streamName makes a valid stream name from the cluster name.
func streamName(name string) string {
	out := []byte{}
	for _, c := range []byte(name) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
			out = append(out, c)
		default:
			out = append(out, '_')
		}
	}
	return "SD_" + string(out)
}

// Close leaves the cluster.
func (n *Node) Close() {
	if n.sub != nil {
		n.sub.Unsubscribe()
	}
	n.nc.Drain()
}

// Deliver implements connector.Sink for connectors on this node: it
// publishes the message to the stream and returns once JetStream has
// stored it. A message JetStream has seen within its duplicate window is
// reported as a duplicate. Messages too big for NATS are stored directly.
func (n *Node) Deliver(ctx context.Context, in connector.Inbound) (connector.Receipt, error) {
	data, err := json.Marshal(wireMsg{Inbound: in})
	if err != nil {
		return connector.Receipt{}, err
	}
	if int64(len(data)) > n.nc.MaxPayload()-1024 {
		return n.opts.Sink.Deliver(ctx, in)
	}
	msg := &nats.Msg{Subject: n.subj + "." + subjectToken(in.Channel), Data: data}
	ack, err := n.js.PublishMsg(ctx, msg, jetstream.WithMsgID(in.Channel+"\x00"+in.ExternalID))
	if err != nil {
		return connector.Receipt{}, fmt.Errorf("cluster: publish: %w", err)
	}
	return connector.Receipt{Duplicate: ack.Duplicate}, nil
}

func subjectToken(s string) string {
	out := []byte{}
	for _, c := range []byte(s) {
		if c == '.' || c == '*' || c == '>' || c <= ' ' {
			c = '_'
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return "_"
	}
	return string(out)
}

// Run pulls messages from the shared consumer and stores them until ctx
// ends. A message is acknowledged after it is stored (or found to be a
// duplicate); a failure leaves it for redelivery, to this node or another.
func (n *Node) Run(ctx context.Context) {
	for ctx.Err() == nil {
		batch, err := n.cons.Fetch(32, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			if ctx.Err() == nil {
				n.log.Warn("cluster fetch failed", "err", err)
				time.Sleep(time.Second)
			}
			continue
		}
		for m := range batch.Messages() {
			n.handle(ctx, m)
		}
	}
}

func (n *Node) handle(ctx context.Context, m jetstream.Msg) {
	var w wireMsg
	if err := json.Unmarshal(m.Data(), &w); err != nil {
		n.log.Error("cluster: unreadable message dropped", "err", err)
		m.Term()
		return
	}
	if in := w.Inbound; in.ReplyTo != "" && n.opts.Known != nil && !n.opts.Known(ctx, in.Channel, in.ReplyTo) {
		// The parent may be in flight on another node, or on a node that
		// died and whose messages JetStream hands out again after AckWait:
		// wait for it, for up to three AckWaits.
		if md, err := m.Metadata(); err == nil && time.Since(md.Timestamp) < 3*n.opts.AckWait {
			m.NakWithDelay(250 * time.Millisecond)
			return
		}
	}
	_, err := n.opts.Sink.Deliver(ctx, w.Inbound)
	switch {
	case err == nil:
		if err := m.DoubleAck(ctx); err != nil {
			n.log.Warn("cluster: ack failed; the message will be redelivered and found to be a duplicate", "err", err)
		}
	case errors.Is(err, connector.ErrRejected):
		n.log.Warn("cluster: message rejected", "channel", w.Inbound.Channel, "id", w.Inbound.ExternalID, "err", err)
		m.Term()
	default:
		n.log.Warn("cluster: store failed; retrying later", "err", err)
		m.NakWithDelay(2 * time.Second)
	}
}

func (n *Node) sendChange(c desk.Change) {
	b, _ := json.Marshal(wireChange{Node: n.opts.NodeID, TicketID: c.TicketID, Kind: c.Kind, RequesterID: c.RequesterID, Internal: c.Internal})
	n.nc.Publish(n.change, b)
}

func (n *Node) receiveChange(m *nats.Msg) {
	var w wireChange
	if json.Unmarshal(m.Data, &w) != nil || w.Node == n.opts.NodeID {
		return
	}
	n.opts.Broker.Deliver(desk.Change{TicketID: w.TicketID, Kind: w.Kind, RequesterID: w.RequesterID, Internal: w.Internal})
}
