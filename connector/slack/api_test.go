package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/connector/slack"
	"github.com/socialdesk/socialdesk/connector/slack/slackfake"
)

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		file        string
		wantChannel string
		wantThread  string
	}{
		{"message_channel.json", "C0WATCH", "1700000000.000100"},
		{"thread_reply.json", "C0WATCH", "1700000000.000100"},
		{"dm.json", "D0ALICE", "1700000300.000400"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := newFake(t)
			if tt.wantChannel == "D0ALICE" {
				f.AddMessage("D0ALICE", slackfake.Message{TS: "1700000300.000400", User: "U0ALICE", Text: "Can you reset my password?"})
			}
			sink := newSink()
			c := newConnector(t, f)
			rec := slackfake.SendEvent(handler(c, sink), secret, slackfake.Event{Body: fixture(t, tt.file)})
			if rec.Code != http.StatusOK || len(sink.delivered()) != 1 {
				t.Fatalf("event: status %d, delivered %d", rec.Code, len(sink.delivered()))
			}
			in := sink.delivered()[0]
			id, err := c.Send(context.Background(), connector.Outbound{
				ReplyTo: in.ExternalID, ThreadID: in.ThreadID, To: in.Author,
				Text: "Try the new client <v2> & reconnect", Visibility: in.Visibility,
			})
			if err != nil {
				t.Fatal(err)
			}
			posted := f.Posted()
			if len(posted) != 1 {
				t.Fatalf("fake saw %d posts, want 1", len(posted))
			}
			p := posted[0]
			if p.Channel != tt.wantChannel || p.ThreadTS != tt.wantThread {
				t.Errorf("posted to %s thread %s, want %s thread %s", p.Channel, p.ThreadTS, tt.wantChannel, tt.wantThread)
			}
			if p.Text != "Try the new client &lt;v2&gt; &amp; reconnect" {
				t.Errorf("posted text %q is not escaped for Slack", p.Text)
			}
			if id != p.Channel+":"+p.TS {
				t.Errorf("Send returned %q, want %q", id, p.Channel+":"+p.TS)
			}
		})
	}
}

func TestSendTargets(t *testing.T) {
	tests := []struct {
		name        string
		msg         connector.Outbound
		wantChannel string
		wantThread  string
	}{
		{"thread id", connector.Outbound{ThreadID: "C0OTHER:1700000200.000300", Text: "x"}, "C0OTHER", "1700000200.000300"},
		{"reply to only", connector.Outbound{ReplyTo: "C0OTHER:1700000200.000300", Text: "x"}, "C0OTHER", "1700000200.000300"},
		{"channel only", connector.Outbound{ThreadID: "C0OTHER", Text: "x"}, "C0OTHER", ""},
		{"recipient only", connector.Outbound{To: connector.Author{ID: "U0ALICE"}, Text: "x"}, "D0ALICE", ""},
		{"direct reply to a channel message", connector.Outbound{ThreadID: "C0OTHER:1700000200.000300", To: connector.Author{ID: "U0ALICE"}, Visibility: connector.Direct, Text: "x"}, "D0ALICE", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			c := newConnector(t, f)
			if _, err := c.Send(context.Background(), tt.msg); err != nil {
				t.Fatal(err)
			}
			p := f.Posted()
			if len(p) != 1 || p[0].Channel != tt.wantChannel || p[0].ThreadTS != tt.wantThread {
				t.Errorf("posted %+v, want channel %s thread %q", p, tt.wantChannel, tt.wantThread)
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f)
	ctx := context.Background()

	if _, err := c.Send(ctx, connector.Outbound{Text: "x"}); err == nil {
		t.Error("Send with no target succeeded")
	}
	_, err := c.Send(ctx, connector.Outbound{ThreadID: "C0NOPE:1.2", Text: "x"})
	var apiErr *slack.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "channel_not_found" || apiErr.Method != "chat.postMessage" {
		t.Errorf("unknown channel: err = %v, want APIError channel_not_found", err)
	}

	bad := newConnector(t, f, func(cfg *slack.Config) { cfg.BotToken = "xoxb-wrong" })
	_, err = bad.Send(ctx, connector.Outbound{ThreadID: "C0OTHER", Text: "x"})
	if !errors.As(err, &apiErr) || apiErr.Code != "invalid_auth" {
		t.Errorf("wrong token: err = %v, want APIError invalid_auth", err)
	}
	if len(f.Posted()) != 0 {
		t.Errorf("fake recorded posts for failed calls: %+v", f.Posted())
	}
}

func TestSendRateLimited(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f)
	f.RateLimit("chat.postMessage", 1, 7)
	msg := connector.Outbound{ThreadID: "C0OTHER:1700000200.000300", Text: "x"}
	_, err := c.Send(context.Background(), msg)
	var rl *slack.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want RateLimitError", err)
	}
	if rl.RetryAfter != 7*time.Second || rl.Method != "chat.postMessage" {
		t.Errorf("RateLimitError = %+v, want 7s on chat.postMessage", rl)
	}
	if _, err := c.Send(context.Background(), msg); err != nil {
		t.Fatalf("after the limit: %v", err)
	}
	if n := len(f.Posted()); n != 1 {
		t.Errorf("posted %d, want 1", n)
	}
}

