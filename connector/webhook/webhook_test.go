package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/connector/webhook"
)

var (
	secret = []byte("s3cret")
	now    = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
)

// recordingSink records every delivered message and answers with a fixed
// receipt or error.
type recordingSink struct {
	mu      sync.Mutex
	got     []connector.Inbound
	receipt connector.Receipt
	err     error
}

func (s *recordingSink) Deliver(_ context.Context, msg connector.Inbound) (connector.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return connector.Receipt{}, s.err
	}
	s.got = append(s.got, msg)
	return s.receipt, nil
}

func (s *recordingSink) delivered() []connector.Inbound {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]connector.Inbound(nil), s.got...)
}

func newConnector(t testing.TB, maxBody int64) *webhook.Connector {
	t.Helper()
	c, err := webhook.New(webhook.Config{
		Name: "hooks", Secret: secret, MaxBody: maxBody,
		Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func post(c *webhook.Connector, sink connector.Sink, body string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/hooks/hooks", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	c.ServeWebhook(rec, req, sink)
	return rec
}

func signed(body string) map[string]string {
	return map[string]string{webhook.SignatureHeader: webhook.Sign(secret, []byte(body))}
}

func signedAt(body string, at time.Time) map[string]string {
	ts := strconv.FormatInt(at.Unix(), 10)
	return map[string]string{
		webhook.TimestampHeader: ts,
		webhook.SignatureHeader: webhook.SignTimestamp(secret, ts, []byte(body)),
	}
}

const valid = `{"external_id":"e1","author":{"id":"u1","name":"Ada"},"text":"hello"}`

func TestServeWebhookResponses(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		header   func(body string) map[string]string
		sinkErr  error
		dup      bool
		wantCode int
		wantErr  string // JSON error code, "" for success
		wantMsg  string // substring of the error message
	}{
		{name: "stored", body: valid, header: signed, wantCode: 202},
		{name: "stored with timestamp", body: valid, header: func(b string) map[string]string { return signedAt(b, now.Add(-4*time.Minute)) }, wantCode: 202},
		{name: "duplicate", body: valid, header: signed, dup: true, wantCode: 200},
		{name: "no signature", body: valid, header: func(string) map[string]string { return nil }, wantCode: 401, wantErr: "unauthorized"},
		{name: "wrong secret", body: valid, header: func(b string) map[string]string {
			return map[string]string{webhook.SignatureHeader: webhook.Sign([]byte("other"), []byte(b))}
		}, wantCode: 401, wantErr: "unauthorized"},
		{name: "signature of other body", body: valid, header: func(string) map[string]string { return signed(valid + " ") }, wantCode: 401, wantErr: "unauthorized"},
		{name: "stale timestamp", body: valid, header: func(b string) map[string]string { return signedAt(b, now.Add(-6*time.Minute)) }, wantCode: 401, wantErr: "unauthorized"},
		{name: "future timestamp", body: valid, header: func(b string) map[string]string { return signedAt(b, now.Add(6*time.Minute)) }, wantCode: 401, wantErr: "unauthorized"},
		{name: "timestamp not covered by mac", body: valid, header: func(b string) map[string]string {
			h := signed(b)
			h[webhook.TimestampHeader] = strconv.FormatInt(now.Unix(), 10)
			return h
		}, wantCode: 401, wantErr: "unauthorized"},
		{name: "malformed timestamp", body: valid, header: func(b string) map[string]string {
			return map[string]string{webhook.TimestampHeader: "soon", webhook.SignatureHeader: webhook.SignTimestamp(secret, "soon", []byte(b))}
		}, wantCode: 401, wantErr: "unauthorized"},
		{name: "malformed json", body: `{"external_id":`, header: signed, wantCode: 400, wantErr: "invalid"},
		{name: "empty body", body: ``, header: signed, wantCode: 400, wantErr: "invalid"},
		{name: "two objects", body: valid + valid, header: signed, wantCode: 400, wantErr: "invalid"},
		{name: "array body", body: `[1]`, header: signed, wantCode: 422, wantErr: "unprocessable"},
		{name: "too large", body: `{"external_id":"e1","author":{"id":"u1"},"text":"` + strings.Repeat("x", 600) + `"}`, header: signed, wantCode: 413, wantErr: "invalid"},
		{name: "missing external_id", body: `{"author":{"id":"u1"},"text":"hi"}`, header: signed, wantCode: 422, wantErr: "unprocessable", wantMsg: "external_id"},
		{name: "missing author.id", body: `{"external_id":"e1","author":{"name":"A"},"text":"hi"}`, header: signed, wantCode: 422, wantErr: "unprocessable", wantMsg: "author.id"},
		{name: "blank text", body: `{"external_id":"e1","author":{"id":"u1"},"text":"  "}`, header: signed, wantCode: 422, wantErr: "unprocessable", wantMsg: "text"},
		{name: "bad sent_at", body: `{"external_id":"e1","author":{"id":"u1"},"text":"hi","sent_at":"yesterday"}`, header: signed, wantCode: 422, wantErr: "unprocessable", wantMsg: "sent_at"},
		{name: "unknown field", body: `{"external_id":"e1","author":{"id":"u1"},"text":"hi","priority":1}`, header: signed, wantCode: 422, wantErr: "unprocessable", wantMsg: "priority"},
		{name: "unknown author field", body: `{"external_id":"e1","author":{"id":"u1","email":"a@b.c"},"text":"hi"}`, header: signed, wantCode: 422, wantErr: "unprocessable", wantMsg: "author.email"},
		{name: "unknown attachment field", body: `{"external_id":"e1","author":{"id":"u1"},"text":"hi","attachments":[{"name":"a","data":"aGk=","size":2}]}`, header: signed, wantCode: 422, wantErr: "unprocessable", wantMsg: "attachments[0].size"},
		{name: "field name in other case", body: `{"External_ID":"e1","author":{"id":"u1"},"text":"hi"}`, header: signed, wantCode: 422, wantErr: "unprocessable", wantMsg: "External_ID"},
		{name: "author not an object", body: `{"external_id":"e1","author":"u1","text":"hi"}`, header: signed, wantCode: 422, wantErr: "unprocessable", wantMsg: "author"},
		{name: "wrong type", body: `{"external_id":7,"author":{"id":"u1"},"text":"hi"}`, header: signed, wantCode: 422, wantErr: "unprocessable", wantMsg: "external_id"},
		{name: "bad visibility", body: `{"external_id":"e1","author":{"id":"u1"},"text":"hi","visibility":"secret"}`, header: signed, wantCode: 422, wantErr: "unprocessable", wantMsg: "visibility"},
		{name: "bad base64", body: `{"external_id":"e1","author":{"id":"u1"},"text":"hi","attachments":[{"name":"a","data":"!!"}]}`, header: signed, wantCode: 422, wantErr: "unprocessable", wantMsg: "attachments[0].data"},
		{name: "data and url", body: `{"external_id":"e1","author":{"id":"u1"},"text":"hi","attachments":[{"name":"a","data":"aGk=","url":"https://x.test/a"}]}`, header: signed, wantCode: 422, wantErr: "unprocessable", wantMsg: "attachments[0]"},
		{name: "bad url", body: `{"external_id":"e1","author":{"id":"u1"},"text":"hi","attachments":[{"name":"a","url":"file:///etc/passwd"}]}`, header: signed, wantCode: 422, wantErr: "unprocessable", wantMsg: "attachments[0].url"},
		{name: "sink fails", body: valid, header: signed, sinkErr: errors.New("db down"), wantCode: 503, wantErr: "unavailable"},
		{name: "sink rejects", body: valid, header: signed, sinkErr: errors.Join(errors.New("id too long"), connector.ErrRejected), wantCode: 422, wantErr: "unprocessable", wantMsg: "id too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConnector(t, 512)
			sink := &recordingSink{err: tt.sinkErr, receipt: connector.Receipt{MessageID: 11, TicketID: 22, Duplicate: tt.dup}}
			rec := post(c, sink, tt.body, tt.header(tt.body))
			if rec.Code != tt.wantCode {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.wantCode, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if tt.wantErr != "" {
				var e webhook.ErrorBody
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
					t.Fatalf("error body %q: %v", rec.Body, err)
				}
				if e.Error.Code != tt.wantErr {
					t.Errorf("error code = %q, want %q", e.Error.Code, tt.wantErr)
				}
				if !strings.Contains(e.Error.Message, tt.wantMsg) {
					t.Errorf("error message %q does not mention %q", e.Error.Message, tt.wantMsg)
				}
				if n := len(sink.delivered()); n != 0 {
					t.Errorf("sink got %d messages on an error", n)
				}
				return
			}
			var a webhook.Accepted
			if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
				t.Fatal(err)
			}
			if a.MessageID != 11 || a.TicketID != 22 {
				t.Errorf("answer = %+v, want ids 11/22", a)
			}
			if n := len(sink.delivered()); n != 1 {
				t.Errorf("sink got %d messages, want 1", n)
			}
		})
	}
}

