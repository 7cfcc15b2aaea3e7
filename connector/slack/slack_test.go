package slack_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/connector/slack"
	"github.com/socialdesk/socialdesk/connector/slack/slackfake"
)

const (
	secret = "8f742231b10e8888abcd99yyyzzz85a5"
	token  = "xoxb-test-token"
	botID  = "U0BOT"
)

// recordingSink records deliveries. It fails while failures > 0, counting
// down, and dedupes on channel and external id like the pipeline.
type recordingSink struct {
	mu       sync.Mutex
	got      []connector.Inbound
	keys     map[string]int64
	failures int
	ticket   int64
	calls    int // Deliver calls, including duplicates and failures
}

func newSink() *recordingSink { return &recordingSink{keys: map[string]int64{}, ticket: 42} }

func (s *recordingSink) Deliver(_ context.Context, msg connector.Inbound) (connector.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.failures > 0 {
		s.failures--
		return connector.Receipt{}, errors.New("database unavailable")
	}
	key := msg.Channel + "\x00" + msg.ExternalID
	if id, ok := s.keys[key]; ok {
		return connector.Receipt{MessageID: id, TicketID: s.ticket, Duplicate: true}, nil
	}
	s.got = append(s.got, msg)
	s.keys[key] = int64(len(s.got))
	return connector.Receipt{MessageID: int64(len(s.got)), TicketID: s.ticket}, nil
}

func (s *recordingSink) deliverCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (s *recordingSink) delivered() []connector.Inbound {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]connector.Inbound(nil), s.got...)
}

// newFake returns a fake Slack seeded with the workspace the fixtures
// describe.
func newFake(t *testing.T) *slackfake.Server {
	t.Helper()
	f := slackfake.New(token, botID)
	t.Cleanup(f.Close)
	f.AddMessage("C0WATCH", slackfake.Message{TS: "1700000000.000100", User: "U0ALICE", Text: "The VPN drops every 10 minutes"})
	f.AddMessage("C0OTHER", slackfake.Message{TS: "1700000200.000300", User: "U0ALICE", Text: "Wifi in room 4 is down &amp; so is the TV"})
	f.AddMessage("C0OTHER", slackfake.Message{TS: "1700000250.000350", User: "U0BOB", Text: "Same on floor 2", ThreadTS: "1700000200.000300"})
	f.AddMessage("C0OTHER", slackfake.Message{TS: "1700000260.000360", BotID: "B0ALERT", Text: "ALERT: disk 95% on db1"})
	f.AddChannel("D0ALICE")
	f.AddUser(slackfake.User{ID: "U0ALICE", Name: "alice", RealName: "Alice Liddell", DisplayName: "ali", Email: "alice@example.com"})
	return f
}

type option func(*slack.Config)