func TestReact(t *testing.T) {
	f := newFake(t)
	c := newConnector(t, f)
	ctx := context.Background()
	for range 2 { // the second call finds the reaction already there
		if err := c.React(ctx, "C0OTHER:1700000200.000300", ":eyes:"); err != nil {
			t.Fatal(err)
		}
	}
	want := []slackfake.Reaction{{Channel: "C0OTHER", Timestamp: "1700000200.000300", Name: "eyes"}}
	if got := f.Reactions(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("reactions = %+v, want %+v", got, want)
	}
	if err := c.React(ctx, "C0OTHER", "eyes"); err == nil {
		t.Error("React accepted an id without ts")
	}
	var apiErr *slack.APIError
	if err := c.React(ctx, "C0OTHER:1.000001", "eyes"); !errors.As(err, &apiErr) || apiErr.Code != "message_not_found" {
		t.Errorf("React on a missing message: %v", err)
	}
}

func TestProfile(t *testing.T) {
	f := newFake(t)
	f.AddUser(slackfake.User{ID: "U0NONAME", Name: "bob", DisplayName: "Bobby"})
	c := newConnector(t, f)
	tests := []struct {
		id   string
		want connector.Author
	}{
		{"U0ALICE", connector.Author{ID: "U0ALICE", Name: "Alice Liddell", Email: "alice@example.com", Handle: "alice"}},
		{"U0NONAME", connector.Author{ID: "U0NONAME", Name: "Bobby", Handle: "bob"}},
	}
	for _, tt := range tests {
		got, err := c.Profile(context.Background(), tt.id)
		if err != nil || got != tt.want {
			t.Errorf("Profile(%s) = %+v, %v; want %+v", tt.id, got, err, tt.want)
		}
	}
	var apiErr *slack.APIError
	if _, err := c.Profile(context.Background(), "U0GHOST"); !errors.As(err, &apiErr) || apiErr.Code != "user_not_found" {
		t.Errorf("unknown user: err = %v", err)
	}
}

// commandAnswer decodes a slash command answer.
func commandAnswer(t *testing.T, body []byte) (responseType, text string) {
	t.Helper()
	var a struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("answer %q: %v", body, err)
	}
	return a.ResponseType, a.Text
}

