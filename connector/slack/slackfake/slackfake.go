// Package slackfake is a fake Slack Web API server for tests, built from
// Slack's documented request and answer shapes. It serves
// chat.postMessage, conversations.history, conversations.replies,
// reactions.add, users.info and auth.test under /api/, checks the bearer
// token, and records what was posted. [SendEvent] signs and posts an event
// to a handler the way Slack's Events API does.
package slackfake

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Message is a message stored in a fake channel.
type Message struct {
	TS       string `json:"ts"`
	User     string `json:"user,omitempty"`
	BotID    string `json:"bot_id,omitempty"`
	Text     string `json:"text"`
	ThreadTS string `json:"thread_ts,omitempty"`
}

// User is a workspace member returned by users.info.
type User struct {
	ID          string
	Name        string
	RealName    string
	DisplayName string
	Email       string
}

// Posted is one chat.postMessage call as the fake received it.
type Posted struct {
	Channel  string
	Text     string
	ThreadTS string
	// TS is the ts the fake gave the new message.
	TS string
}

// Reaction is one reactions.add call.
type Reaction struct {
	Channel   string
	Timestamp string
	Name      string
}

// Server is a running fake Slack Web API.
type Server struct {
	srv       *httptest.Server
	token     string
	botUserID string

	mu        sync.Mutex
	channels  map[string][]Message
	users     map[string]User
	posted    []Posted
	reactions []Reaction
	calls     map[string]int
	limited   map[string]rateLimit
	nextTS    int64
}

type rateLimit struct {
	times      int
	retryAfter int
}

// New starts a fake that accepts the bearer token token and answers
// auth.test as the bot user botUserID. Close it when done.
func New(token, botUserID string) *Server {
	s := &Server{
		token:     token,
		botUserID: botUserID,
		channels:  map[string][]Message{},
		users:     map[string]User{},
		calls:     map[string]int{},
		limited:   map[string]rateLimit{},
		nextTS:    1800000000,
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the Web API base URL to use as the connector's APIURL; it ends in
// "/api/".
func (s *Server) URL() string { return s.srv.URL + "/api/" }

// Client returns an HTTP client for the fake.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Close shuts the fake down.
func (s *Server) Close() { s.srv.Close() }

// AddChannel creates an empty channel with the given id, if it does not
// exist yet.
func (s *Server) AddChannel(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.channels[id]; !ok {
		s.channels[id] = nil
	}
}

// AddMessage stores m in channel, creating the channel when needed.
func (s *Server) AddMessage(channel string, m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[channel] = append(s.channels[channel], m)
	slices.SortFunc(s.channels[channel], func(a, b Message) int { return compareTS(a.TS, b.TS) })
}

// AddUser stores u for users.info.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// RateLimit makes the next times calls of method answer HTTP 429 with a
// Retry-After header of retryAfter seconds.
func (s *Server) RateLimit(method string, times, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limited[method] = rateLimit{times: times, retryAfter: retryAfter}
}

// Posted returns the chat.postMessage calls so far, oldest first.
func (s *Server) Posted() []Posted {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.posted)
}

// Reactions returns the reactions.add calls so far, oldest first.
func (s *Server) Reactions() []Reaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reactions)
}

// Calls returns how often method was called, including refused calls.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[method]++
	if rl, ok := s.limited[method]; ok && rl.times > 0 {
		rl.times--
		s.limited[method] = rl
		w.Header().Set("Retry-After", strconv.Itoa(rl.retryAfter))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		code := "invalid_auth"
		if r.Header.Get("Authorization") == "" {
			code = "not_authed"
		}
		fail(w, code)
		return
	}
	params, err := readParams(r)
	if err != nil {
		fail(w, "invalid_json")
		return
	}
	switch method {
	case "auth.test":
		reply(w, map[string]any{"ok": true, "url": "https://fake.slack.test/", "team": "Fake",
			"user": "socialdesk", "team_id": "T0FAKE", "user_id": s.botUserID})
	case "chat.postMessage":
		s.postMessage(w, params)
	case "conversations.history":
		s.history(w, params)
	case "conversations.replies":
		s.replies(w, params)
	case "reactions.add":
		s.addReaction(w, params)
	case "users.info":
		s.userInfo(w, params)
	default:
		fail(w, "unknown_method")
	}
}

// readParams reads arguments from the query string, a form body or a JSON
// body, as the Web API accepts all three.
func readParams(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if r.Method == http.MethodPost && mediaType == "application/json" {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			return nil, err
		}
		for k, v := range body {
			switch v := v.(type) {
			case string:
				out[k] = v
			default:
				b, _ := json.Marshal(v)
				out[k] = string(b)
			}
		}
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	for k := range r.Form {
		if _, ok := out[k]; !ok {
			out[k] = r.Form.Get(k)
		}
	}
	return out, nil
}

func (s *Server) postMessage(w http.ResponseWriter, p map[string]string) {
	channel := p["channel"]
	if _, ok := s.users[channel]; ok {
		// Posting to a user id opens the bot's direct message with them.
		channel = "D" + strings.TrimPrefix(channel, "U")
	} else if _, ok := s.channels[channel]; !ok {
		fail(w, "channel_not_found")
		return
	}
	if p["text"] == "" && p["blocks"] == "" && p["attachments"] == "" {
		fail(w, "no_text")
		return
	}
	if p["thread_ts"] != "" && s.find(channel, p["thread_ts"]) == nil {
		// Slack posts to the channel when the thread is unknown; the fake
		// is stricter so that tests notice a wrong thread.
		fail(w, "thread_not_found")
		return
	}
	s.nextTS++
	ts := strconv.FormatInt(s.nextTS, 10) + ".000100"
	m := Message{TS: ts, User: s.botUserID, BotID: "B0FAKE", Text: p["text"], ThreadTS: p["thread_ts"]}
	s.channels[channel] = append(s.channels[channel], m)
	s.posted = append(s.posted, Posted{Channel: channel, Text: p["text"], ThreadTS: p["thread_ts"], TS: ts})
	reply(w, map[string]any{"ok": true, "channel": channel, "ts": ts, "message": m})
}

