package desk

import "sync"

// Change tells listeners that something about a ticket changed. Live views
// (the agent queue, a ticket page, the chat widget) use it to refresh.
type Change struct {
	TicketID int64  `json:"ticket_id"`
	Kind     string `json:"kind"` // "created", "updated", "message"
	// RequesterID lets a requester's own views filter changes.
	RequesterID int64 `json:"-"`
	// Internal changes (notes) are not sent to requesters.
	Internal bool `json:"-"`
}

// Broker fans changes out to subscribers. A slow subscriber loses changes
// rather than blocking the desk; live views treat a change as a hint to
// reload, so a lost hint is repaired by the next one.
type Broker struct {
	mu   sync.Mutex
	subs map[chan Change]struct{}
	// forward, when set, also sends local changes to other nodes.
	forward func(Change)
}

// NewBroker returns an empty broker.
func NewBroker() *Broker { return &Broker{subs: map[chan Change]struct{}{}} }

// Subscribe returns a channel of changes and a function that ends the
// subscription.
func (b *Broker) Subscribe() (<-chan Change, func()) {
	ch := make(chan Change, 64)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		if _, ok := b.subs[ch]; ok {
			delete(b.subs, ch)
			close(ch)
		}
		b.mu.Unlock()
	}
}

// SetForward makes Publish also hand every local change to fn, which sends
// it to the other nodes of a cluster.
func (b *Broker) SetForward(fn func(Change)) {
	b.mu.Lock()
	b.forward = fn
	b.mu.Unlock()
}

// Publish sends a change made on this node to every subscriber, and to the
// other nodes when forwarding is set.
func (b *Broker) Publish(c Change) {
	b.Deliver(c)
	b.mu.Lock()
	fwd := b.forward
	b.mu.Unlock()
	if fwd != nil {
		fwd(c)
	}
}

// Deliver sends a change to local subscribers only; it is how changes from
// other nodes arrive.
func (b *Broker) Deliver(c Change) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- c:
		default:
		}
	}
}