func TestServeWebhookMapsFields(t *testing.T) {
	body := `{"external_id":"e9","author":{"id":"u1","name":"Ada"},"text":"disk full",
	 "reply_to":"e8","sent_at":"2026-11-21T09:30:00+01:00","visibility":"direct",
	 "attachments":[{"name":"a.txt","content_type":"text/plain","data":"aGVsbG8="},
	                {"name":"log","url":"https://logs.example/1"}]}`
	c := newConnector(t, 0)
	sink := &recordingSink{}
	if rec := post(c, sink, body, signed(body)); rec.Code != 202 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	got := sink.delivered()[0]
	if got.Channel != "hooks" || got.ExternalID != "e9" || got.ReplyTo != "e8" {
		t.Errorf("ids = %q %q %q", got.Channel, got.ExternalID, got.ReplyTo)
	}
	if got.Author.ID != "u1" || got.Author.Name != "Ada" {
		t.Errorf("author = %+v", got.Author)
	}
	if want := time.Date(2026, 11, 21, 8, 30, 0, 0, time.UTC); !got.SentAt.Equal(want) {
		t.Errorf("SentAt = %v, want %v", got.SentAt, want)
	}
	if got.Visibility != connector.Direct {
		t.Errorf("Visibility = %q", got.Visibility)
	}
	if len(got.Attachments) != 1 || string(got.Attachments[0].Data) != "hello" || got.Attachments[0].ContentType != "text/plain" {
		t.Errorf("attachments = %+v", got.Attachments)
	}
	if !strings.HasPrefix(got.Text, "disk full") || !strings.Contains(got.Text, "log: https://logs.example/1") {
		t.Errorf("text = %q", got.Text)
	}
}

