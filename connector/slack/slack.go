// Package slack connects socialdesk to a Slack workspace through the Events
// API, slash commands and the Web API, using only net/http and
// encoding/json.
//
// # What comes in
//
// Slack calls POST /hooks/{channel} with either a JSON event (Events API) or
// a form-encoded slash command. Every request is verified with the app's
// signing secret: X-Slack-Signature must equal
// "v0=" + hex(HMAC-SHA256(secret, "v0:" + X-Slack-Request-Timestamp + ":" + body))
// and the timestamp must be within five minutes of the desk's clock;
// otherwise the answer is 401.
//
//   - url_verification: the challenge is echoed back.
//   - message in a watched channel, or in a direct message with the bot:
//     delivered as an Inbound. Bot messages, the bot's own messages and
//     subtypes such as message_changed and message_deleted are ignored.
//   - app_mention in any channel: delivered with Mentioned set.
//   - reaction_added with the ticket emoji on any message: the message is
//     fetched with conversations.history (or conversations.replies for a
//     thread reply) and delivered with AsTicket set.
//   - /ask <text>: delivered with Mentioned and AsTicket set; the user gets
//     an ephemeral answer naming the ticket, and replies go to them by
//     direct message.
//   - /search <text>: calls Config.Searcher and answers ephemerally with up to
//     five hits.
//
// Events are delivered to the sink synchronously, before Slack gets its
// answer: the sink only stores the message, which fits easily in the three
// seconds Slack allows, and answering only after a successful store means a
// failed store is answered 500 and Slack retries the event. Slack retries
// (X-Slack-Retry-Num) of an event_id already delivered are answered 200
// without delivering again; beyond that the sink's own idempotency key
// (channel plus external id) catches repeats.
//
// # Identifiers
//
// A message's external id is "<channel id>:<ts>", for example
// "C123:1700000000.000100", which is stable across retries, edits and the
// message and app_mention events for the same message. ThreadID is
// "<channel id>:<thread_ts>" (the message's own ts when it starts a thread)
// and ReplyTo is the thread parent for replies in a thread.
//
// # What goes out
//
// [Connector.Send] posts with chat.postMessage into the thread named by
// Outbound.ThreadID (or ReplyTo), [Connector.React] adds a reaction with
// reactions.add, and [Connector.Profile] reads users.info. Slack errors come
// back as [*APIError]; rate limiting (HTTP 429) as [*RateLimitError] with the
// delay Slack asked for.
package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/socialdesk/socialdesk/connector"
)

// DefaultAPIURL is the Slack Web API base URL.
const DefaultAPIURL = "https://slack.com/api/"

// DefaultTicketEmoji is the reaction that turns a message into a ticket
// when Config.TicketEmoji is empty.
const DefaultTicketEmoji = "ticket"

// MaxClockSkew is how far X-Slack-Request-Timestamp may be from the desk's
// clock.
const MaxClockSkew = 5 * time.Minute

// maxBody bounds the request bodies the connector reads from Slack.
const maxBody = 1 << 20

// SearchHit is one result of a /search command.
type SearchHit struct {
	Title string
	URL   string
}

// Searcher answers a /search command for the Slack user userID. It should
// return the best hits first; only the first five are shown.
type Searcher func(ctx context.Context, userID, query string) ([]SearchHit, error)

