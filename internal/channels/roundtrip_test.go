package channels_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector/slack/slackfake"
	"github.com/socialdesk/socialdesk/connector/webhook"
	"github.com/socialdesk/socialdesk/internal/app"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/search"
)

const hookSecret = "a-shared-secret-of-some-length"

// receiver is an httptest server standing in for the system that takes
// webhook replies.
type receiver struct {
	mu      sync.Mutex
	replies []webhook.Reply
	bad     int
	srv     *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		ts := r.Header.Get(webhook.TimestampHeader)
		if r.Header.Get(webhook.SignatureHeader) != webhook.SignTimestamp([]byte(hookSecret), ts, body) {
			rc.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var rep webhook.Reply
		json.Unmarshal(body, &rep)
		rc.replies = append(rc.replies, rep)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"external_id":"partner-` + strconv.Itoa(len(rc.replies)) + `"}`))
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func post(t *testing.T, url, name, body string, signed bool) (int, webhook.Accepted) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/hooks/"+name, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if signed {
		req.Header.Set(webhook.SignatureHeader, webhook.Sign([]byte(hookSecret), []byte(body)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var acc webhook.Accepted
	json.NewDecoder(resp.Body).Decode(&acc)
	return resp.StatusCode, acc
}

func count(t *testing.T, e *apptest.Env, q string) int {
	t.Helper()
	var n int
	if err := e.App.DB.SQL().QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWebhookRoundTrip(t *testing.T) {
	e := apptest.New(t)
	rc := newReceiver(t)
	admin := e.As("admin")
	cfg := `{"secret":"` + hookSecret + `","reply_url":"` + rc.srv.URL + `"}`
	if err := e.App.Channels.Add(admin, "partner", "webhook", cfg, true); err != nil {
		t.Fatal(err)
	}
	emp := e.People["employee"]
	if err := e.App.DB.AddIdentity(context.Background(), socialdesk.Identity{PersonID: emp.ID, Channel: "webhook", ExternalID: "emp-7"}); err != nil {
		t.Fatal(err)
	}
	body := `{"external_id":"evt-1","author":{"id":"emp-7","name":"Emp"},"text":"Badge reader at door 3 is dead"}`
	if code, _ := post(t, e.Server.URL, "partner", body, false); code != http.StatusUnauthorized {
		t.Fatalf("unsigned = %d", code)
	}
	if code, _ := post(t, e.Server.URL, "nosuch", body, true); code != http.StatusNotFound {
		t.Fatalf("unknown channel = %d", code)
	}
	code, acc := post(t, e.Server.URL, "partner", body, true)
	if code != http.StatusAccepted || acc.TicketID == 0 || acc.MessageID == 0 {
		t.Fatalf("first delivery = %d %+v", code, acc)
	}
	// The ticket is in the agent's queue through the API.
	resp := e.Request(t, "agent", "GET", "/api/v1/tickets/"+strconv.FormatInt(acc.TicketID, 10), "")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "Badge reader at door 3 is dead") || !strings.Contains(string(b), `"webhook"`) {
		t.Fatalf("API ticket = %d %s", resp.StatusCode, b)
	}
	// Redelivery: 200, same ids, nothing new.
	before := count(t, e, `SELECT COUNT(*) FROM messages`)
	code, again := post(t, e.Server.URL, "partner", body, true)
	if code != http.StatusOK || again != acc || count(t, e, `SELECT COUNT(*) FROM messages`) != before {
		t.Fatalf("redelivery = %d %+v (first %+v)", code, again, acc)
	}
	// Bad input: a clear 422 and nothing stored.
	if code, _ := post(t, e.Server.URL, "partner", `{"external_id":"","author":{"id":"x"},"text":"t"}`, true); code != http.StatusUnprocessableEntity {
		t.Fatalf("bad input = %d", code)
	}
	// Refused by the pipeline (not by the connector's own checks): still a
	// 422 that tells the sender not to retry, and nothing stored.
	if code, _ := post(t, e.Server.URL, "partner", `{"external_id":"`+strings.Repeat("x", 600)+`","author":{"id":"emp-7"},"text":"t"}`, true); code != http.StatusUnprocessableEntity {
		t.Fatalf("over-long id = %d", code)
	}
	if n := count(t, e, `SELECT COUNT(*) FROM messages`); n != before {
		t.Fatalf("refused messages stored something: %d messages, want %d", n, before)
	}
	// The agent replies; the worker posts the signed reply in the thread.
	if _, err := e.App.Desk.AddMessage(e.As("agent"), acc.TicketID, desk.NewMessage{Body: "A technician is on the way."}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.App.Outbound.RunOnce(context.Background()); n != 1 || err != nil {
		t.Fatalf("sent %d, %v", n, err)
	}
	rc.mu.Lock()
	if rc.bad != 0 || len(rc.replies) != 1 || rc.replies[0].ReplyTo != "evt-1" || rc.replies[0].Text != "A technician is on the way." || rc.replies[0].To.ID != "emp-7" {
		t.Fatalf("receiver got %+v (bad %d)", rc.replies, rc.bad)
	}
	rc.mu.Unlock()
	if n, _ := e.App.Outbound.RunOnce(context.Background()); n != 0 {
		t.Fatalf("the reply was sent again")
	}
	// The partner answers our reply: it joins the ticket.
	code, ans := post(t, e.Server.URL, "partner", `{"external_id":"evt-2","author":{"id":"emp-7"},"text":"thanks","reply_to":"partner-1"}`, true)
	if code != http.StatusAccepted || ans.TicketID != acc.TicketID {
		t.Fatalf("answer to reply = %d %+v", code, ans)
	}
	// A public post that opens a ticket is acknowledged through the
	// connector, once.
	code, pub := post(t, e.Server.URL, "partner", `{"external_id":"pub-1","author":{"id":"emp-7"},"text":"Is the VPN down for everyone?","visibility":"public"}`, true)
	if code != http.StatusAccepted {
		t.Fatalf("public post = %d", code)
	}
	post(t, e.Server.URL, "partner", `{"external_id":"pub-1","author":{"id":"emp-7"},"text":"Is the VPN down for everyone?","visibility":"public"}`, true)
	if n, _ := e.App.Outbound.RunOnce(context.Background()); n != 1 {
		t.Fatalf("acks sent = %d, want 1", n)
	}
	pubTicket, _ := e.App.DB.Ticket(context.Background(), pub.TicketID)
	rc.mu.Lock()
	ack := rc.replies[len(rc.replies)-1]
	rc.mu.Unlock()
	if ack.ReplyTo != "pub-1" || !strings.Contains(ack.Text, pubTicket.Number()) || !strings.Contains(ack.Text, "/tickets/"+strconv.FormatInt(pub.TicketID, 10)) {
		t.Fatalf("ack = %+v", ack)
	}
	// The ticket page shows the post that opened the ticket once (it is
	// both the description and the first message), and names socialdesk
	// as the author of the acknowledgement.
	_, _, page := e.NewSession(t, "agent").Do("GET", "/tickets/"+strconv.FormatInt(pub.TicketID, 10), nil)
	if n := strings.Count(page, "Is the VPN down for everyone?"); n != 3 { // the page title, the heading and the message
		t.Errorf("ticket page shows the post %d times, want it in the page title, the heading and once in the thread:\n%s", n, page)
	}
	if !strings.Contains(page, "Service desk (automatic)") || strings.Contains(page, "Unknown sender") {
		t.Errorf("ticket page does not name the acknowledgement's author:\n%s", page)
	}
	// Metrics count per channel.
	resp = e.Request(t, "", "GET", "/metrics", "")
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`socialdesk_channel_messages_received_total{channel="partner",kind="webhook"} 3`,
		`socialdesk_channel_messages_duplicate_total{channel="partner",kind="webhook"} 2`,
		`socialdesk_channel_replies_sent_total{channel="partner",kind="webhook"} 2`,
		`socialdesk_channel_up{channel="partner",kind="webhook"} 1`,
		`socialdesk_channel_messages_per_minute{channel="partner",kind="webhook"} 0.6`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %q:\n%s", want, b)
		}
	}
	// Disabled channels refuse webhooks; the secret is never listed.
	if err := e.App.Channels.SetEnabled(admin, "partner", false); err != nil {
		t.Fatal(err)
	}
	if code, _ := post(t, e.Server.URL, "partner", body, true); code != http.StatusNotFound {
		t.Fatalf("disabled channel answered %d", code)
	}
	list, err := e.App.Channels.List(admin)
	if err != nil || len(list) != 1 || strings.Contains(list[0].Config, hookSecret) || !strings.Contains(list[0].Config, rc.srv.URL) || list[0].Health.Status != "disabled" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if _, err := e.App.Channels.List(e.As("agent")); socialdesk.ErrorCode(err) != socialdesk.EFORBIDDEN {
		t.Fatalf("agent listed channels: %v", err)
	}
	// The secret is sealed at rest.
	var sealed []byte
	e.App.DB.SQL().QueryRow(`SELECT config FROM channels WHERE name = 'partner'`).Scan(&sealed)
	if len(sealed) == 0 || strings.Contains(string(sealed), hookSecret) {
		t.Fatalf("config stored in clear")
	}
	if st, err := os.Stat(filepath.Join(e.App.Config.DataDir, "secret.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
}

func TestWebhookBadConfigRejected(t *testing.T) {
	e := apptest.New(t)
	admin := e.As("admin")
	for _, tc := range []struct{ name, kind, cfg, field string }{
		{"ok-name", "webhook", `{"secret":"short"}`, "config"},
		{"ok-name", "webhook", `not json`, "config"},
		{"ok-name", "webhook", `{"secret":"long-enough-secret-123","extra":1}`, "config"},
		{"ok-name", "fax", `{}`, "kind"},
		{"Bad Name", "webhook", `{"secret":"long-enough-secret-123"}`, "name"},
	} {
		err := e.App.Channels.Add(admin, tc.name, tc.kind, tc.cfg, true)
		if socialdesk.ErrorCode(err) != socialdesk.EINVALID || socialdesk.ErrorField(err) != tc.field {
			t.Errorf("%s %s %s: %v", tc.name, tc.kind, tc.cfg, err)
		}
	}
	if n := count(t, e, `SELECT COUNT(*) FROM channels`); n != 0 {
		t.Fatalf("bad configs stored %d channels", n)
	}
}

func TestSlackRoundTrip(t *testing.T) {
	e := apptest.New(t)
	fake := slackfake.New("xoxb-test", "U0BOT")
	t.Cleanup(fake.Close)
	fake.AddMessage("C0WATCH", slackfake.Message{TS: "1700000000.000100", User: "U0ALICE", Text: "The VPN drops every 10 minutes"})
	const signing = "slack-signing-secret"
	cfg, _ := json.Marshal(map[string]any{"signing_secret": signing, "bot_token": "xoxb-test", "api_url": fake.URL(), "bot_user_id": "U0BOT", "watched_channels": []string{"C0WATCH"}})
	if err := e.App.Channels.Add(e.As("admin"), "slack", "slack", string(cfg), true); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e.App.DB.AddIdentity(ctx, socialdesk.Identity{PersonID: e.People["employee"].ID, Channel: "slack", ExternalID: "U0ALICE"})
	e.App.DB.AddIdentity(ctx, socialdesk.Identity{PersonID: e.People["employee2"].ID, Channel: "slack", ExternalID: "U0BOB"})
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "connector", "slack", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if rec := slackfake.SendEvent(e.App.Handler, signing, slackfake.Event{Body: read("message_channel.json")}); rec.Code != 200 {
		t.Fatalf("event = %d %s", rec.Code, rec.Body)
	}
	m, err := e.App.DB.MessageByExternalID(ctx, "slack", "C0WATCH:1700000000.000100")
	if err != nil {
		t.Fatal(err)
	}
	tk, _ := e.App.DB.Ticket(ctx, m.TicketID)
	if tk.Channel != "slack" || tk.RequesterID != e.People["employee"].ID || !strings.Contains(tk.Title, "VPN drops") {
		t.Fatalf("ticket = %+v", tk)
	}
	// The thread reply joins the ticket.
	if rec := slackfake.SendEvent(e.App.Handler, signing, slackfake.Event{Body: read("thread_reply.json")}); rec.Code != 200 {
		t.Fatalf("reply event = %d", rec.Code)
	}
	r, err := e.App.DB.MessageByExternalID(ctx, "slack", "C0WATCH:1700000100.000200")
	if err != nil || r.TicketID != tk.ID {
		t.Fatalf("thread reply: %+v %v", r, err)
	}
	// The agent answers; the fake sees chat.postMessage in the thread.
	if _, err := e.App.Desk.AddMessage(e.As("agent"), tk.ID, desk.NewMessage{Body: "Try the new VPN profile."}); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.App.Outbound.RunOnce(ctx); n != 1 {
		t.Fatalf("sent %d", n)
	}
	posted := fake.Posted()
	if len(posted) != 1 || posted[0].Channel != "C0WATCH" || posted[0].ThreadTS != "1700000000.000100" || !strings.HasSuffix(posted[0].Text, "Try the new VPN profile.") {
		t.Fatalf("posted = %+v", posted)
	}
	// A replayed event (even without Slack's retry header, after a
	// restart of the connector) creates nothing.
	tickets := count(t, e, `SELECT COUNT(*) FROM tickets`)
	msgs := count(t, e, `SELECT COUNT(*) FROM messages`)
	if err := e.App.Channels.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if rec := slackfake.SendEvent(e.App.Handler, signing, slackfake.Event{Body: read("message_channel.json")}); rec.Code != 200 {
		t.Fatalf("replay = %d", rec.Code)
	}
	if count(t, e, `SELECT COUNT(*) FROM tickets`) != tickets || count(t, e, `SELECT COUNT(*) FROM messages`) != msgs {
		t.Fatalf("replay stored something")
	}
	// A bad signature is refused.
	if rec := slackfake.SendEvent(e.App.Handler, "wrong", slackfake.Event{Body: read("message_channel.json")}); rec.Code != http.StatusUnauthorized {
		t.Fatalf("bad signature = %d", rec.Code)
	}
	_ = time.Second
}

func TestEmailAndMastodonChannels(t *testing.T) {
	e := apptest.New(t)
	admin := e.As("admin")
	good := map[string]string{
		"mail": `{"imap_addr":"imap.example.org:993","imap_user":"help","imap_password":"imap-pass-123","smtp_addr":"smtp.example.org:587","smtp_password":"smtp-pass-123","from":"Help Desk <help@example.org>","tls":"starttls","poll_interval":"2m"}`,
		"toot": `{"base_url":"https://social.example","access_token":"toot-token-123","hashtags":["itsupport"]}`,
	}
	kinds := map[string]string{"mail": "email", "toot": "mastodon"}
	for name, cfg := range good {
		if err := e.App.Channels.Add(admin, name, kinds[name], cfg, true); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	list, err := e.App.Channels.List(admin)
	if err != nil || len(list) != 2 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	for _, c := range list {
		if c.Health.Status != "ok" || strings.Contains(c.Config, "pass-123") || strings.Contains(c.Config, "toot-token-123") {
			t.Fatalf("%s: %+v", c.Name, c)
		}
	}
	if e.App.Channels.Kind("mail") != "email" || e.App.Channels.Kind("toot") != "mastodon" {
		t.Fatal("kinds not registered")
	}
	for _, bad := range []struct{ kind, cfg string }{
		{"email", `{"imap_addr":"imap.example.org:993","poll_interval":"soon"}`},
		{"email", `{"imap_addr":"imap.example.org:993","tls":"sometimes"}`},
		{"mastodon", `{"access_token":"x"}`},
		{"mastodon", `{"base_url":"https://social.example","access_token":"x","colour":"blue"}`},
	} {
		if err := e.App.Channels.Add(admin, "bad", bad.kind, bad.cfg, true); socialdesk.ErrorField(err) != "config" {
			t.Errorf("%s %s: %v", bad.kind, bad.cfg, err)
		}
	}
}

// TestSlackSearchCommand: /search in Slack answers from the desk's
// self-help content, privately, as the person behind the Slack account.
func TestSlackSearchCommand(t *testing.T) {
	e := apptest.New(t, func(c *app.Config) { c.BaseURL = "https://desk.example" })
	const signing = "slack-signing-secret"
	cfg, _ := json.Marshal(map[string]any{"signing_secret": signing, "bot_token": "xoxb-test", "api_url": "http://127.0.0.1:1/", "bot_user_id": "U0BOT"})
	if err := e.App.Channels.Add(e.As("admin"), "slack", "slack", string(cfg), true); err != nil {
		t.Fatal(err)
	}
	e.App.Finder.Upsert(search.Doc{Type: search.TypeArticle, ID: "7", Title: "Fix VPN disconnects on the new client", Body: "Update to 7.2 and reconnect.", Verified: true})
	e.App.Finder.SetURL(search.TypeArticle, func(id string) string { return "/kb/" + id })
	body, err := os.ReadFile(filepath.Join("..", "..", "connector", "slack", "testdata", "slash_search.txt"))
	if err != nil {
		t.Fatal(err)
	}
	rec := slackfake.SendEvent(e.App.Handler, signing, slackfake.Event{Body: bytes.TrimSpace(body), ContentType: "application/x-www-form-urlencoded"})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Fix VPN disconnects") || !strings.Contains(rec.Body.String(), "https://desk.example/kb/7") {
		t.Fatalf("/search answered %d: %s", rec.Code, rec.Body)
	}
	if !strings.Contains(rec.Body.String(), "ephemeral") {
		t.Fatalf("/search should answer privately: %s", rec.Body)
	}
}
