package ingest

import (
	"context"
	"strconv"
	"strings"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// acknowledge queues the automatic acknowledgement for a public post that
// became a ticket. The outbound worker sends it through the connector like
// any reply. It is recorded per thread so a thread is never acknowledged
// twice, and skipped when the author had AckLimit acknowledgements within
// AckWindow. Failures are logged: the message is stored already and an
// acknowledgement is a courtesy.
func (p *Pipeline) acknowledge(ctx context.Context, msg connector.Inbound, t *socialdesk.Ticket) {
	pol := p.Policy()
	if pol.AckText == "-" {
		return
	}
	thread := msg.ThreadID
	if thread == "" {
		thread = msg.ExternalID
	}
	p.ackMu.Lock()
	defer p.ackMu.Unlock()
	now := p.desk.Now()
	n, err := p.db.CountAcks(ctx, msg.Channel, msg.Author.ID, now.Add(-p.opts.AckWindow))
	if err != nil {
		p.log.Warn("ack rate check failed", "err", err)
		return
	}
	if n >= pol.AckLimit {
		p.log.Info("ack skipped: author rate limit", "channel", msg.Channel, "author", msg.Author.ID)
		return
	}
	fresh, err := p.db.RecordAck(ctx, msg.Channel, thread, msg.Author.ID, t.ID, now)
	if err != nil || !fresh {
		if err != nil {
			p.log.Warn("ack record failed", "err", err)
		}
		return
	}
	if _, err := p.desk.QueueNotice(desk.SystemContext(ctx), t.ID, p.AckText(t)); err != nil {
		p.log.Warn("ack queue failed", "ticket", t.Number(), "err", err)
	}
}

// AckText renders the acknowledgement for a ticket.
func (p *Pipeline) AckText(t *socialdesk.Ticket) string {
	url := strings.TrimRight(p.opts.BaseURL, "/") + "/tickets/" + strconv.FormatInt(t.ID, 10)
	return strings.NewReplacer("{number}", t.Number(), "{url}", url, "{title}", t.Title).Replace(p.Policy().AckText)
}