func newConnector(t *testing.T, f *slackfake.Server, opts ...option) *slack.Connector {
	t.Helper()
	cfg := slack.Config{
		Name:            "slack",
		SigningSecret:   secret,
		BotToken:        token,
		APIURL:          f.URL(),
		BotUserID:       botID,
		WatchedChannels: []string{"C0WATCH"},
		Client:          f.Client(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := slack.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func handler(c *slack.Connector, sink connector.Sink) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.ServeWebhook(w, r, sink) })
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ts(sec, usec int64) time.Time { return time.Unix(sec, usec*1000).UTC() }

func TestFixtures(t *testing.T) {
	tests := []struct {
		file     string
		want     *connector.Inbound // nil: nothing delivered
		wantBody string             // substring of the answer body
	}{
		{file: "url_verification.json", wantBody: `"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"`},
		{file: "message_channel.json", want: &connector.Inbound{
			Channel: "slack", ExternalID: "C0WATCH:1700000000.000100", ThreadID: "C0WATCH:1700000000.000100",
			Author: connector.Author{ID: "U0ALICE"}, Text: "The VPN drops every 10 minutes & I can't work <help>",
			SentAt: ts(1700000000, 100), Visibility: connector.Private,
		}},
		{file: "thread_reply.json", want: &connector.Inbound{
			Channel: "slack", ExternalID: "C0WATCH:1700000100.000200", ReplyTo: "C0WATCH:1700000000.000100",
			ThreadID: "C0WATCH:1700000000.000100", Author: connector.Author{ID: "U0BOB"},
			Text: "Still happening after the reboot, <@U0BOT>", SentAt: ts(1700000100, 200),
			Visibility: connector.Private, Mentioned: true,
		}},
		{file: "dm.json", want: &connector.Inbound{
			Channel: "slack", ExternalID: "D0ALICE:1700000300.000400", ThreadID: "D0ALICE:1700000300.000400",
			Author: connector.Author{ID: "U0ALICE"}, Text: "Can you reset my password?", SentAt: ts(1700000300, 400),
			Visibility: connector.Direct, Mentioned: true,
		}},
		{file: "app_mention.json", want: &connector.Inbound{
			Channel: "slack", ExternalID: "C0OTHER:1700000400.000500", ThreadID: "C0OTHER:1700000400.000500",
			Author: connector.Author{ID: "U0BOB"}, Text: "<@U0BOT> the printer on floor 3 is jammed",
			SentAt: ts(1700000400, 500), Visibility: connector.Private, Mentioned: true,
		}},
		{file: "reaction_added.json", want: &connector.Inbound{
			Channel: "slack", ExternalID: "C0OTHER:1700000200.000300", ThreadID: "C0OTHER:1700000200.000300",
			Author: connector.Author{ID: "U0ALICE"}, Text: "Wifi in room 4 is down & so is the TV",
			SentAt: ts(1700000200, 300), Visibility: connector.Private, AsTicket: true,
		}},
		{file: "reaction_other.json"},
		{file: "bot_message.json"},
		{file: "own_message.json"},
		{file: "message_changed.json"},
		{file: "message_deleted.json"},
		{file: "message_unwatched.json"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := newFake(t)
			sink := newSink()
			c := newConnector(t, f)
			rec := slackfake.SendEvent(handler(c, sink), secret, slackfake.Event{Body: fixture(t, tt.file)})
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d: %s", rec.Code, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("body %q does not contain %q", rec.Body, tt.wantBody)
			}
			got := sink.delivered()
			if tt.want == nil {
				if len(got) != 0 {
					t.Fatalf("delivered %+v, want nothing", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("delivered %d messages, want 1", len(got))
			}
			if !reflect.DeepEqual(got[0], *tt.want) {
				t.Errorf("delivered\n %+v\nwant\n %+v", got[0], *tt.want)
			}
		})
	}
}

func TestSignature(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	body := fixture(t, "dm.json")
	tests := []struct {
		name   string
		at     time.Time
		secret string
		edit   func(http.Header)
		want   int
	}{
		{name: "good", at: now, secret: secret, want: 200},
		{name: "four minutes old", at: now.Add(-4 * time.Minute), secret: secret, want: 200},
		{name: "bad secret", at: now, secret: "wrong", want: 401},
		{name: "stale", at: now.Add(-6 * time.Minute), secret: secret, want: 401},
		{name: "future", at: now.Add(6 * time.Minute), secret: secret, want: 401},
		{name: "no signature", at: now, secret: secret, edit: func(h http.Header) { h.Del("X-Slack-Signature") }, want: 401},
		{name: "no timestamp", at: now, secret: secret, edit: func(h http.Header) { h.Del("X-Slack-Request-Timestamp") }, want: 401},
		{name: "timestamp changed", at: now, secret: secret, edit: func(h http.Header) { h.Set("X-Slack-Request-Timestamp", "1795867201") }, want: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			sink := newSink()
			c := newConnector(t, f, func(cfg *slack.Config) { cfg.Now = func() time.Time { return now } })
			h := handler(c, sink)
			if tt.edit != nil {
				inner := h
				h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					tt.edit(r.Header)
					inner.ServeHTTP(w, r)
				})
			}
			rec := slackfake.SendEvent(h, tt.secret, slackfake.Event{Body: body, At: tt.at})
			if rec.Code != tt.want {
				t.Fatalf("status = %d, want %d", rec.Code, tt.want)
			}
			if n := len(sink.delivered()); (tt.want == 200) != (n == 1) {
				t.Errorf("delivered %d messages with status %d", n, rec.Code)
			}
		})
	}
}

func TestSignMatchesFake(t *testing.T) {
	body := []byte(`{"type":"event_callback"}`)
	if got, want := slack.Sign(secret, "1700000000", body), slackfake.Sign(secret, "1700000000", body); got != want {
		t.Errorf("slack.Sign = %s, slackfake.Sign = %s", got, want)
	}
	// Slack's documented example request.
	docBody := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	want := "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	if got := slack.Sign("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", []byte(docBody)); got != want {
		t.Errorf("Sign(documented example) = %s, want %s", got, want)
	}
}

