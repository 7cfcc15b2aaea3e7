package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/ingest"
	"github.com/socialdesk/socialdesk/internal/store"
)

var ctx = context.Background()

type fixture struct {
	db    *store.DB
	desk  *desk.Service
	pipe  *ingest.Pipeline
	ana   *socialdesk.Person // employee with a webhook identity
	agent *socialdesk.Person
}

func setup(t *testing.T, opts ingest.Options) *fixture {
	t.Helper()
	db, err := store.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc, err := desk.New(ctx, db, desk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sys := desk.SystemContext(ctx)
	ana := &socialdesk.Person{Email: "ana@example.com", Name: "Ana", Role: socialdesk.RoleEmployee}
	agent := &socialdesk.Person{Email: "agent@example.com", Name: "Agent", Role: socialdesk.RoleAgent}
	for _, p := range []*socialdesk.Person{ana, agent} {
		if err := svc.CreatePerson(sys, p, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.AddIdentity(ctx, socialdesk.Identity{PersonID: ana.ID, Channel: "webhook", ExternalID: "u-ana"}); err != nil {
		t.Fatal(err)
	}
	opts.Desk = svc
	opts.Kind = func(name string) string {
		return map[string]string{"hooks": "webhook", "hooks2": "webhook", "ws": "slack"}[name]
	}
	return &fixture{db: db, desk: svc, pipe: ingest.New(opts), ana: ana, agent: agent}
}

func msg(id, text string) connector.Inbound {
	return connector.Inbound{Channel: "hooks", ExternalID: id, Author: connector.Author{ID: "u-ana", Name: "Ana"}, Text: text, Visibility: connector.Private}
}

func (f *fixture) deliver(t *testing.T, m connector.Inbound) connector.Receipt {
	t.Helper()
	rec, err := f.pipe.Deliver(ctx, m)
	if err != nil {
		t.Fatalf("deliver %s: %v", m.ExternalID, err)
	}
	return rec
}

func (f *fixture) ticket(t *testing.T, id int64) *socialdesk.Ticket {
	t.Helper()
	tk, err := f.db.Ticket(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func (f *fixture) count(t *testing.T) (tickets, messages int) {
	t.Helper()
	if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM tickets`).Scan(&tickets); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM messages`).Scan(&messages); err != nil {
		t.Fatal(err)
	}
	return tickets, messages
}

func TestNewConversationOpensTicket(t *testing.T) {
	f := setup(t, ingest.Options{})
	rec := f.deliver(t, msg("e1", "VPN drops every hour\nSince Monday, on the Lyon wifi."))
	if rec.Duplicate || rec.TicketID == 0 || rec.MessageID == 0 {
		t.Fatalf("receipt = %+v", rec)
	}
	tk := f.ticket(t, rec.TicketID)
	if tk.Title != "VPN drops every hour" || tk.Channel != "webhook" || tk.RequesterID != f.ana.ID || tk.State != socialdesk.StateNew {
		t.Fatalf("ticket = %+v", tk)
	}
	if !strings.Contains(tk.Description, "Lyon wifi") {
		t.Fatalf("description = %q", tk.Description)
	}
	msgs, _ := f.db.Messages(ctx, tk.ID)
	if len(msgs) != 1 || msgs[0].Channel != "hooks" || msgs[0].ExternalID != "e1" || msgs[0].AuthorID != f.ana.ID || msgs[0].Direction != "in" {
		t.Fatalf("messages = %+v", msgs[0])
	}
	// A subject wins over the first line.
	m := msg("e2", "body")
	m.Subject = "Printer jam"
	if tk := f.ticket(t, f.deliver(t, m).TicketID); tk.Title != "Printer jam" {
		t.Fatalf("title = %q", tk.Title)
	}
}

func TestRepliesJoinTheirTicket(t *testing.T) {
	f := setup(t, ingest.Options{})
	root := f.deliver(t, msg("r1", "Laptop will not boot"))
	reply := msg("r2", "Still broken")
	reply.ReplyTo = "r1"
	if rec := f.deliver(t, reply); rec.TicketID != root.TicketID {
		t.Fatalf("reply opened ticket %d, want %d", rec.TicketID, root.TicketID)
	}
	// Nearest known reference wins when ReplyTo is unknown.
	ref := msg("r3", "And now the screen flickers")
	ref.ReplyTo = "never-seen"
	ref.References = []string{"r1", "r2"}
	if rec := f.deliver(t, ref); rec.TicketID != root.TicketID {
		t.Fatalf("reference did not thread")
	}
	// A thread id alone threads through the thread table.
	s1 := msg("s1", "Chat session starts")
	s1.ThreadID = "session-9"
	first := f.deliver(t, s1)
	s2 := msg("s2", "second line of the chat")
	s2.ThreadID = "session-9"
	if rec := f.deliver(t, s2); rec.TicketID != first.TicketID || first.TicketID == root.TicketID {
		t.Fatalf("thread id did not thread: %d vs %d", rec.TicketID, first.TicketID)
	}
	// The same external id on another channel is another message.
	other := msg("r2", "same id, other channel")
	other.Channel = "hooks2"
	if rec := f.deliver(t, other); rec.Duplicate || rec.TicketID == root.TicketID {
		t.Fatalf("ids are not scoped by channel: %+v", rec)
	}
	tickets, messages := f.count(t)
	if tickets != 3 || messages != 6 {
		t.Fatalf("tickets=%d messages=%d, want 3 and 6", tickets, messages)
	}
}

func TestDuplicateStoredOnce(t *testing.T) {
	f := setup(t, ingest.Options{})
	first := f.deliver(t, msg("d1", "Outlook crashes"))
	again := f.deliver(t, msg("d1", "Outlook crashes"))
	if !again.Duplicate || again.TicketID != first.TicketID || again.MessageID != first.MessageID {
		t.Fatalf("replay = %+v, first = %+v", again, first)
	}
	reply := msg("d2", "any news?")
	reply.ReplyTo = "d1"
	r1 := f.deliver(t, reply)
	r2 := f.deliver(t, reply)
	if !r2.Duplicate || r2.MessageID != r1.MessageID || r1.Duplicate {
		t.Fatalf("reply replay: %+v then %+v", r1, r2)
	}
	// Concurrent redeliveries store one copy.
	var wg sync.WaitGroup
	recs := make([]connector.Receipt, 8)
	for i := range recs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := f.pipe.Deliver(ctx, msg("d3", "concurrent"))
			if err != nil {
				t.Error(err)
			}
			recs[i] = r
		}()
	}
	wg.Wait()
	fresh := 0
	for _, r := range recs {
		if !r.Duplicate {
			fresh++
		}
		if r.TicketID != recs[0].TicketID {
			t.Fatalf("concurrent deliveries disagree: %+v", recs)
		}
	}
	tickets, messages := f.count(t)
	if fresh != 1 || tickets != 2 || messages != 3 {
		t.Fatalf("fresh=%d tickets=%d messages=%d, want 1, 2, 3", fresh, tickets, messages)
	}
}

func TestInvalidMessagesStoreNothing(t *testing.T) {
	f := setup(t, ingest.Options{})
	cases := map[string]func(*connector.Inbound){
		"external_id": func(m *connector.Inbound) { m.ExternalID = " " },
		"text":        func(m *connector.Inbound) { m.Text = "" },
		"author.id":   func(m *connector.Inbound) { m.Author.ID = "" },
		"channel":     func(m *connector.Inbound) { m.Channel = "" },
	}
	for field, mutate := range cases {
		m := msg("bad-"+field, "text")
		mutate(&m)
		_, err := f.pipe.Deliver(ctx, m)
		if socialdesk.ErrorCode(err) != socialdesk.EINVALID || socialdesk.ErrorField(err) != field || !errors.Is(err, connector.ErrRejected) {
			t.Errorf("%s: err = %v (field %q)", field, err, socialdesk.ErrorField(err))
		}
	}
	if tickets, messages := f.count(t); tickets != 0 || messages != 0 {
		t.Fatalf("bad input stored %d tickets, %d messages", tickets, messages)
	}
}

func TestUnknownAuthorHeldThenReleased(t *testing.T) {
	f := setup(t, ingest.Options{})
	stranger := msg("h1", "Who do I ask about badges?")
	stranger.Author = connector.Author{ID: "u-zoe", Name: "Zoe Visitor"}
	rec := f.deliver(t, stranger)
	if rec.TicketID != 0 || rec.Duplicate {
		t.Fatalf("held receipt = %+v", rec)
	}
	follow := msg("h2", "Also, the wifi password?")
	follow.Author = stranger.Author
	follow.ReplyTo = "h1"
	f.deliver(t, follow)
	if again := f.deliver(t, stranger); !again.Duplicate {
		t.Fatalf("a held message redelivered is not a duplicate")
	}
	if tickets, _ := f.count(t); tickets != 0 {
		t.Fatalf("held message opened a ticket")
	}
	// Employees may not review held messages.
	if _, err := f.pipe.Held(socialdesk.NewContextWithUser(ctx, f.ana)); socialdesk.ErrorCode(err) != socialdesk.EFORBIDDEN {
		t.Fatalf("employee saw held messages: %v", err)
	}
	asAgent := socialdesk.NewContextWithUser(ctx, f.agent)
	// Releasing before linking keeps the messages held.
	if _, err := f.pipe.Release(asAgent, "webhook", "u-zoe"); socialdesk.ErrorCode(err) != socialdesk.ECONFLICT {
		t.Fatalf("release of an unknown author: %v", err)
	}
	held, err := f.pipe.Held(asAgent)
	if err != nil || len(held) != 2 {
		t.Fatalf("held = %d, %v", len(held), err)
	}
	n, err := f.pipe.LinkAuthor(asAgent, held[0].ID, 0, "", "zoe@visitor.example")
	if err != nil || n != 2 {
		t.Fatalf("released %d, %v", n, err)
	}
	zoe, err := f.db.PersonByIdentity(ctx, "webhook", "u-zoe")
	if err != nil || zoe.Role != socialdesk.RoleContractor || zoe.Name != "Zoe Visitor" {
		t.Fatalf("created person = %+v, %v", zoe, err)
	}
	m, err := f.db.MessageByExternalID(ctx, "hooks", "h2")
	if err != nil {
		t.Fatal(err)
	}
	root, _ := f.db.MessageByExternalID(ctx, "hooks", "h1")
	if m.TicketID != root.TicketID || f.ticket(t, m.TicketID).RequesterID != zoe.ID {
		t.Fatalf("released messages did not keep their thread")
	}
	if left, _ := f.pipe.Held(asAgent); len(left) != 0 {
		t.Fatalf("%d still held", len(left))
	}
	if again := f.deliver(t, stranger); !again.Duplicate || again.TicketID != root.TicketID {
		t.Fatalf("redelivery after release = %+v", again)
	}
	// Known by email: linked on first contact, nothing held.
	byMail := msg("h3", "hello from my phone")
	byMail.Author = connector.Author{ID: "u-ana-2", Email: "ANA@example.com"}
	if rec := f.deliver(t, byMail); rec.TicketID == 0 || f.ticket(t, rec.TicketID).RequesterID != f.ana.ID {
		t.Fatalf("email did not link the author: %+v", rec)
	}
}

func TestFinishedTicketsReopenOrFollowUp(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       ingest.Options
		state      socialdesk.State
		wantReopen bool
	}{
		{"resolved reopens by default", ingest.Options{}, socialdesk.StateResolved, true},
		{"closed follows up by default", ingest.Options{}, socialdesk.StateClosed, false},
		{"closed reopens when set", ingest.Options{OnClosed: ingest.Reopen}, socialdesk.StateClosed, true},
		{"resolved follows up when set", ingest.Options{OnResolved: ingest.FollowUp}, socialdesk.StateResolved, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t, tc.opts)
			first := f.deliver(t, msg("c1", "Disk full"))
			st := tc.state
			if _, err := f.desk.UpdateTicket(desk.SystemContext(ctx), first.TicketID, socialdesk.TicketUpdate{State: &st}); err != nil {
				t.Fatal(err)
			}
			again := msg("c2", "It is full again")
			again.ReplyTo = "c1"
			rec := f.deliver(t, again)
			if tc.wantReopen {
				if rec.TicketID != first.TicketID || f.ticket(t, first.TicketID).State != socialdesk.StateInProgress {
					t.Fatalf("not reopened: %+v state %s", rec, f.ticket(t, first.TicketID).State)
				}
				return
			}
			follow := f.ticket(t, rec.TicketID)
			if rec.TicketID == first.TicketID || follow.ParentID != first.TicketID || !strings.HasPrefix(follow.Title, "Follow-up to INC-") {
				t.Fatalf("follow-up = %+v", follow)
			}
			if f.ticket(t, first.TicketID).State != tc.state {
				t.Fatalf("old ticket changed state")
			}
			// The next reply in the conversation joins the follow-up.
			third := msg("c3", "thanks")
			third.ReplyTo = "c2"
			if r := f.deliver(t, third); r.TicketID != follow.ID {
				t.Fatalf("reply went to %d, want follow-up %d", r.TicketID, follow.ID)
			}
		})
	}
}

