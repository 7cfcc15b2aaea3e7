package listening

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// Observe is the ingest pipeline's hook: it sees every message after it
// was stored, with the receipt saying which ticket it opened or joined.
// Replies to an existing conversation are skipped, and so is a replay of a
// post observed before (the listening feed knows it). A replay of a post
// that was stored but never observed, because the process stopped in
// between and the sender, never acknowledged, sent it again, is observed
// now, unless it is older than the detection window. Failures are
// logged, never returned: the message is already safe in the queue.
func (s *Service) Observe(ctx context.Context, msg connector.Inbound, rc connector.Receipt) {
	if strings.TrimSpace(msg.Text) == "" {
		return
	}
	if msg.ReplyTo != "" || len(msg.References) > 0 {
		return // part of a conversation, not a new report
	}
	ctx = desk.SystemContext(ctx)
	at := msg.SentAt
	if at.IsZero() {
		at = s.desk.Now()
	}
	text := s.desk.Redact(msg.Text)
	s.mu.Lock()
	cfg := s.cfg
	rules := s.matcher.Match(msg.Channel, text, msg.Tags)
	var cl Classification
	if s.support != nil {
		cl, _ = classifyWith(s.support, cfg.Threshold, text)
	}
	suggest := s.suggest // replaced, never changed, by ReloadModels
	s.mu.Unlock()
	if cl.SupportRequest && rc.TicketID != 0 {
		// The suggestions are for the ticket a support request opened; a
		// post without one has nothing to apply them to, and chatter is
		// not worth the models' time (BenchmarkListenSuggest). They run
		// outside the service's lock.
		cl.suggestFrom(suggest, text)
	}
	if rc.Duplicate && at.Before(s.desk.Now().Add(-time.Duration(cfg.WindowMinutes)*time.Minute)) {
		return
	}

	// Every post goes to the listening feed. With several nodes the lease
	// holder detects outages over every node's posts (RunDetector); alone,
	// the detector runs here, one post at a time, and after a restart it
	// rebuilds its window from the feed.
	feed := store.FeedPost{Channel: msg.Channel, ExternalID: msg.ExternalID, Author: msg.Author.ID, Text: text, TicketID: rc.TicketID, At: at}
	var o observation
	if !s.opts.Shared {
		s.localMu.Lock()
	}
	id, fresh, err := s.db.AddFeedPost(ctx, feed)
	if err != nil {
		s.log.Warn("listening: could not add post to the detection feed", "channel", msg.Channel, "err", err)
		fresh = !rc.Duplicate // without the feed, trust the receipt
	}
	if !fresh {
		if !s.opts.Shared {
			s.localMu.Unlock()
		}
		return // observed before
	}
	s.mu.Lock()
	s.vol.add(msg.Channel, at, cl.SupportRequest)
	s.mu.Unlock()
	if err == nil && !s.opts.Shared {
		feed.ID = id
		o = s.observeFeed(s.local, feed)
	}

	var postID int64
	if len(rules) > 0 || cl.SupportRequest || o.Outage {
		id, fresh, err := s.db.AddListeningPost(ctx, store.ListeningPost{Channel: msg.Channel, ExternalID: msg.ExternalID, Author: msg.Author.ID,
			Text: text, RuleIDs: rules, Score: cl.Score, Support: cl.SupportRequest,
			Category: cl.Category, Service: cl.Service, Impact: cl.Impact, Urgency: cl.Urgency, ClusterID: o.Cluster, TicketID: rc.TicketID, At: at})
		if err != nil {
			s.log.Warn("listening: could not store post", "channel", msg.Channel, "err", err)
		} else if fresh {
			postID = id
		}
	}
	if !s.opts.Shared {
		s.act(ctx, s.local, o)
		s.pruneFeed(ctx, s.local)
		s.localMu.Unlock()
	}
	if postID != 0 && cl.SupportRequest && rc.TicketID != 0 && msg.Visibility == connector.Public {
		s.outreach(ctx, cfg, msg, postID, rc.TicketID)
	}
}