func TestServeWebhookDefaults(t *testing.T) {
	c := newConnector(t, 0)
	sink := &recordingSink{}
	post(c, sink, valid, signed(valid))
	got := sink.delivered()
	if len(got) != 1 {
		t.Fatalf("delivered %d", len(got))
	}
	if got[0].Visibility != connector.Private {
		t.Errorf("default visibility = %q, want private", got[0].Visibility)
	}
	if !got[0].SentAt.Equal(now) {
		t.Errorf("default SentAt = %v, want now", got[0].SentAt)
	}
}

// dedupSink behaves like the pipeline: it stores each external id once.
type dedupSink struct {
	mu   sync.Mutex
	seen map[string]int64
}

func (s *dedupSink) Deliver(_ context.Context, msg connector.Inbound) (connector.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := msg.Channel + "\x00" + msg.ExternalID
	if id, ok := s.seen[key]; ok {
		return connector.Receipt{MessageID: id, TicketID: 100 + id, Duplicate: true}, nil
	}
	id := int64(len(s.seen) + 1)
	s.seen[key] = id
	return connector.Receipt{MessageID: id, TicketID: 100 + id}, nil
}

func TestServeWebhookDuplicate(t *testing.T) {
	c := newConnector(t, 0)
	sink := &dedupSink{seen: map[string]int64{}}
	other := `{"external_id":"e2","author":{"id":"u1"},"text":"second"}`
	steps := []struct {
		body     string
		wantCode int
		wantID   int64
	}{
		{valid, 202, 1},
		{other, 202, 2},
		{valid, 200, 1},
		{other, 200, 2},
	}
	for i, s := range steps {
		rec := post(c, sink, s.body, signed(s.body))
		var a webhook.Accepted
		_ = json.Unmarshal(rec.Body.Bytes(), &a)
		if rec.Code != s.wantCode || a.MessageID != s.wantID || a.TicketID != 100+s.wantID {
			t.Errorf("step %d: %d %+v, want %d id %d", i, rec.Code, a, s.wantCode, s.wantID)
		}
	}
}

func TestServeWebhookMethod(t *testing.T) {
	c := newConnector(t, 0)
	sink := &recordingSink{}
	req := httptest.NewRequest(http.MethodGet, "/hooks/hooks", nil)
	rec := httptest.NewRecorder()
	c.ServeWebhook(rec, req, sink)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET status = %d", rec.Code)
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []webhook.Config{
		{Secret: secret},
		{Name: "x"},
		{Name: "x", Secret: secret, MaxBody: -1},
	} {
		if _, err := webhook.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted a bad config", cfg)
		}
	}
}

