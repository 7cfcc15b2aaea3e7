package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/socialdesk/socialdesk/connector"
)

// fakeAPI is a small in-process stand-in for a Mastodon server, for the
// paging, visibility and stream-merging rules that are hard to provoke on
// a real one.
type fakeAPI struct {
	t     *testing.T
	srv   *httptest.Server
	token string

	mu            sync.Mutex
	notifications []notification // oldest first
	statuses      map[string]status
	posted        []postedStatus
	requests      []string
	streamed      chan string // messages to send on the next stream
}

type postedStatus struct {
	body           map[string]any
	idempotencyKey string
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, token: "tok", statuses: map[string]status{}, streamed: make(chan string, 16)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) connector(t *testing.T, cfg Config) *Connector {
	t.Helper()
	cfg.Name = "fedi"
	cfg.BaseURL = f.srv.URL
	cfg.AccessToken = f.token
	c, err := New(cfg, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fakeAPI) addMention(id int, st status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statuses[st.ID] = st
	stCopy := st
	f.notifications = append(f.notifications, notification{ID: strconv.Itoa(id), Type: "mention", Status: &stCopy})
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	f.mu.Unlock()
	if r.URL.Path == "/api/v1/streaming" {
		f.serveStream(w, r)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.URL.Path == "/api/v1/accounts/verify_credentials":
		writeJSON(w, account{ID: deskID, Username: "helpdesk", Acct: "helpdesk"})
	case r.URL.Path == "/api/v1/notifications":
		writeJSON(w, page(f.notifications, func(n notification) string { return n.ID }, r))
	case strings.HasPrefix(r.URL.Path, "/api/v1/timelines/tag/"):
		writeJSON(w, []status{})
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/statuses":
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.posted = append(f.posted, postedStatus{body: body, idempotencyKey: r.Header.Get("Idempotency-Key")})
		writeJSON(w, status{ID: fmt.Sprintf("9%03d", len(f.posted))})
	case strings.HasSuffix(r.URL.Path, "/context"):
		writeJSON(w, map[string]any{"ancestors": []status{{ID: "100"}, {ID: "101"}}})
	case strings.HasPrefix(r.URL.Path, "/api/v1/statuses/"):
		st, ok := f.statuses[strings.TrimPrefix(r.URL.Path, "/api/v1/statuses/")]
		if !ok {
			http.Error(w, `{"error":"Record not found"}`, http.StatusNotFound)
			return
		}
		writeJSON(w, st)
	default:
		http.NotFound(w, r)
	}
}

// page answers like Mastodon: with min_id, the limit items just after it;
// without, the newest limit items; newest first either way.
func page[T any](all []T, id func(T) string, r *http.Request) []T {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 {
		limit = 20
	}
	var sel []T
	if min := r.URL.Query().Get("min_id"); min != "" {
		for _, x := range all {
			if compareIDs(id(x), min) > 0 && len(sel) < limit {
				sel = append(sel, x)
			}
		}
	} else {
		sel = append(sel, all[max(0, len(all)-limit):]...)
	}
	slices.Reverse(sel)
	return sel
}

func (f *fakeAPI) serveStream(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("access_token") != f.token {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	// The request context does not end when a hijacked connection
	// closes; CloseRead's does.
	ctx := conn.CloseRead(r.Context())
	if r.URL.Query().Get("stream") != "user" {
		<-ctx.Done()
		return
	}
	for {
		select {
		case msg := <-f.streamed:
			if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func mentionStatus(id, visibility string, sensitive bool) status {
	return status{
		ID: id, Visibility: visibility, Sensitive: sensitive, Content: "<p>@helpdesk help " + id + "</p>",
		Account:  account{ID: "7", Username: "ann", Acct: "ann@other.example", URL: "https://other.example/@ann"},
		Mentions: []mention{{ID: deskID, Acct: "helpdesk"}},
	}
}

func TestPollPagesOldestFirstAndResumes(t *testing.T) {
	f := newFakeAPI(t)
	for i := 1; i <= 3; i++ {
		f.addMention(100+i, mentionStatus(strconv.Itoa(500+i), "public", false))
	}
	cur := &memCursor{}
	c := f.connector(t, Config{Cursor: cur})
	sink := newRecorder()
	if err := c.Poll(t.Context(), sink); err != nil {
		t.Fatal(err)
	}
	if got := ids(sink.all()); !slices.Equal(got, []string{"501", "502", "503"}) {
		t.Fatalf("first poll delivered %q", got)
	}

	// More than a page arrives while the connector is down.
	for i := 4; i <= 4+pageLimit+5; i++ {
		f.addMention(100+i, mentionStatus(strconv.Itoa(500+i), "public", false))
	}
	if err := f.connector(t, Config{Cursor: cur}).Poll(t.Context(), sink); err != nil {
		t.Fatal(err)
	}
	got := ids(sink.all())
	if len(got) != 4+pageLimit+5 {
		t.Fatalf("delivered %d statuses, want %d", len(got), 4+pageLimit+5)
	}
	for i, id := range got {
		if want := strconv.Itoa(501 + i); id != want {
			t.Fatalf("delivery %d is %s, want %s (in order, once each)", i, id, want)
		}
	}
	if v, _ := cur.Load(t.Context(), notificationsKey); v != strconv.Itoa(100+4+pageLimit+5) {
		t.Errorf("cursor = %q", v)
	}
	// Thread roots come from the status context.
	if m := sink.all()[0]; m.ThreadID != "501" || !m.Mentioned {
		t.Errorf("root status ThreadID=%q Mentioned=%v", m.ThreadID, m.Mentioned)
	}
}

func TestSendVisibilityAndMention(t *testing.T) {
	f := newFakeAPI(t)
	f.statuses["1"] = mentionStatus("1", "public", false)
	f.statuses["2"] = mentionStatus("2", "unlisted", false)
	f.statuses["3"] = mentionStatus("3", "public", true)
	f.statuses["4"] = mentionStatus("4", "direct", false)

	tests := []struct {
		policy  string
		replyTo string
		asked   connector.Visibility
		want    string
	}{
		{"", "1", "", "public"},
		{"", "2", connector.Public, "unlisted"},
		{"", "3", "", "direct"},         // sensitive
		{"private", "1", "", "private"}, // policy caps visibility
		{"public", "4", "", "direct"},   // never more public than the post
		{"", "1", connector.Direct, "direct"},
		{"", "", "", "direct"}, // a new conversation defaults to direct
	}
	for i, tt := range tests {
		c := f.connector(t, Config{Visibility: tt.policy, AccountID: deskID})
		_, err := c.Send(t.Context(), connector.Outbound{
			ReplyTo: tt.replyTo, Text: fmt.Sprintf("answer %d", i), Visibility: tt.asked,
			To: connector.Author{ID: "ann@other.example", Handle: "@ann@other.example"},
		})
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		p := f.posted[len(f.posted)-1]
		if p.body["visibility"] != tt.want {
			t.Errorf("case %d (policy %q, reply to %q, asked %q): visibility %v, want %s", i, tt.policy, tt.replyTo, tt.asked, p.body["visibility"], tt.want)
		}
		if want := fmt.Sprintf("@ann@other.example answer %d", i); p.body["status"] != want {
			t.Errorf("case %d: status %q, want %q", i, p.body["status"], want)
		}
		if tt.replyTo != "" && p.body["in_reply_to_id"] != tt.replyTo {
			t.Errorf("case %d: in_reply_to_id %v", i, p.body["in_reply_to_id"])
		}
	}

	// Retrying the same reply reuses the Idempotency-Key; another text
	// gets a new one.
	c := f.connector(t, Config{AccountID: deskID})
	out := connector.Outbound{ReplyTo: "1", Text: "same"}
	for range 2 {
		if _, err := c.Send(t.Context(), out); err != nil {
			t.Fatal(err)
		}
	}
	out.Text = "different"
	if _, err := c.Send(t.Context(), out); err != nil {
		t.Fatal(err)
	}
	n := len(f.posted)
	k1, k2, k3 := f.posted[n-3].idempotencyKey, f.posted[n-2].idempotencyKey, f.posted[n-1].idempotencyKey
	if k1 == "" || k1 != k2 || k1 == k3 {
		t.Errorf("Idempotency-Keys %q %q %q: want the first two equal and the third different", k1, k2, k3)
	}

	// An unknown status is an API error, not a silent post.
	_, err := c.Send(t.Context(), connector.Outbound{ReplyTo: "404", Text: "x"})
	var apiErr *APIError
	if !asAPIError(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Errorf("Send to unknown status = %v, want a 404 APIError", err)
	}
}

func TestStreamSkipsWhatCatchUpDelivered(t *testing.T) {
	f := newFakeAPI(t)
	f.addMention(201, mentionStatus("601", "public", false))
	c := f.connector(t, Config{Cursor: &memCursor{}})
	sink := newRecorder()

	// The stream repeats the notification the catch-up poll delivers, then
	// sends a new one.
	old := streamNotification(t, "201", mentionStatus("601", "public", false))
	fresh := streamNotification(t, "202", mentionStatus("602", "direct", false))
	f.streamed <- old
	f.streamed <- `{"event":"delete","payload":"601"}`
	f.streamed <- fresh

	ctx, cancel := contextWithTimeout(t, 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Stream(ctx, sink) }()
	if m := sink.wait(t, 5*time.Second); m.ExternalID != "601" {
		t.Fatalf("first delivery %s, want 601 from the catch-up poll", m.ExternalID)
	}
	m := sink.wait(t, 5*time.Second)
	if m.ExternalID != "602" || m.Visibility != connector.Direct || !m.Mentioned {
		t.Fatalf("streamed delivery %+v, want direct mention 602", m)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Stream = %v after cancel", err)
	}
	if got := ids(sink.all()); !slices.Equal(got, []string{"601", "602"}) {
		t.Errorf("delivered %q, want each once", got)
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []Config{
		{BaseURL: "https://x.example", AccessToken: "t"},
		{Name: "n", BaseURL: "https://x.example"},
		{Name: "n", BaseURL: "ftp://x.example", AccessToken: "t"},
		{Name: "n", BaseURL: "https://x.example", AccessToken: "t", Visibility: "friends"},
	} {
		if _, err := New(cfg, nil); err == nil {
			t.Errorf("New(%+v) accepted a bad config", cfg)
		}
	}
	c, err := New(Config{Name: "n", BaseURL: "https://x.example/", AccessToken: "t", Hashtags: []string{"#Help", " ", "it"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.cfg.Hashtags, []string{"Help", "it"}) {
		t.Errorf("Hashtags = %q", c.cfg.Hashtags)
	}
	eq(t, "Kind", c.Kind(), "mastodon")
}

func streamNotification(t *testing.T, id string, st status) string {
	t.Helper()
	payload, err := json.Marshal(notification{ID: id, Type: "mention", Status: &st})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := json.Marshal(streamMessage{Stream: []string{"user"}, Event: "notification", Payload: string(payload)})
	if err != nil {
		t.Fatal(err)
	}
	return string(msg)
}

func ids(ms []connector.Inbound) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ExternalID)
	}
	return out
}

func asAPIError(err error, target **APIError) bool { return errors.As(err, target) }

func contextWithTimeout(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), d)
}

func TestReplyGetsThreadRootFromContext(t *testing.T) {
	f := newFakeAPI(t)
	st := mentionStatus("700", "public", false)
	st.InReplyToID = "101"
	f.addMention(300, st)
	sink := newRecorder()
	if err := f.connector(t, Config{}).Poll(t.Context(), sink); err != nil {
		t.Fatal(err)
	}
	m := sink.wait(t, time.Second)
	eq(t, "ReplyTo", m.ReplyTo, "101")
	// The fake's context lists ancestors 100 then 101; the root is 100.
	eq(t, "ThreadID", m.ThreadID, "100")
}