func TestAskCommand(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	f := newFake(t)
	sink := newSink()
	c := newConnector(t, f, func(cfg *slack.Config) { cfg.Now = func() time.Time { return now } })
	h := handler(c, sink)
	rec := slackfake.SendEvent(h, secret, slackfake.Event{
		Body: fixture(t, "slash_ask.txt"), ContentType: "application/x-www-form-urlencoded", At: now,
	})
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	typ, text := commandAnswer(t, rec.Body.Bytes())
	if typ != "ephemeral" || !strings.Contains(text, "Logged") || !strings.Contains(text, "42") {
		t.Errorf("answer = %s %q, want ephemeral naming ticket 42", typ, text)
	}
	got := sink.delivered()
	if len(got) != 1 {
		t.Fatalf("delivered %d", len(got))
	}
	want := connector.Inbound{
		Channel: "slack", ExternalID: "C0OTHER:ask:13345224609.738474920.8088930838d88f008e0",
		Author: connector.Author{ID: "U0ALICE", Handle: "alice"}, Text: "my laptop won't boot & smells odd",
		SentAt: now, Visibility: connector.Direct, Mentioned: true, AsTicket: true,
	}
	if fmt.Sprintf("%+v", got[0]) != fmt.Sprintf("%+v", want) {
		t.Errorf("delivered\n %+v\nwant\n %+v", got[0], want)
	}
	// The desk's reply to an /ask reaches the user by direct message.
	if _, err := c.Send(context.Background(), connector.Outbound{ReplyTo: got[0].ExternalID, ThreadID: got[0].ThreadID, To: got[0].Author, Visibility: got[0].Visibility, Text: "On it"}); err != nil {
		t.Fatal(err)
	}
	if p := f.Posted(); len(p) != 1 || p[0].Channel != "D0ALICE" {
		t.Errorf("reply posted %+v, want a DM to Alice", p)
	}
}

func TestAskCommandFailures(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		failures int
		wantText string
	}{
		{"empty question", "command=%2Fask&text=+&user_id=U0ALICE&trigger_id=t1&channel_id=C0OTHER", 0, "add your question"},
		{"sink down", "command=%2Fask&text=help&user_id=U0ALICE&trigger_id=t1&channel_id=C0OTHER", 1, "could not be logged"},
		{"unknown command", "command=%2Fdance&text=now&user_id=U0ALICE&trigger_id=t1", 0, "/dance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			sink := newSink()
			sink.failures = tt.failures
			c := newConnector(t, f)
			rec := slackfake.SendEvent(handler(c, sink), secret, slackfake.Event{Body: []byte(tt.body), ContentType: "application/x-www-form-urlencoded"})
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			typ, text := commandAnswer(t, rec.Body.Bytes())
			if typ != "ephemeral" || !strings.Contains(text, tt.wantText) {
				t.Errorf("answer %s %q, want it to contain %q", typ, text, tt.wantText)
			}
			if n := len(sink.delivered()); n != 0 {
				t.Errorf("delivered %d", n)
			}
		})
	}
}

func TestSearchCommand(t *testing.T) {
	hits := make([]slack.SearchHit, 7)
	for i := range hits {
		hits[i] = slack.SearchHit{Title: fmt.Sprintf("VPN guide %d", i+1), URL: fmt.Sprintf("https://desk.example/kb/%d", i+1)}
	}
	tests := []struct {
		name      string
		search    slack.Searcher
		wantIn    []string
		wantNotIn []string
	}{
		{"five of seven hits", func(_ context.Context, user, q string) ([]slack.SearchHit, error) {
			if user != "U0ALICE" || q != "vpn" {
				return nil, fmt.Errorf("unexpected user %q query %q", user, q)
			}
			return hits, nil
		}, []string{"<https://desk.example/kb/1|VPN guide 1>", "<https://desk.example/kb/5|VPN guide 5>"}, []string{"VPN guide 6", "failed"}},
		{"no hits", func(context.Context, string, string) ([]slack.SearchHit, error) { return nil, nil }, []string{"Nothing found"}, nil},
		{"search fails", func(context.Context, string, string) ([]slack.SearchHit, error) { return nil, errors.New("index down") }, []string{"search failed"}, []string{"index down"}},
		{"title escaped", func(context.Context, string, string) ([]slack.SearchHit, error) {
			return []slack.SearchHit{{Title: "a <b> & c|d", URL: "javascript:alert(1)"}}, nil
		}, []string{"a &lt;b&gt; &amp; c-d"}, []string{"javascript", "<b>"}},
		{"not configured", nil, []string{"not available"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			sink := newSink()
			c := newConnector(t, f, func(cfg *slack.Config) { cfg.Searcher = tt.search })
			rec := slackfake.SendEvent(handler(c, sink), secret, slackfake.Event{
				Body: fixture(t, "slash_search.txt"), ContentType: "application/x-www-form-urlencoded",
			})
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			typ, text := commandAnswer(t, rec.Body.Bytes())
			if typ != "ephemeral" {
				t.Errorf("response_type %q", typ)
			}
			for _, s := range tt.wantIn {
				if !strings.Contains(text, s) {
					t.Errorf("answer %q lacks %q", text, s)
				}
			}
			for _, s := range tt.wantNotIn {
				if strings.Contains(text, s) {
					t.Errorf("answer %q contains %q", text, s)
				}
			}
			if n := len(sink.delivered()); n != 0 {
				t.Errorf("search delivered %d messages", n)
			}
		})
	}
}