func TestPriorityIgnoresChannel(t *testing.T) {
	f := setup(t, ingest.Options{})
	if err := f.db.AddIdentity(ctx, socialdesk.Identity{PersonID: f.ana.ID, Channel: "slack", ExternalID: "U1"}); err != nil {
		t.Fatal(err)
	}
	portal, err := f.desk.CreateTicket(socialdesk.NewContextWithUser(ctx, f.ana), desk.NewTicket{Title: "portal"})
	if err != nil {
		t.Fatal(err)
	}
	web := f.ticket(t, f.deliver(t, msg("p1", "URGENT!!! CEO cannot print")).TicketID)
	sl := msg("p2", "urgent from slack")
	sl.Channel, sl.Author.ID, sl.Mentioned, sl.Visibility = "ws", "U1", true, connector.Public
	slack := f.ticket(t, f.deliver(t, sl).TicketID)
	want := f.desk.PriorityMatrix().Priority(socialdesk.Medium, socialdesk.Medium)
	for _, tk := range []*socialdesk.Ticket{portal, web, slack} {
		if tk.Priority != want || tk.Impact != socialdesk.Medium || tk.Urgency != socialdesk.Medium {
			t.Fatalf("%s ticket priority %s (impact %s, urgency %s), want %s", tk.Channel, tk.Priority, tk.Impact, tk.Urgency, want)
		}
	}
	if slack.Channel != "slack" {
		t.Fatalf("channel kind = %q", slack.Channel)
	}
}