// Config configures a Slack connector.
type Config struct {
	// Name is the connector instance name; it becomes Inbound.Channel.
	Name string
	// SigningSecret verifies requests from Slack (app "Signing Secret").
	SigningSecret string
	// BotToken is the bot user OAuth token (xoxb-...) for the Web API.
	BotToken string
	// APIURL is the Web API base URL; empty means DefaultAPIURL. Tests point
	// it at slackfake.
	APIURL string
	// BotUserID is the bot's own user id; its messages are ignored and
	// mentions of it set Inbound.Mentioned.
	BotUserID string
	// WatchedChannels lists channel ids whose every message is delivered.
	// Messages elsewhere arrive only as mentions, DMs and ticket reactions.
	WatchedChannels []string
	// TicketEmoji is the reaction name (without colons) that turns a
	// message into a ticket; empty means DefaultTicketEmoji.
	TicketEmoji string
	// Searcher answers /search; nil means the command says search is not
	// available.
	Searcher Searcher
	// Client makes Web API calls; nil means a client with a 10 second
	// timeout.
	Client *http.Client
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Connector is a Slack workspace connection. It implements
// connector.Connector, WebhookReceiver, Sender, Reactor and ProfileLookup.
type Connector struct {
	name        string
	secret      string
	token       string
	apiURL      string
	botUserID   string
	watched     map[string]bool
	ticketEmoji string
	search      Searcher
	client      *http.Client
	now         func() time.Time
	seen        *seenEvents
}

// Compile-time checks that Connector implements the SDK interfaces.
var (
	_ connector.Connector       = (*Connector)(nil)
	_ connector.WebhookReceiver = (*Connector)(nil)
	_ connector.Sender          = (*Connector)(nil)
	_ connector.Reactor         = (*Connector)(nil)
	_ connector.ProfileLookup   = (*Connector)(nil)
)

// New returns a Slack connector. Name, SigningSecret and BotToken are
// required.
func New(cfg Config) (*Connector, error) {
	switch {
	case cfg.Name == "":
		return nil, errors.New("slack: config needs a Name")
	case cfg.SigningSecret == "":
		return nil, errors.New("slack: config needs a SigningSecret")
	case cfg.BotToken == "":
		return nil, errors.New("slack: config needs a BotToken")
	}
	c := &Connector{
		name:        cfg.Name,
		secret:      cfg.SigningSecret,
		token:       cfg.BotToken,
		apiURL:      cfg.APIURL,
		botUserID:   cfg.BotUserID,
		watched:     make(map[string]bool, len(cfg.WatchedChannels)),
		ticketEmoji: strings.Trim(cfg.TicketEmoji, ":"),
		search:      cfg.Searcher,
		client:      cfg.Client,
		now:         cfg.Now,
		seen:        newSeenEvents(4096),
	}
	for _, ch := range cfg.WatchedChannels {
		c.watched[ch] = true
	}
	if c.apiURL == "" {
		c.apiURL = DefaultAPIURL
	}
	if !strings.HasSuffix(c.apiURL, "/") {
		c.apiURL += "/"
	}
	if c.ticketEmoji == "" {
		c.ticketEmoji = DefaultTicketEmoji
	}
	if c.client == nil {
		c.client = &http.Client{Timeout: 10 * time.Second}
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Kind returns "slack".
func (c *Connector) Kind() string { return "slack" }

// Name returns the instance name.
func (c *Connector) Name() string { return c.name }

// Sign returns the X-Slack-Signature value Slack sends for body at the
// given X-Slack-Request-Timestamp value.
func Sign(signingSecret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(signingSecret))
	m.Write([]byte("v0:" + timestamp + ":"))
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// verify checks Slack's request signature.
func (c *Connector) verify(h http.Header, body []byte) error {
	ts := h.Get("X-Slack-Request-Timestamp")
	sig := h.Get("X-Slack-Signature")
	if ts == "" || sig == "" {
		return connector.ErrBadSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return connector.ErrBadSignature
	}
	skew := c.now().Sub(time.Unix(sec, 0))
	if skew > MaxClockSkew || skew < -MaxClockSkew {
		return connector.ErrBadSignature
	}
	want := Sign(c.secret, ts, body)
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return connector.ErrBadSignature
	}
	return nil
}

// messageID joins a channel id and a message ts into an external id.
func messageID(channel, ts string) string { return channel + ":" + ts }

// splitID splits an external id or thread id into a channel id and a
// message ts. Parts that do not look like Slack ids come back empty, so an
// id such as "C123:ask:..." from a slash command names the channel but no
// message.
func splitID(id string) (channel, ts string) {
	channel, ts, _ = strings.Cut(id, ":")
	if !isChannelID(channel) {
		return "", ""
	}
	if !isTS(ts) {
		ts = ""
	}
	return channel, ts
}

// isChannelID reports whether s looks like a Slack conversation or user id
// (upper-case letters and digits).
func isChannelID(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// isTS reports whether s looks like a Slack message ts ("1700000000.000100"):
// Unix seconds, a dot and a sequence number of at most nine digits.
func isTS(s string) bool {
	secs, frac, ok := strings.Cut(s, ".")
	return ok && len(secs) <= 12 && len(frac) <= 9 && isDigits(secs) && isDigits(frac)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// seenEvents remembers the most recent delivered event ids, so that Slack
// retries of them are not delivered twice.
type seenEvents struct {
	mu    sync.Mutex
	ids   map[string]bool
	order []string
	next  int
}

func newSeenEvents(size int) *seenEvents {
	return &seenEvents{
		ids:   make(map[string]bool, size),
		order: make([]string, size),
	}
}

// has reports whether id was added.
func (s *seenEvents) has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids[id]
}

// add records id, forgetting the oldest id when full.
func (s *seenEvents) add(id string) {
	if id == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids[id] {
		return
	}
	if old := s.order[s.next]; old != "" {
		delete(s.ids, old)
	}
	s.order[s.next] = id
	s.ids[id] = true
	s.next = (s.next + 1) % len(s.order)
}
