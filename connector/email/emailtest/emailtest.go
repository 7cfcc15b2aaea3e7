// Package emailtest runs real mail protocol servers on loopback for tests:
// an in-memory IMAP server (go-imap's imapmemserver) holding the desk's
// mailbox, and an SMTP server (go-smtp) that records what it accepts.
package emailtest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// The desk's account on both servers.
const (
	User     = "help@desk.example"
	Password = "correct horse"
)

// StartIMAP runs an in-memory IMAP server on a loopback port with the
// desk's INBOX and returns its address.
func StartIMAP(t testing.TB) string {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(User, Password)
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

// Mailbox is a second IMAP session playing the part of the outside world:
// it appends mail and inspects flags.
type Mailbox struct {
	t  testing.TB
	cl *imapclient.Client
}

// OpenMailbox logs in to the desk's INBOX on the server at addr.
func OpenMailbox(t testing.TB, addr string) *Mailbox {
	t.Helper()
	cl, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	if err := cl.Login(User, Password).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	return &Mailbox{t: t, cl: cl}
}

// Deliver appends a small plain-text message from Ann with the given
// Message-ID and subject and returns its UID.
func (m *Mailbox) Deliver(msgID, subject string) imap.UID {
	return m.DeliverRaw(fmt.Sprintf("From: Ann <ann@example.org>\r\nTo: %s\r\nSubject: %s\r\n"+
		"Date: Mon, 03 Mar 2025 09:00:00 +0000\r\nMessage-ID: <%s>\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\nBody of %s\r\n", User, subject, msgID, subject))
}

// DeliverRaw appends a raw RFC 5322 message and returns its UID.
func (m *Mailbox) DeliverRaw(raw string) imap.UID {
	m.t.Helper()
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

// Seen reports whether the message with uid has the \Seen flag.
func (m *Mailbox) Seen(uid imap.UID) bool {
	m.t.Helper()
	msgs, err := m.cl.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{Flags: true, UID: true}).Collect()
	if err != nil || len(msgs) != 1 {
		m.t.Fatalf("fetch flags of uid %d: %v (%d messages)", uid, err, len(msgs))
	}
	return slices.Contains(msgs[0].Flags, imap.FlagSeen)
}

// MarkUnseen clears the \Seen flag of a message.
func (m *Mailbox) MarkUnseen(uid imap.UID) {
	m.t.Helper()
	err := m.cl.Store(imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsDel, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close()
	if err != nil {
		m.t.Fatal(err)
	}
}

// SMTPMessage is one message the SMTP server accepted.
type SMTPMessage struct {
	From string
	To   []string
	Data []byte
	User string // the account that authenticated
}

// SMTPRecorder is a go-smtp backend that keeps every message it accepts.
type SMTPRecorder struct {
	mu   sync.Mutex
	msgs []SMTPMessage
}

// Messages returns a copy of the accepted messages.
func (b *SMTPRecorder) Messages() []SMTPMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.msgs)
}

// NewSession implements smtp.Backend.
func (b *SMTPRecorder) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &smtpSession{b: b}, nil
}

type smtpSession struct {
	b   *SMTPRecorder
	msg SMTPMessage
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != User || pass != Password {
			return errors.New("bad credentials")
		}
		s.msg.User = user
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.msg.User == "" {
		return smtp.ErrAuthRequired
	}
	s.msg.From = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.Data = data
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, s.msg)
	s.b.mu.Unlock()
	return nil
}

func (s *smtpSession) Reset()        { s.msg = SMTPMessage{User: s.msg.User} }
func (s *smtpSession) Logout() error { return nil }

// StartSMTP runs a recording SMTP server on a loopback port that requires
// the desk's login, and returns its address and recorder.
func StartSMTP(t testing.TB) (string, *SMTPRecorder) {
	t.Helper()
	be := &SMTPRecorder{}
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