func acks(t *testing.T, f *fixture) int {
	t.Helper()
	var n int
	if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM messages WHERE direction = 'out' AND delivery_state = 'queued'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAcknowledgementOncePerThreadAndRateLimited(t *testing.T) {
	f := setup(t, ingest.Options{AckText: "Logged as {number}, track it at {url}", BaseURL: "https://desk.example", AckLimit: 2})
	pub := func(id, thread string) connector.Inbound {
		m := msg(id, "public post "+id)
		m.Visibility, m.ThreadID = connector.Public, thread
		return m
	}
	rec := f.deliver(t, pub("a1", "t1"))
	if acks(t, f) != 1 {
		t.Fatalf("no ack for a public post")
	}
	msgs, _ := f.db.Messages(ctx, rec.TicketID)
	tk := f.ticket(t, rec.TicketID)
	want := fmt.Sprintf("Logged as %s, track it at https://desk.example/tickets/%d", tk.Number(), tk.ID)
	if len(msgs) != 2 || msgs[1].Body != want || msgs[1].DeliveryState != "queued" {
		t.Fatalf("ack = %+v", msgs[len(msgs)-1])
	}
	if !tk.SLA.RespondedAt.IsZero() {
		t.Fatalf("the automatic ack counted as the first response")
	}
	f.deliver(t, pub("a1", "t1")) // replay
	reply := pub("a2", "t1")      // same thread
	f.deliver(t, reply)
	private := msg("a3", "private message")
	f.deliver(t, private)
	if n := acks(t, f); n != 1 {
		t.Fatalf("acks = %d after replay, reply and private message, want 1", n)
	}
	f.deliver(t, pub("a4", "t2"))
	f.deliver(t, pub("a5", "t3")) // third thread of the same author within the hour: limited
	if n := acks(t, f); n != 2 {
		t.Fatalf("acks = %d, want 2 (limit per author)", n)
	}
}

// fakeSender records what it sends and fails while fail > 0.
type fakeSender struct {
	mu   sync.Mutex
	sent []connector.Outbound
	fail int
}

func (s *fakeSender) Send(_ context.Context, m connector.Outbound) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 {
		s.fail--
		return "", errors.New("remote answered 503")
	}
	s.sent = append(s.sent, m)
	return fmt.Sprintf("out-%d", len(s.sent)), nil
}

