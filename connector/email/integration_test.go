package email

import (
	"github.com/socialdesk/socialdesk/connector/email/emailtest"

	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/connector"
)

const (
	deskUser = emailtest.User
	deskPass = emailtest.Password
)

func startIMAP(t *testing.T) string { return emailtest.StartIMAP(t) }

// recorder is a Sink that records deliveries and can be told to fail.
type recorder struct {
	mu   sync.Mutex
	got  []connector.Inbound
	fail error
	ch   chan connector.Inbound
}

func newRecorder() *recorder { return &recorder{ch: make(chan connector.Inbound, 16)} }

func (r *recorder) Deliver(_ context.Context, msg connector.Inbound) (connector.Receipt, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return connector.Receipt{}, r.fail
	}
	r.got = append(r.got, msg)
	r.ch <- msg
	return connector.Receipt{MessageID: int64(len(r.got))}, nil
}

func (r *recorder) setFail(err error) {
	r.mu.Lock()
	r.fail = err
	r.mu.Unlock()
}

func (r *recorder) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	for _, m := range r.got {
		ids = append(ids, m.ExternalID)
	}
	return ids
}

func (r *recorder) wait(t *testing.T, within time.Duration) connector.Inbound {
	t.Helper()
	select {
	case m := <-r.ch:
		return m
	case <-time.After(within):
		t.Fatalf("nothing delivered within %v", within)
		return connector.Inbound{}
	}
}

// memCursor is an in-memory connector.Cursor.
type memCursor struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *memCursor) Load(_ context.Context, key string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key], nil
}

func (c *memCursor) Save(_ context.Context, key, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]string{}
	}
	c.m[key] = value
	return nil
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}

func newTestConnector(t *testing.T, imapAddr, smtpAddr string, cur connector.Cursor) *Connector {
	t.Helper()
	c, err := New(Config{
		Name:         "support-mail",
		IMAPAddr:     imapAddr,
		IMAPUser:     deskUser,
		IMAPPassword: deskPass,
		TLS:          TLSNone,
		SMTPAddr:     smtpAddr,
		SMTPUser:     deskUser,
		SMTPPassword: deskPass,
		From:         "Help Desk <" + deskUser + ">",
		PollInterval: 30 * time.Second,
		Cursor:       cur,
	}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStreamDeliversMarksSeenAndWakesOnIdle(t *testing.T) {
	addr := startIMAP(t)
	mbox := emailtest.OpenMailbox(t, addr)
	first := mbox.Deliver("first@example.org", "first")

	c := newTestConnector(t, addr, "", &memCursor{})
	sink := newRecorder()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Stream(ctx, sink) }()

	got := sink.wait(t, 5*time.Second)
	if got.ExternalID != "first@example.org" || got.Channel != "support-mail" || got.Subject != "first" {
		t.Errorf("delivered %+v", got)
	}
	waitFor(t, "first message marked seen", func() bool { return mbox.Seen(first) })

	// Let the streamer settle into IDLE, then append: IDLE must wake it
	// well before the 30 s poll interval.
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	second := mbox.Deliver("second@example.org", "second")
	// Within a third of the poll interval: only IDLE can be that quick,
	// and the margin leaves room for a loaded machine.
	got = sink.wait(t, 10*time.Second)
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("IDLE took %v to deliver", elapsed)
	}
	if got.ExternalID != "second@example.org" {
		t.Errorf("delivered %q, want second@example.org", got.ExternalID)
	}
	waitFor(t, "second message marked seen", func() bool { return mbox.Seen(second) })

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Stream returned %v after cancel, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Stream did not return after cancel")
	}
	if ids := sink.ids(); !slices.Equal(ids, []string{"first@example.org", "second@example.org"}) {
		t.Errorf("delivered %q", ids)
	}
}

func TestPollLeavesMessageUnseenWhenSinkFails(t *testing.T) {
	addr := startIMAP(t)
	mbox := emailtest.OpenMailbox(t, addr)
	uid := mbox.Deliver("flaky@example.org", "flaky")
	c := newTestConnector(t, addr, "", &memCursor{})
	sink := newRecorder()

	sinkErr := errors.New("database is down")
	sink.setFail(sinkErr)
	if err := c.Poll(t.Context(), sink); !errors.Is(err, sinkErr) {
		t.Fatalf("Poll with failing sink = %v, want %v", err, sinkErr)
	}
	if mbox.Seen(uid) {
		t.Fatal("message marked seen although the sink failed")
	}

	sink.setFail(nil)
	if err := c.Poll(t.Context(), sink); err != nil {
		t.Fatal(err)
	}
	if ids := sink.ids(); !slices.Equal(ids, []string{"flaky@example.org"}) {
		t.Errorf("delivered %q after recovery, want the message once", ids)
	}
	if !mbox.Seen(uid) {
		t.Error("message not marked seen after successful delivery")
	}
}