func TestSignKnownVector(t *testing.T) {
	// HMAC-SHA256 test case 2 from RFC 4231.
	got := webhook.Sign([]byte("Jefe"), []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestSendRoundTrip(t *testing.T) {
	var gotBody []byte
	var gotHeader http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotBody, _ = io.ReadAll(r.Body)
		gotHeader = r.Header.Clone()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"external_id":"remote-5"}`)
	}))
	defer srv.Close()
	c, err := webhook.New(webhook.Config{Name: "hooks", Secret: secret, ReplyURL: srv.URL, Client: srv.Client(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.Send(context.Background(), connector.Outbound{ReplyTo: "e1", ThreadID: "t1", To: connector.Author{ID: "u1"}, Text: "fixed"})
	if err != nil {
		t.Fatal(err)
	}
	if id != "remote-5" {
		t.Errorf("id = %q", id)
	}
	ts := gotHeader.Get(webhook.TimestampHeader)
	if ts != strconv.FormatInt(now.Unix(), 10) {
		t.Errorf("timestamp header = %q", ts)
	}
	if sig := gotHeader.Get(webhook.SignatureHeader); sig != webhook.SignTimestamp(secret, ts, gotBody) {
		t.Errorf("signature %q does not verify", sig)
	}
	var r webhook.Reply
	if err := json.Unmarshal(gotBody, &r); err != nil {
		t.Fatal(err)
	}
	if r.ReplyTo != "e1" || r.ThreadID != "t1" || r.To.ID != "u1" || r.Text != "fixed" || r.ID == "" {
		t.Errorf("reply = %+v", r)
	}
}

func TestSendErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	c, _ := webhook.New(webhook.Config{Name: "hooks", Secret: secret, ReplyURL: srv.URL})
	_, err := c.Send(context.Background(), connector.Outbound{Text: "x"})
	var re *webhook.ReplyError
	if !errors.As(err, &re) || re.StatusCode != http.StatusBadGateway {
		t.Errorf("err = %v, want ReplyError 502", err)
	}
	noURL := newConnector(t, 0)
	if _, err := noURL.Send(context.Background(), connector.Outbound{Text: "x"}); !errors.Is(err, webhook.ErrNoReplyURL) {
		t.Errorf("err = %v, want ErrNoReplyURL", err)
	}
}

func TestSendWithoutExternalIDReturnsOwnID(t *testing.T) {
	var r webhook.Reply
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_ = json.NewDecoder(req.Body).Decode(&r)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c, _ := webhook.New(webhook.Config{Name: "hooks", Secret: secret, ReplyURL: srv.URL})
	id, err := c.Send(context.Background(), connector.Outbound{Text: "x"})
	if err != nil || id == "" || id != r.ID {
		t.Errorf("id = %q (sent %q), err %v", id, r.ID, err)
	}
}

func FuzzWebhook(f *testing.F) {
	f.Add([]byte(valid), true)
	f.Add([]byte(`{"external_id":"e","author":{"id":"a"},"text":"t","attachments":[{"name":"n","data":"AA=="}]}`), true)
	f.Add([]byte(`{"external_id":"e"`), false)
	f.Add([]byte(`null`), true)
	f.Fuzz(func(t *testing.T, body []byte, sign bool) {
		c := newConnector(t, 4096)
		sink := &recordingSink{receipt: connector.Receipt{MessageID: 1, TicketID: 1}}
		header := map[string]string{webhook.SignatureHeader: "sha256=00"}
		if sign {
			header = signed(string(body))
		}
		rec := post(c, sink, string(body), header)
		n := len(sink.delivered())
		// An unsigned body is refused: 401, or 413 when it is over the
		// limit, which is checked first since a signature can only be
		// checked over the whole body.
		want := http.StatusUnauthorized
		if len(body) > 4096 {
			want = http.StatusRequestEntityTooLarge
		}
		if !sign && (rec.Code != want || n != 0) {
			t.Fatalf("unsigned body of %d bytes: status %d, delivered %d; want %d and nothing delivered", len(body), rec.Code, n, want)
		}
		if rec.Code == 202 && n != 1 {
			t.Fatalf("202 with %d deliveries", n)
		}
		if rec.Code != 202 && n != 0 {
			t.Fatalf("status %d with %d deliveries", rec.Code, n)
		}
	})
}