type senders map[string]connector.Sender

func (s senders) Sender(name string) (connector.Sender, bool) { v, ok := s[name]; return v, ok }
func (s senders) SenderForKind(kind string) (string, connector.Sender, bool) {
	if kind == "webhook" {
		v, ok := s["hooks"]
		return "hooks", v, ok
	}
	return "", nil, false
}

func TestOutboundSendsRetriesAndFails(t *testing.T) {
	f := setup(t, ingest.Options{})
	snd := &fakeSender{fail: 1}
	out := ingest.NewOutbound(ingest.OutboundOptions{Desk: f.desk, Senders: senders{"hooks": snd}, BaseDelay: time.Millisecond, MaxAttempts: 3})
	root := f.deliver(t, msg("o1", "Phone broken"))
	reply, err := f.desk.AddMessage(socialdesk.NewContextWithUser(ctx, f.agent), root.TicketID, desk.NewMessage{Body: "We'll swap it today."})
	if err != nil || reply.DeliveryState != "queued" {
		t.Fatalf("reply = %+v, %v", reply, err)
	}
	if n, _ := out.RunOnce(ctx); n != 0 {
		t.Fatalf("sent on a failing attempt")
	}
	time.Sleep(5 * time.Millisecond)
	if n, _ := out.RunOnce(ctx); n != 1 {
		t.Fatalf("retry did not send")
	}
	if n, _ := out.RunOnce(ctx); n != 0 || len(snd.sent) != 1 {
		t.Fatalf("sent twice: %d", len(snd.sent))
	}
	if s := snd.sent[0]; s.ReplyTo != "o1" || s.Text != "We'll swap it today." || s.To.ID != "u-ana" {
		t.Fatalf("outbound = %+v", s)
	}
	msgs, _ := f.db.Messages(ctx, root.TicketID)
	last := msgs[len(msgs)-1]
	if last.DeliveryState != "sent" || last.ExternalID != "out-1" || last.Channel != "hooks" {
		t.Fatalf("stored reply = %+v", last)
	}
	// An answer to the sent reply threads back to the ticket.
	back := msg("o2", "thanks!")
	back.ReplyTo = "out-1"
	if rec := f.deliver(t, back); rec.TicketID != root.TicketID {
		t.Fatalf("answer to our reply opened ticket %d", rec.TicketID)
	}
	// A channel that keeps failing ends as failed, with the reason noted.
	snd.fail = 100
	if _, err := f.desk.AddMessage(socialdesk.NewContextWithUser(ctx, f.agent), root.TicketID, desk.NewMessage{Body: "second reply"}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		out.RunOnce(ctx)
		time.Sleep(5 * time.Millisecond)
	}
	msgs, _ = f.db.Messages(ctx, root.TicketID)
	var failed, note bool
	for _, m := range msgs {
		failed = failed || (m.Body == "second reply" && m.DeliveryState == "failed")
		note = note || (m.Internal && strings.Contains(m.Body, "remote answered 503") && strings.Contains(m.Body, "3 attempts"))
	}
	if !failed || !note {
		t.Fatalf("failed=%v note=%v", failed, note)
	}
}