// find returns the message with ts in channel, or nil. s.mu must be held.
func (s *Server) find(channel, ts string) *Message {
	for i, m := range s.channels[channel] {
		if m.TS == ts {
			return &s.channels[channel][i]
		}
	}
	return nil
}

func (s *Server) history(w http.ResponseWriter, p map[string]string) {
	msgs, ok := s.channels[p["channel"]]
	if !ok {
		fail(w, "channel_not_found")
		return
	}
	inclusive := p["inclusive"] == "true" || p["inclusive"] == "1"
	limit := 100
	if n, err := strconv.Atoi(p["limit"]); err == nil && n > 0 {
		limit = n
	}
	// Newest first, top-level messages only (thread replies are not part
	// of the channel history).
	out := []Message{}
	for i := len(msgs) - 1; i >= 0 && len(out) < limit; i-- {
		m := msgs[i]
		if m.ThreadTS != "" && m.ThreadTS != m.TS {
			continue
		}
		if !inRange(m.TS, p["oldest"], p["latest"], inclusive) {
			continue
		}
		out = append(out, m)
	}
	reply(w, map[string]any{"ok": true, "messages": out, "has_more": false})
}

func (s *Server) replies(w http.ResponseWriter, p map[string]string) {
	if _, ok := s.channels[p["channel"]]; !ok {
		fail(w, "channel_not_found")
		return
	}
	m := s.find(p["channel"], p["ts"])
	if m == nil {
		fail(w, "thread_not_found")
		return
	}
	root := m.TS
	if m.ThreadTS != "" {
		root = m.ThreadTS
	}
	inclusive := p["inclusive"] == "true" || p["inclusive"] == "1"
	// Oldest first; the parent always comes first, as Slack documents.
	out := []Message{}
	for _, m := range s.channels[p["channel"]] {
		if m.TS == root {
			out = append(out, m)
		}
	}
	for _, m := range s.channels[p["channel"]] {
		if m.ThreadTS == root && m.TS != root && inRange(m.TS, p["oldest"], p["latest"], inclusive) {
			out = append(out, m)
		}
	}
	reply(w, map[string]any{"ok": true, "messages": out, "has_more": false})
}

func (s *Server) addReaction(w http.ResponseWriter, p map[string]string) {
	if p["name"] == "" {
		fail(w, "invalid_name")
		return
	}
	if s.find(p["channel"], p["timestamp"]) == nil {
		fail(w, "message_not_found")
		return
	}
	r := Reaction{Channel: p["channel"], Timestamp: p["timestamp"], Name: p["name"]}
	if slices.Contains(s.reactions, r) {
		fail(w, "already_reacted")
		return
	}
	s.reactions = append(s.reactions, r)
	reply(w, map[string]any{"ok": true})
}

func (s *Server) userInfo(w http.ResponseWriter, p map[string]string) {
	u, ok := s.users[p["user"]]
	if !ok {
		fail(w, "user_not_found")
		return
	}
	reply(w, map[string]any{"ok": true, "user": map[string]any{
		"id": u.ID, "name": u.Name, "real_name": u.RealName,
		"profile": map[string]any{"real_name": u.RealName, "display_name": u.DisplayName, "email": u.Email},
	}})
}

// inRange reports whether ts lies between oldest and latest (either may be
// empty for no bound).
func inRange(ts, oldest, latest string, inclusive bool) bool {
	if oldest != "" {
		c := compareTS(ts, oldest)
		if c < 0 || (c == 0 && !inclusive) {
			return false
		}
	}
	if latest != "" {
		c := compareTS(ts, latest)
		if c > 0 || (c == 0 && !inclusive) {
			return false
		}
	}
	return true
}

// compareTS orders two Slack timestamps numerically.
func compareTS(a, b string) int {
	as, af, _ := strings.Cut(a, ".")
	bs, bf, _ := strings.Cut(b, ".")
	if len(as) != len(bs) {
		return len(as) - len(bs)
	}
	if c := strings.Compare(as, bs); c != 0 {
		return c
	}
	width := max(len(af), len(bf))
	return strings.Compare(af+strings.Repeat("0", width-len(af)), bf+strings.Repeat("0", width-len(bf)))
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code string) {
	reply(w, map[string]any{"ok": false, "error": code})
}

// Event is a request Slack sends to an app.
type Event struct {
	// Body is the raw JSON event or form-encoded slash command.
	Body []byte
	// ContentType defaults to "application/json".
	ContentType string
	// At is the request time used for X-Slack-Request-Timestamp; zero
	// means now.
	At time.Time
	// RetryNum, when above zero, marks the request as Slack's retry number
	// RetryNum with X-Slack-Retry-Num and X-Slack-Retry-Reason.
	RetryNum int
}

// SendEvent signs ev with signingSecret the way Slack does and serves it
// to h, returning the recorded response.
func SendEvent(h http.Handler, signingSecret string, ev Event) *httptest.ResponseRecorder {
	at := ev.At
	if at.IsZero() {
		at = time.Now()
	}
	ct := ev.ContentType
	if ct == "" {
		ct = "application/json"
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	req := httptest.NewRequest(http.MethodPost, "/hooks/slack", strings.NewReader(string(ev.Body)))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", Sign(signingSecret, ts, ev.Body))
	if ev.RetryNum > 0 {
		req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(ev.RetryNum))
		req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
