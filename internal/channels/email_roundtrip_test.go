package channels_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector/email/emailtest"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// TestEmailRoundTrip runs the email channel against real IMAP and SMTP
// servers on loopback: a mail to the desk becomes a ticket, the agent's
// reply goes out by SMTP in the mail thread, and the same mail delivered
// again creates nothing new.
func TestEmailRoundTrip(t *testing.T) {
	imapAddr := emailtest.StartIMAP(t)
	smtpAddr, smtpRec := emailtest.StartSMTP(t)
	e := apptest.New(t)
	ctx := context.Background()
	ann := &socialdesk.Person{Email: "ann@example.org", Name: "Ann", Role: socialdesk.RoleEmployee}
	if err := e.App.Desk.CreatePerson(desk.SystemContext(ctx), ann, ""); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`{"imap_addr":%q,"imap_user":%q,"imap_password":%q,"tls":"none","smtp_addr":%q,"smtp_user":%q,"smtp_password":%q,"from":"Help Desk <%s>","poll_interval":"200ms"}`,
		imapAddr, emailtest.User, emailtest.Password, smtpAddr, emailtest.User, emailtest.Password, emailtest.User)
	if err := e.App.Channels.Add(e.As("admin"), "mail", "email", cfg, true); err != nil {
		t.Fatal(err)
	}
	e.StartWorkers()
	mbox := emailtest.OpenMailbox(t, imapAddr)
	uid := mbox.Deliver("vpn-1@example.org", "VPN drops every ten minutes")

	var tk *socialdesk.Ticket
	waitFor(t, 15*time.Second, "the mail to become a ticket", func() bool {
		m, err := e.App.DB.MessageByExternalID(ctx, "mail", "vpn-1@example.org")
		if err != nil {
			return false
		}
		tk, err = e.App.DB.Ticket(ctx, m.TicketID)
		return err == nil
	})
	if tk.Channel != "email" || tk.RequesterID != ann.ID || !strings.Contains(tk.Title, "VPN drops") {
		t.Fatalf("ticket = %+v", tk)
	}
	waitFor(t, 10*time.Second, "the mail to be marked seen after it was stored", func() bool { return mbox.Seen(uid) })

	if _, err := e.App.Desk.AddMessage(e.As("agent"), tk.ID, desk.NewMessage{Body: "Please update the VPN client to 7.2 and tell us if it helps."}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "the reply to reach the SMTP server", func() bool { return len(smtpRec.Messages()) > 0 })
	sent := smtpRec.Messages()
	if len(sent) != 1 {
		t.Fatalf("%d replies sent, want 1", len(sent))
	}
	raw := sent[0].Data
	for _, want := range []string{"In-Reply-To: <vpn-1@example.org>", "update the VPN client", "ann@example.org"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("reply lacks %q:\n%s", want, raw)
		}
	}
	// The same mail again (a redelivery with the same Message-ID) is
	// stored once.
	before := count(t, e, `SELECT COUNT(*) FROM messages`)
	again := mbox.Deliver("vpn-1@example.org", "VPN drops every ten minutes")
	waitFor(t, 10*time.Second, "the redelivered mail to be processed", func() bool { return mbox.Seen(again) })
	if n := count(t, e, `SELECT COUNT(*) FROM messages`); n != before {
		t.Fatalf("a redelivered mail added %d message(s)", n-before)
	}
	if n := count(t, e, `SELECT COUNT(*) FROM tickets`); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
}

func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