func TestPortalRepliesFollowPreferredChannel(t *testing.T) {
	f := setup(t, ingest.Options{})
	snd := &fakeSender{}
	out := ingest.NewOutbound(ingest.OutboundOptions{Desk: f.desk, Senders: senders{"hooks": snd}})
	tk, err := f.desk.CreateTicket(socialdesk.NewContextWithUser(ctx, f.ana), desk.NewTicket{Title: "From the portal"})
	if err != nil {
		t.Fatal(err)
	}
	asAgent := socialdesk.NewContextWithUser(ctx, f.agent)
	m, _ := f.desk.AddMessage(asAgent, tk.ID, desk.NewMessage{Body: "no preference yet"})
	if m.DeliveryState != "" {
		t.Fatalf("portal reply queued without a preference")
	}
	f.ana.PreferredChannels = []string{"webhook"}
	if err := f.db.UpdatePerson(ctx, f.ana); err != nil {
		t.Fatal(err)
	}
	m, _ = f.desk.AddMessage(asAgent, tk.ID, desk.NewMessage{Body: "now by webhook"})
	if m.DeliveryState != "queued" {
		t.Fatalf("reply not queued for the preferred channel")
	}
	if n, _ := out.RunOnce(ctx); n != 1 || snd.sent[0].To.ID != "u-ana" || snd.sent[0].Text != "now by webhook" {
		t.Fatalf("sent %d: %+v", n, snd.sent)
	}
}