func FuzzEventPayload(f *testing.F) {
	for _, name := range []string{"url_verification.json", "message_channel.json", "thread_reply.json", "dm.json",
		"app_mention.json", "reaction_added.json", "bot_message.json", "message_changed.json"} {
		f.Add(fixture(f, name), false)
	}
	f.Add(fixture(f, "slash_ask.txt"), true)
	f.Add([]byte(`{"type":"event_callback","event":{"type":"message","channel":"D1","user":"U1","ts":"x.y"}}`), false)
	f.Add([]byte(`{"type":"event_callback","event_id":"E1","event":{"type":"app_mention","channel":"C1","user":"U1","ts":"1.2","text":"<@U0BOT|desk> hi"}}`), false)
	fake := slackfake.New(token, botID)
	defer fake.Close()
	fake.AddMessage("C0OTHER", slackfake.Message{TS: "1700000200.000300", User: "U0ALICE", Text: "hi"})
	f.Fuzz(func(t *testing.T, body []byte, form bool) {
		sink := newSink()
		c, err := slack.New(slack.Config{
			Name: "slack", SigningSecret: secret, BotToken: token, APIURL: fake.URL(),
			BotUserID: botID, WatchedChannels: []string{"C0WATCH"}, Client: fake.Client(),
			Searcher: func(context.Context, string, string) ([]slack.SearchHit, error) {
				return []slack.SearchHit{{Title: "t", URL: "https://x.test/"}}, nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		ct := "application/json"
		if form {
			ct = "application/x-www-form-urlencoded"
		}
		rec := slackfake.SendEvent(handler(c, sink), secret, slackfake.Event{Body: body, ContentType: ct})
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest:
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		for _, m := range sink.delivered() {
			channel, ts, _ := strings.Cut(m.ExternalID, ":")
			if m.Channel != "slack" || channel == "" || ts == "" || m.Author.ID == "" || m.SentAt.IsZero() {
				t.Fatalf("delivered an incomplete message %+v", m)
			}
		}
		// Unsigned, the same body must never be delivered.
		other := newSink()
		rec = slackfake.SendEvent(handler(c, other), "not the secret", slackfake.Event{Body: body, ContentType: ct})
		if rec.Code != http.StatusUnauthorized || len(other.delivered()) != 0 {
			t.Fatalf("bad signature: status %d, delivered %d", rec.Code, len(other.delivered()))
		}
	})
}

func TestSendIgnoresMalformedIDs(t *testing.T) {
	tests := []struct {
		name        string
		msg         connector.Outbound
		wantChannel string
		wantThread  string
	}{
		{"ask id, public", connector.Outbound{ReplyTo: "C0OTHER:ask:123.456.abc", Text: "x"}, "C0OTHER", ""},
		{"ask id, direct", connector.Outbound{ReplyTo: "C0OTHER:ask:123.456.abc", To: connector.Author{ID: "U0ALICE"}, Visibility: connector.Direct, Text: "x"}, "D0ALICE", ""},
		{"garbage thread falls back to recipient", connector.Outbound{ThreadID: "not an id", To: connector.Author{ID: "U0ALICE"}, Text: "x"}, "D0ALICE", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			c := newConnector(t, f)
			if _, err := c.Send(context.Background(), tt.msg); err != nil {
				t.Fatal(err)
			}
			p := f.Posted()
			if len(p) != 1 || p[0].Channel != tt.wantChannel || p[0].ThreadTS != tt.wantThread {
				t.Errorf("posted %+v, want channel %s thread %q", p, tt.wantChannel, tt.wantThread)
			}
		})
	}
	f := newFake(t)
	c := newConnector(t, f)
	if err := c.React(context.Background(), "C0OTHER:ask:123.456.abc", "eyes"); err == nil {
		t.Error("React accepted a slash command id")
	}
}