func TestRestartFromCursorDoesNotRedeliver(t *testing.T) {
	addr := startIMAP(t)
	mbox := emailtest.OpenMailbox(t, addr)
	a := mbox.Deliver("a@example.org", "a")
	cur := &memCursor{}

	sink := newRecorder()
	if err := newTestConnector(t, addr, "", cur).Poll(t.Context(), sink); err != nil {
		t.Fatal(err)
	}
	// Someone marks the handled message unread again in their mail client;
	// the cursor, not only the \Seen flag, keeps it from coming back.
	mbox.MarkUnseen(a)
	mbox.Deliver("b@example.org", "b")

	restarted := newTestConnector(t, addr, "", cur)
	if err := restarted.Poll(t.Context(), sink); err != nil {
		t.Fatal(err)
	}
	if ids := sink.ids(); !slices.Equal(ids, []string{"a@example.org", "b@example.org"}) {
		t.Errorf("delivered %q, want a then b once each", ids)
	}
	if v, _ := cur.Load(t.Context(), "imap:INBOX"); !strings.HasSuffix(v, "/2") {
		t.Errorf("cursor = %q, want the last UID 2", v)
	}

	// A cursor from another UIDVALIDITY is ignored: unseen mail is offered
	// again rather than skipped.
	if err := cur.Save(t.Context(), "imap:INBOX", "999/50"); err != nil {
		t.Fatal(err)
	}
	if err := newTestConnector(t, addr, "", cur).Poll(t.Context(), sink); err != nil {
		t.Fatal(err)
	}
	if ids := sink.ids(); len(ids) != 3 || ids[2] != "a@example.org" {
		t.Errorf("after UIDVALIDITY change delivered %q, want a again", ids)
	}
}

func TestSendReplyThreads(t *testing.T) {
	addr, be := emailtest.StartSMTP(t)
	c := newTestConnector(t, "", addr, nil)

	// Answer the reply fixture the way the pipeline would.
	in, err := Parse(readFixture(t, "reply.eml"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.Send(t.Context(), connector.Outbound{
		ReplyTo:  in.ExternalID,
		ThreadID: in.ThreadID,
		To:       in.Author,
		Subject:  "[#1042] Printer on floor 3 is jammed",
		Text:     "Glad to hear it.\nClosing the ticket — Grüße.",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(id, "@desk.example") {
		t.Errorf("Send returned id %q, want a Message-ID at the desk's domain", id)
	}

	msgs := be.Messages()
	if len(msgs) != 1 {
		t.Fatalf("SMTP server got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.From != deskUser || !slices.Equal(m.To, []string{"ann.smith@example.org"}) || m.User != deskUser {
		t.Errorf("envelope from=%q to=%q user=%q", m.From, m.To, m.User)
	}
	// Header names are case-insensitive.
	for _, h := range []string{"date: ", "mime-version: 1.0", "content-type: text/plain; charset=utf-8"} {
		if !bytes.Contains(bytes.ToLower(m.Data), []byte(h)) {
			t.Errorf("sent message lacks %q:\n%s", h, m.Data)
		}
	}
	got, err := Parse(m.Data)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "sent Message-ID", got.ExternalID, id)
	eq(t, "sent In-Reply-To", got.ReplyTo, "CAF3x9=reply.2@mail.example.org")
	if want := []string{"CAF3x9=plain.1@mail.example.org", "CAF3x9=reply.2@mail.example.org"}; !slices.Equal(got.References, want) {
		t.Errorf("sent References = %q, want %q", got.References, want)
	}
	eq(t, "sent Subject", got.Subject, "Re: [#1042] Printer on floor 3 is jammed")
	eq(t, "sent From", got.Author.ID, deskUser)
	eq(t, "sent Text", got.Text, "Glad to hear it.\nClosing the ticket — Grüße.")
	if !bytes.Contains(m.Data, []byte("To: \"Ann Smith\" <ann.smith@example.org>")) {
		t.Errorf("sent message lacks the To header:\n%s", m.Data)
	}
}

func TestSendNeedsRecipient(t *testing.T) {
	addr, _ := emailtest.StartSMTP(t)
	c := newTestConnector(t, "", addr, nil)
	if _, err := c.Send(t.Context(), connector.Outbound{Text: "x"}); !errors.Is(err, errNoRecipient) {
		t.Errorf("Send without recipient = %v", err)
	}
}

func TestReplySubject(t *testing.T) {
	for in, want := range map[string]string{
		"Printer":     "Re: Printer",
		"Re: Printer": "Re: Printer",
		"RE:Printer":  "RE:Printer",
		"":            "Re: your message",
	} {
		eq(t, "ReplySubject("+in+")", ReplySubject(in), want)
	}
}

func TestNewValidates(t *testing.T) {
	bad := []Config{
		{IMAPAddr: "x:1"},
		{Name: "n"},
		{Name: "n", IMAPAddr: "x:1", TLS: "ssl"},
		{Name: "n", SMTPAddr: "x:1"},
		{Name: "n", SMTPAddr: "x:1", From: "not an address"},
	}
	for _, cfg := range bad {
		if _, err := New(cfg, nil); err == nil {
			t.Errorf("New(%+v) accepted a bad config", cfg)
		}
	}
	c, err := New(Config{Name: "n", IMAPAddr: "x:1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "Mailbox default", c.cfg.Mailbox, "INBOX")
	eq(t, "TLS default", c.cfg.TLS, TLSImplicit)
	eq(t, "Kind", c.Kind(), "email")
}

// waitFor waits up to 15 s for cond: well below the tests' 30 s poll
// interval, so what arrives in time came by IDLE, yet wide enough for a
// loaded machine running the race detector.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