func TestFollowUpTakesOverThread(t *testing.T) {
	f := setup(t, ingest.Options{})
	m := msg("f1", "Monitor flickers")
	m.ThreadID = "th"
	first := f.deliver(t, m)
	st := socialdesk.StateClosed
	if _, err := f.desk.UpdateTicket(desk.SystemContext(ctx), first.TicketID, socialdesk.TicketUpdate{State: &st}); err != nil {
		t.Fatal(err)
	}
	next := msg("f2", "flickers again")
	next.ThreadID, next.ReplyTo = "th", "f1"
	follow := f.deliver(t, next)
	third := msg("f3", "and again")
	third.ThreadID, third.ReplyTo = "th", "f1"
	if rec := f.deliver(t, third); rec.TicketID != follow.TicketID || follow.TicketID == first.TicketID {
		t.Fatalf("third message went to %d; follow-up is %d, first %d", rec.TicketID, follow.TicketID, first.TicketID)
	}
	if tickets, _ := f.count(t); tickets != 2 {
		t.Fatalf("tickets = %d, want 2", tickets)
	}
}

func TestAttachmentsStoredOnceAndRepaired(t *testing.T) {
	f := setup(t, ingest.Options{})
	m := msg("att1", "Screenshot of the error")
	m.Attachments = []connector.Attachment{{Name: "error.png", ContentType: "image/png", Data: []byte("png-bytes")}}
	rec := f.deliver(t, m)
	f.deliver(t, m)
	countFiles := func() (n int) {
		f.db.SQL().QueryRow(`SELECT COUNT(*) FROM attachments`).Scan(&n)
		return n
	}
	if n := countFiles(); n != 1 {
		t.Fatalf("attachments = %d after a replay, want 1", n)
	}
	// Simulate a crash between the ticket and its files: drop the files
	// message; the connector's redelivery stores them again.
	if _, err := f.db.SQL().Exec(`DELETE FROM messages WHERE external_id = 'att1#files'`); err != nil {
		t.Fatal(err)
	}
	if again := f.deliver(t, m); !again.Duplicate || again.TicketID != rec.TicketID {
		t.Fatalf("redelivery = %+v", again)
	}
	if n := countFiles(); n != 1 {
		t.Fatalf("attachments = %d after repair, want 1", n)
	}
	msgs, _ := f.db.Messages(ctx, rec.TicketID)
	if len(msgs) != 2 || len(msgs[1].Attachments) != 1 || msgs[1].Attachments[0].Name != "error.png" {
		t.Fatalf("thread = %+v", msgs)
	}
}

