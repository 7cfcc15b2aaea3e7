package slackfake_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/socialdesk/socialdesk/connector/slack/slackfake"
)

type answer struct {
	OK       bool                `json:"ok"`
	Error    string              `json:"error"`
	Channel  string              `json:"channel"`
	TS       string              `json:"ts"`
	Messages []slackfake.Message `json:"messages"`
	UserID   string              `json:"user_id"`
}

func call(t *testing.T, s *slackfake.Server, token, method string, params url.Values) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL()+method, strings.NewReader(params.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return a
}

func seeded(t *testing.T) *slackfake.Server {
	s := slackfake.New("xoxb-1", "U0BOT")
	t.Cleanup(s.Close)
	for _, m := range []slackfake.Message{
		{TS: "1700000003.000000", User: "U1", Text: "third"},
		{TS: "1700000001.000000", User: "U1", Text: "first"},
		{TS: "1700000002.000000", User: "U2", Text: "reply", ThreadTS: "1700000001.000000"},
		{TS: "1700000002.500000", User: "U1", Text: "second"},
	} {
		s.AddMessage("C1", m)
	}
	return s
}

func texts(ms []slackfake.Message) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Text)
	}
	return strings.Join(out, ",")
}

func TestHistory(t *testing.T) {
	s := seeded(t)
	tests := []struct {
		params url.Values
		want   string
	}{
		{url.Values{"channel": {"C1"}}, "third,second,first"},
		{url.Values{"channel": {"C1"}, "latest": {"1700000002.5"}, "inclusive": {"true"}, "limit": {"1"}}, "second"},
		{url.Values{"channel": {"C1"}, "latest": {"1700000002.500000"}, "limit": {"1"}}, "first"},
		{url.Values{"channel": {"C1"}, "oldest": {"1700000001.000000"}}, "third,second"},
	}
	for _, tt := range tests {
		a := call(t, s, "xoxb-1", "conversations.history", tt.params)
		if !a.OK || texts(a.Messages) != tt.want {
			t.Errorf("history %v = %v %q, want %q", tt.params, a.OK, texts(a.Messages), tt.want)
		}
	}
	if a := call(t, s, "xoxb-1", "conversations.history", url.Values{"channel": {"C9"}}); a.Error != "channel_not_found" {
		t.Errorf("unknown channel: %+v", a)
	}
}

func TestReplies(t *testing.T) {
	s := seeded(t)
	for _, ts := range []string{"1700000001.000000", "1700000002.000000"} {
		a := call(t, s, "xoxb-1", "conversations.replies", url.Values{"channel": {"C1"}, "ts": {ts}})
		if !a.OK || texts(a.Messages) != "first,reply" {
			t.Errorf("replies ts=%s = %q, want parent then reply", ts, texts(a.Messages))
		}
	}
}

func TestAuthAndPosting(t *testing.T) {
	s := seeded(t)
	if a := call(t, s, "", "auth.test", nil); a.Error != "not_authed" {
		t.Errorf("no token: %+v", a)
	}
	if a := call(t, s, "xoxb-2", "auth.test", nil); a.Error != "invalid_auth" {
		t.Errorf("wrong token: %+v", a)
	}
	if a := call(t, s, "xoxb-1", "auth.test", nil); !a.OK || a.UserID != "U0BOT" {
		t.Errorf("auth.test: %+v", a)
	}
	a := call(t, s, "xoxb-1", "chat.postMessage", url.Values{"channel": {"C1"}, "text": {"hi"}, "thread_ts": {"1700000001.000000"}})
	if !a.OK || a.Channel != "C1" || a.TS == "" {
		t.Fatalf("post: %+v", a)
	}
	p := s.Posted()
	if len(p) != 1 || p[0].TS != a.TS || p[0].ThreadTS != "1700000001.000000" || p[0].Text != "hi" {
		t.Errorf("Posted = %+v", p)
	}
	r := call(t, s, "xoxb-1", "conversations.replies", url.Values{"channel": {"C1"}, "ts": {"1700000001.000000"}})
	if texts(r.Messages) != "first,reply,hi" {
		t.Errorf("thread after post = %q", texts(r.Messages))
	}
	if a := call(t, s, "xoxb-1", "chat.postMessage", url.Values{"channel": {"C1"}, "text": {"x"}, "thread_ts": {"1.0"}}); a.Error != "thread_not_found" {
		t.Errorf("unknown thread: %+v", a)
	}
}

func TestRateLimit(t *testing.T) {
	s := seeded(t)
	s.RateLimit("auth.test", 1, 3)
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"auth.test", nil)
	req.Header.Set("Authorization", "Bearer xoxb-1")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "3" {
		t.Errorf("status %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if a := call(t, s, "xoxb-1", "auth.test", nil); !a.OK {
		t.Errorf("second call still limited: %+v", a)
	}
	if n := s.Calls("auth.test"); n != 2 {
		t.Errorf("Calls = %d, want 2", n)
	}
}