// outreach acknowledges a support request per the channel's policy: at
// most once per thread, and at most AckLimit times per author per hour.
func (s *Service) outreach(ctx context.Context, cfg Config, msg connector.Inbound, postID, ticketID int64) {
	policy := cfg.Policy(msg.Channel)
	if policy == ReplyNone {
		return
	}
	thread := msg.ThreadID
	if thread == "" {
		thread = msg.ExternalID
	}
	// The ingest pipeline may have acknowledged the thread already (its
	// own acknowledgement is on unless an admin set it to "-"); a thread
	// never gets two.
	if acked, err := s.db.ThreadAcked(ctx, msg.Channel, thread); err != nil || acked {
		return
	}
	t, err := s.db.Ticket(ctx, ticketID)
	if err != nil {
		s.log.Warn("listening: ticket for outreach", "err", err)
		return
	}
	body := s.AckText(cfg, t)
	s.ackMu.Lock()
	defer s.ackMu.Unlock()
	now := s.desk.Now()
	if n, err := s.db.CountAcks(ctx, msg.Channel, msg.Author.ID, now.Add(-time.Hour)); err != nil || n >= cfg.AckLimit {
		s.log.Info("listening: outreach skipped by rate limit", "channel", msg.Channel, "author", msg.Author.ID, "err", err)
		return
	}
	state := "sent"
	if policy == ReplyReview {
		state = "held"
	}
	if _, fresh, err := s.db.AddListeningReply(ctx, store.ListeningReply{PostID: postID, TicketID: ticketID, Channel: msg.Channel, Thread: thread, Body: body, State: state}); err != nil || !fresh {
		return
	}
	if state == "sent" {
		s.send(ctx, msg.Channel, thread, msg.Author.ID, t, body)
	}
}

// send records the acknowledgement per thread (shared with the ingest
// pipeline's acknowledgements, so a thread never gets two) and queues it
// for the outbound worker.
func (s *Service) send(ctx context.Context, channel, thread, author string, t *socialdesk.Ticket, body string) {
	fresh, err := s.db.RecordAck(ctx, channel, thread, author, t.ID, s.desk.Now())
	if err != nil || !fresh {
		return
	}
	if _, err := s.desk.QueueNotice(ctx, t.ID, body); err != nil {
		s.log.Warn("listening: could not queue acknowledgement", "ticket", t.Number(), "err", err)
	}
}

// AckText renders the acknowledgement for a ticket.
func (s *Service) AckText(cfg Config, t *socialdesk.Ticket) string {
	url := strings.TrimRight(s.opts.BaseURL, "/") + "/tickets/" + strconv.FormatInt(t.ID, 10)
	return strings.NewReplacer("{number}", t.Number(), "{url}", url).Replace(cfg.AckText)
}

// DecideReply approves (sends) or rejects a held acknowledgement.
func (s *Service) DecideReply(ctx context.Context, id int64, approve bool) error {
	actor := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(actor, socialdesk.ActListeningView); err != nil {
		return err
	}
	state := "rejected"
	if approve {
		state = "sent"
	}
	r, err := s.db.DecideListeningReply(ctx, id, actor.ID, state)
	if err != nil {
		return err
	}
	if approve {
		t, err := s.db.Ticket(ctx, r.TicketID)
		if err != nil {
			return err
		}
		p, err := s.db.ListeningPost(ctx, r.PostID)
		if err != nil {
			return err
		}
		s.send(desk.SystemContext(ctx), r.Channel, r.Thread, p.Author, t, r.Body)
	}
	s.desk.Audit(ctx, "listening.reply."+state, "reply:"+strconv.FormatInt(id, 10), "")
	return nil
}

