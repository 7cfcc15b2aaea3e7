package email

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/socialdesk/socialdesk/connector"
)

const (
	deskUser = "help@desk.example"
	deskPass = "correct horse"
)

// startIMAP runs an in-memory IMAP server on a loopback port and returns
// its address.
func startIMAP(t *testing.T) string {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(deskUser, deskPass)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       discardLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

// mailbox is a second IMAP session playing the part of the outside world:
// it appends mail and inspects flags.
type mailbox struct {
	t  *testing.T
	cl *imapclient.Client
}

func openMailbox(t *testing.T, addr string) *mailbox {
	t.Helper()
	cl, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	if err := cl.Login(deskUser, deskPass).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	return &mailbox{t: t, cl: cl}
}

// deliver appends a small message with the given Message-ID and returns
// its UID.
func (m *mailbox) deliver(msgID, subject string) imap.UID {
	m.t.Helper()
	raw := fmt.Sprintf("From: Ann <ann@example.org>\r\nTo: %s\r\nSubject: %s\r\n"+
		"Date: Mon, 03 Mar 2025 09:00:00 +0000\r\nMessage-ID: <%s>\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\nBody of %s\r\n", deskUser, subject, msgID, subject)
	cmd := m.cl.Append("INBOX", int64(len(raw)), nil)
	if _, err := io.WriteString(cmd, raw); err != nil {
		m.t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		m.t.Fatal(err)
	}
	data, err := cmd.Wait()
	if err != nil {
		m.t.Fatal(err)
	}
	return data.UID
}

// seen reports whether the message with uid has the \Seen flag.
func (m *mailbox) seen(uid imap.UID) bool {
	m.t.Helper()
	msgs, err := m.cl.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{Flags: true, UID: true}).Collect()
	if err != nil || len(msgs) != 1 {
		m.t.Fatalf("fetch flags of uid %d: %v (%d messages)", uid, err, len(msgs))
	}
	return slices.Contains(msgs[0].Flags, imap.FlagSeen)
}

func (m *mailbox) markUnseen(uid imap.UID) {
	m.t.Helper()
	err := m.cl.Store(imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsDel, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close()
	if err != nil {
		m.t.Fatal(err)
	}
}

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
	mbox := openMailbox(t, addr)
	first := mbox.deliver("first@example.org", "first")

	c := newTestConnector(t, addr, "", &memCursor{})
	sink := newRecorder()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Stream(ctx, sink) }()

	got := sink.wait(t, 5*time.Second)
	if got.ExternalID != "first@example.org" || got.Channel != "support-mail" || got.Subject != "first" {
		t.Errorf("delivered %+v", got)
	}
	waitFor(t, "first message marked seen", func() bool { return mbox.seen(first) })

	// Let the streamer settle into IDLE, then append: IDLE must wake it
	// well before the 30 s poll interval.
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	second := mbox.deliver("second@example.org", "second")
	got = sink.wait(t, time.Second)
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("IDLE took %v to deliver", elapsed)
	}
	if got.ExternalID != "second@example.org" {
		t.Errorf("delivered %q, want second@example.org", got.ExternalID)
	}
	waitFor(t, "second message marked seen", func() bool { return mbox.seen(second) })

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
	mbox := openMailbox(t, addr)
	uid := mbox.deliver("flaky@example.org", "flaky")
	c := newTestConnector(t, addr, "", &memCursor{})
	sink := newRecorder()

	sinkErr := errors.New("database is down")
	sink.setFail(sinkErr)
	if err := c.Poll(t.Context(), sink); !errors.Is(err, sinkErr) {
		t.Fatalf("Poll with failing sink = %v, want %v", err, sinkErr)
	}
	if mbox.seen(uid) {
		t.Fatal("message marked seen although the sink failed")
	}

	sink.setFail(nil)
	if err := c.Poll(t.Context(), sink); err != nil {
		t.Fatal(err)
	}
	if ids := sink.ids(); !slices.Equal(ids, []string{"flaky@example.org"}) {
		t.Errorf("delivered %q after recovery, want the message once", ids)
	}
	if !mbox.seen(uid) {
		t.Error("message not marked seen after successful delivery")
	}
}

func TestRestartFromCursorDoesNotRedeliver(t *testing.T) {
	addr := startIMAP(t)
	mbox := openMailbox(t, addr)
	a := mbox.deliver("a@example.org", "a")
	cur := &memCursor{}

	sink := newRecorder()
	if err := newTestConnector(t, addr, "", cur).Poll(t.Context(), sink); err != nil {
		t.Fatal(err)
	}
	// Someone marks the handled message unread again in their mail client;
	// the cursor, not only the \Seen flag, keeps it from coming back.
	mbox.markUnseen(a)
	mbox.deliver("b@example.org", "b")

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

// smtpRecorder is a go-smtp backend that keeps every message it accepts.
type smtpRecorder struct {
	mu   sync.Mutex
	msgs []smtpMessage
}

type smtpMessage struct {
	from string
	to   []string
	data []byte
	user string
}

func (b *smtpRecorder) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &smtpSession{b: b}, nil
}

type smtpSession struct {
	b   *smtpRecorder
	msg smtpMessage
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != deskUser || pass != deskPass {
			return errors.New("bad credentials")
		}
		s.msg.user = user
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.msg.user == "" {
		return smtp.ErrAuthRequired
	}
	s.msg.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.to = append(s.msg.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.data = data
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, s.msg)
	s.b.mu.Unlock()
	return nil
}

func (s *smtpSession) Reset()        { s.msg = smtpMessage{user: s.msg.user} }
func (s *smtpSession) Logout() error { return nil }

func startSMTP(t *testing.T) (string, *smtpRecorder) {
	t.Helper()
	be := &smtpRecorder{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), be
}

func TestSendReplyThreads(t *testing.T) {
	addr, be := startSMTP(t)
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

	be.mu.Lock()
	defer be.mu.Unlock()
	if len(be.msgs) != 1 {
		t.Fatalf("SMTP server got %d messages, want 1", len(be.msgs))
	}
	m := be.msgs[0]
	if m.from != deskUser || !slices.Equal(m.to, []string{"ann.smith@example.org"}) || m.user != deskUser {
		t.Errorf("envelope from=%q to=%q user=%q", m.from, m.to, m.user)
	}
	// Header names are case-insensitive.
	for _, h := range []string{"date: ", "mime-version: 1.0", "content-type: text/plain; charset=utf-8"} {
		if !bytes.Contains(bytes.ToLower(m.data), []byte(h)) {
			t.Errorf("sent message lacks %q:\n%s", h, m.data)
		}
	}
	got, err := Parse(m.data)
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
	if !bytes.Contains(m.data, []byte("To: \"Ann Smith\" <ann.smith@example.org>")) {
		t.Errorf("sent message lacks the To header:\n%s", m.data)
	}
}

func TestSendNeedsRecipient(t *testing.T) {
	addr, _ := startSMTP(t)
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

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