func TestRetriesIgnored(t *testing.T) {
	f := newFake(t)
	sink := newSink()
	c := newConnector(t, f)
	h := handler(c, sink)
	body := fixture(t, "message_channel.json")
	for i, retry := range []int{0, 1, 2} {
		rec := slackfake.SendEvent(h, secret, slackfake.Event{Body: body, RetryNum: retry})
		if rec.Code != http.StatusOK {
			t.Fatalf("attempt %d: status %d", i, rec.Code)
		}
	}
	if n := sink.deliverCalls(); n != 1 {
		t.Errorf("sink called %d times, want once: retries must not reach it", n)
	}
}

func TestSinkFailureAsksSlackToRetry(t *testing.T) {
	f := newFake(t)
	sink := newSink()
	sink.failures = 1
	c := newConnector(t, f)
	h := handler(c, sink)
	body := fixture(t, "message_channel.json")
	if rec := slackfake.SendEvent(h, secret, slackfake.Event{Body: body}); rec.Code != http.StatusInternalServerError {
		t.Fatalf("first attempt: status %d, want 500", rec.Code)
	}
	if rec := slackfake.SendEvent(h, secret, slackfake.Event{Body: body, RetryNum: 1}); rec.Code != http.StatusOK {
		t.Fatalf("retry: status %d, want 200", rec.Code)
	}
	if n := len(sink.delivered()); n != 1 {
		t.Errorf("delivered %d times, want once", n)
	}
}

func TestReactionOnThreadReplyAndBotPost(t *testing.T) {
	tests := []struct {
		ts         string
		wantAuthor string
		wantReply  string
	}{
		{"1700000250.000350", "U0BOB", "C0OTHER:1700000200.000300"},
		{"1700000260.000360", "B0ALERT", ""},
	}
	for _, tt := range tests {
		t.Run(tt.ts, func(t *testing.T) {
			f := newFake(t)
			sink := newSink()
			c := newConnector(t, f, func(cfg *slack.Config) { cfg.TicketEmoji = ":ticket:" })
			body := strings.Replace(string(fixture(t, "reaction_added.json")), "1700000200.000300", tt.ts, 1)
			rec := slackfake.SendEvent(handler(c, sink), secret, slackfake.Event{Body: []byte(body)})
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			got := sink.delivered()
			if len(got) != 1 {
				t.Fatalf("delivered %d", len(got))
			}
			m := got[0]
			if m.ExternalID != "C0OTHER:"+tt.ts || m.Author.ID != tt.wantAuthor || m.ReplyTo != tt.wantReply || !m.AsTicket {
				t.Errorf("delivered %+v", m)
			}
		})
	}
}

func TestReactionFetchFailure(t *testing.T) {
	f := newFake(t)
	sink := newSink()
	c := newConnector(t, f)
	f.RateLimit("conversations.history", 1, 2)
	h := handler(c, sink)
	body := fixture(t, "reaction_added.json")
	if rec := slackfake.SendEvent(h, secret, slackfake.Event{Body: body}); rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500 so Slack retries", rec.Code)
	}
	if rec := slackfake.SendEvent(h, secret, slackfake.Event{Body: body, RetryNum: 1}); rec.Code != http.StatusOK {
		t.Fatalf("retry status %d", rec.Code)
	}
	if n := len(sink.delivered()); n != 1 {
		t.Errorf("delivered %d, want 1", n)
	}
	// A reaction on a message that no longer exists is dropped.
	gone := strings.Replace(string(body), "1700000200.000300", "1600000000.000001", 1)
	gone = strings.Replace(gone, "Ev0REACT01", "Ev0REACT09", 1)
	if rec := slackfake.SendEvent(h, secret, slackfake.Event{Body: []byte(gone)}); rec.Code != http.StatusOK {
		t.Fatalf("missing message: status %d", rec.Code)
	}
	if n := len(sink.delivered()); n != 1 {
		t.Errorf("delivered %d after a reaction on a missing message", n)
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []slack.Config{
		{SigningSecret: "s", BotToken: "t"},
		{Name: "n", BotToken: "t"},
		{Name: "n", SigningSecret: "s"},
	} {
		if _, err := slack.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted a bad config", cfg)
		}
	}
}