// openIncident opens the major incident for a cluster that became an
// outage, links every report's ticket (the members' IDs) to it, notifies
// the on-call groups and posts the first status update. record, when
// set, is called with the incident before any report is linked. It
// returns the incident, or 0 when none could be opened.
func (s *Service) openIncident(ctx context.Context, out Outcome, record func(incident int64)) int64 {
	title := "Outage: " + truncate(out.Title, 120)
	// After a restart or a settings change the detector starts afresh; an
	// open incident about the same thing is continued, not duplicated.
	if id := s.openIncidentLike(ctx, title); id != 0 {
		s.mu.Lock()
		s.incidents[out.Cluster] = id
		s.mu.Unlock()
		if record != nil {
			record(id)
		}
		for _, m := range out.Members {
			s.link(ctx, id, m.ID)
		}
		return id
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Opened automatically: %d similar reports from several people within the detection window.\n\nSample reports:\n", len(out.Members))
	for i, m := range out.Members {
		if i == 5 {
			break
		}
		fmt.Fprintf(&b, "- [%s] %s\n", m.Channel, truncate(m.Text, 200))
	}
	texts := make([]string, len(out.Members))
	for i, m := range out.Members {
		texts[i] = m.Text
	}
	category, service := s.commonSuggestion(ModelCategory, texts), s.commonSuggestion(ModelService, texts)
	if category != "" || service != "" {
		fmt.Fprintf(&b, "\nThe classifier's suggestion, shared by most reports: category %q, service %q.\n", category, service)
	}
	t, err := s.desk.CreateTicket(ctx, desk.NewTicket{Title: title, Description: b.String(), Impact: "high", Urgency: "high", Channel: "listening",
		Category: category, Service: service})
	if err != nil {
		s.log.Error("listening: could not open major incident", "err", err)
		return 0
	}
	yes := true
	if _, err := s.desk.UpdateTicket(ctx, t.ID, socialdesk.TicketUpdate{Major: &yes}); err != nil {
		s.log.Error("listening: could not mark incident major", "ticket", t.Number(), "err", err)
	}
	s.mu.Lock()
	s.incidents[out.Cluster] = t.ID
	s.mu.Unlock()
	if record != nil {
		record(t.ID)
	}
	for _, m := range out.Members {
		s.link(ctx, t.ID, m.ID)
	}
	if groups, err := s.db.Groups(ctx); err == nil {
		for _, g := range groups {
			if g.OnCall {
				s.db.AddNotification(ctx, &store.Notification{GroupID: g.ID, TicketID: t.ID, Kind: "major_incident",
					Text: "Major incident " + t.Number() + " opened from social listening: " + title})
			}
		}
	}
	if _, err := s.PostStatus(ctx, t.ID, "Investigating: we are seeing several reports of this problem and are looking into it.", false); err != nil {
		s.log.Warn("listening: first status update", "err", err)
	}
	s.log.Info("major incident opened from listening", "ticket", t.Number(), "reports", len(out.Members))
	return t.ID
}

// commonSuggestion is the label that the active model of a kind gives to
// at least half of texts, or "" when there is no such model or label. An
// outage's incident takes its category and service from it, so that it is
// routed and reported with the service that is down.
func (s *Service) commonSuggestion(kind string, texts []string) string {
	s.mu.Lock()
	m := s.suggest[kind]
	s.mu.Unlock()
	if m == nil || len(texts) == 0 {
		return ""
	}
	votes := map[string]int{}
	best := ""
	for _, t := range texts {
		l := m.PredictLabel(t)
		votes[l]++
		if votes[l] > votes[best] || (votes[l] == votes[best] && l < best) {
			best = l
		}
	}
	if 2*votes[best] < len(texts) {
		return ""
	}
	return best
}

// openIncidentLike returns an open major incident opened by listening in
// the last day whose title shares most content words with title, or 0.
func (s *Service) openIncidentLike(ctx context.Context, title string) int64 {
	majors, err := s.db.MajorIncidents(ctx, 50)
	if err != nil {
		return 0
	}
	want := termHashes(title)
	for _, t := range majors {
		if t.Channel != "listening" || !t.State.Open() || t.CreatedAt.Before(s.desk.Now().Add(-24*time.Hour)) {
			continue
		}
		if overlap(want, termHashes(t.Title)) >= 0.5 {
			return t.ID
		}
	}
	return 0
}

func termHashes(text string) []uint64 {
	var out []uint64
	terms, _ := appendTerms(nil, text, 40)
	for _, t := range terms {
		out = append(out, t.h)
	}
	return out
}

// link makes a report's ticket a child of the incident.
func (s *Service) link(ctx context.Context, incident, ticketID int64) {
	if ticketID == 0 || ticketID == incident {
		return
	}
	pid := incident
	if _, err := s.desk.UpdateTicket(ctx, ticketID, socialdesk.TicketUpdate{ParentID: &pid}); err != nil {
		s.log.Warn("listening: could not link report to incident", "ticket", ticketID, "err", err)
	}
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