func TestPolicySetByAdmin(t *testing.T) {
	f := setup(t, ingest.Options{})
	admin := &socialdesk.Person{Email: "root@example.com", Name: "Root", Role: socialdesk.RoleAdmin}
	if err := f.desk.CreatePerson(desk.SystemContext(ctx), admin, ""); err != nil {
		t.Fatal(err)
	}
	asAdmin := socialdesk.NewContextWithUser(ctx, admin)
	good := ingest.Policy{OnResolved: ingest.FollowUp, OnClosed: ingest.Reopen, AckText: "Got it: {number}", AckLimit: 5}
	if err := f.pipe.SetPolicy(socialdesk.NewContextWithUser(ctx, f.agent), good); socialdesk.ErrorCode(err) != socialdesk.EFORBIDDEN {
		t.Fatalf("agent changed the policy: %v", err)
	}
	bad := good
	bad.OnClosed = "ignore"
	if err := f.pipe.SetPolicy(asAdmin, bad); socialdesk.ErrorField(err) != "on_closed" {
		t.Fatalf("bad policy: %v", err)
	}
	if f.pipe.Policy().OnClosed != ingest.FollowUp {
		t.Fatalf("a refused policy was applied")
	}
	if err := f.pipe.SetPolicy(asAdmin, good); err != nil {
		t.Fatal(err)
	}
	// Closed tickets now reopen.
	first := f.deliver(t, msg("k1", "Keyboard sticky"))
	st := socialdesk.StateClosed
	f.desk.UpdateTicket(desk.SystemContext(ctx), first.TicketID, socialdesk.TicketUpdate{State: &st})
	again := msg("k2", "still sticky")
	again.ReplyTo = "k1"
	if rec := f.deliver(t, again); rec.TicketID != first.TicketID || f.ticket(t, first.TicketID).State != socialdesk.StateInProgress {
		t.Fatalf("closed ticket not reopened under the stored policy")
	}
	// The stored policy survives a restart of the pipeline.
	fresh := ingest.New(ingest.Options{Desk: f.desk})
	if fresh.Policy() == good {
		t.Fatal("test is meaningless: defaults equal the stored policy")
	}
	if err := fresh.LoadPolicy(ctx); err != nil || fresh.Policy() != good {
		t.Fatalf("loaded %+v, %v", fresh.Policy(), err)
	}
}

func TestOneFollowUpForRepliesTogether(t *testing.T) {
	f := setup(t, ingest.Options{})
	first := f.deliver(t, msg("z1", "Mailbox full"))
	st := socialdesk.StateClosed
	if _, err := f.desk.UpdateTicket(desk.SystemContext(ctx), first.TicketID, socialdesk.TicketUpdate{State: &st}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	recs := make([]connector.Receipt, 6)
	for i := range recs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := msg(fmt.Sprintf("z-reply-%d", i), "full again")
			m.ReplyTo = "z1" // every reply answers the original, as email clients do
			r, err := f.pipe.Deliver(ctx, m)
			if err != nil {
				t.Error(err)
			}
			recs[i] = r
		}()
	}
	wg.Wait()
	for _, r := range recs {
		if r.TicketID != recs[0].TicketID || r.TicketID == first.TicketID {
			t.Fatalf("replies spread over tickets: %+v", recs)
		}
	}
	if tickets, _ := f.count(t); tickets != 2 {
		t.Fatalf("tickets = %d, want the original and one follow-up", tickets)
	}
}

func TestReplyToHeldMessageWaitsForIt(t *testing.T) {
	f := setup(t, ingest.Options{})
	root := msg("w1", "Guest badge does not open door 2")
	root.Author = connector.Author{ID: "u-guest", Name: "Guest"}
	f.deliver(t, root)
	// Ana, who is known, answers the guest's post.
	reply := msg("w2", "Same for me at door 3")
	reply.ReplyTo = "w1"
	if rec := f.deliver(t, reply); rec.TicketID != 0 {
		t.Fatalf("reply to a held message opened ticket %d", rec.TicketID)
	}
	if tickets, _ := f.count(t); tickets != 0 {
		t.Fatalf("tickets = %d before release", tickets)
	}
	asAgent := socialdesk.NewContextWithUser(ctx, f.agent)
	held, _ := f.pipe.Held(asAgent)
	var guestMsg int64
	for _, h := range held {
		if h.AuthorID == "u-guest" {
			guestMsg = h.ID
		}
	}
	n, err := f.pipe.LinkAuthor(asAgent, guestMsg, 0, "", "")
	if err != nil || n != 2 {
		t.Fatalf("released %d, %v", n, err)
	}
	a, _ := f.db.MessageByExternalID(ctx, "hooks", "w1")
	b, _ := f.db.MessageByExternalID(ctx, "hooks", "w2")
	if a == nil || b == nil || a.TicketID != b.TicketID {
		t.Fatalf("conversation split: %+v %+v", a, b)
	}
	if left, _ := f.pipe.Held(asAgent); len(left) != 0 {
		t.Fatalf("%d still held", len(left))
	}
}
