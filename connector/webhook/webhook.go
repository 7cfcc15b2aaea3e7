// Package webhook is the signed generic webhook connector: the way in for any
// system that has no connector of its own yet.
//
// # Request
//
// The outside system sends POST /hooks/{channel} with a JSON body:
//
//	{
//	  "external_id": "evt-42",                       // required, stable per message
//	  "author": {"id": "u-7", "name": "Ada"},        // author.id required
//	  "text": "The printer is on fire",              // required
//	  "reply_to": "evt-41",                          // optional
//	  "sent_at": "2026-11-22T10:00:00Z",             // optional, RFC 3339
//	  "visibility": "private",                       // optional: public, private or direct
//	  "attachments": [                               // optional
//	    {"name": "a.png", "content_type": "image/png", "data": "<base64>"},
//	    {"name": "log.txt", "url": "https://example.com/log.txt"}
//	  ]
//	}
//
// Unknown fields are rejected. Messages are private unless "visibility" says
// otherwise. An attachment carries either inline base64 "data" or a "url";
// the connector never downloads URLs (the SDK attachment has no place for a
// link, and fetching arbitrary URLs from the desk is a server-side request
// forgery risk), so URL attachments are listed as links at the end of the
// message text instead.
//
// # Signature
//
// Every request is signed with a secret shared between the desk and the
// sender. Without a timestamp the signature is
//
//	X-Socialdesk-Signature: sha256=<hex HMAC-SHA256(secret, body)>
//
// computed over the raw body bytes. A sender may also send
//
//	X-Socialdesk-Timestamp: <unix seconds>
//
// in which case the MAC is computed over "<timestamp>.<body>" and the
// request is rejected when the timestamp is more than five minutes away from
// the desk's clock, which stops replays of captured requests. Signatures are
// compared in constant time. [Sign] and [SignTimestamp] compute the header
// value.
//
// # Responses
//
//	202 {"message_id":1,"ticket_id":2}  stored
//	200 {"message_id":1,"ticket_id":2}  already stored earlier (duplicate external_id)
//	400 invalid          body is empty, not valid JSON, or more than one JSON value
//	401 unauthorized     missing or bad signature, stale timestamp
//	405 invalid          method other than POST
//	413 invalid          body larger than MaxBody
//	422 unprocessable    not an object, or a field is missing, unknown or has a bad value (the message names it),
//	                     or the sink rejected the message for good (connector.ErrRejected)
//	503 unavailable      the message could not be stored; retry later
//
// Errors have the form {"error":{"code":"...","message":"..."}}. Nothing is
// handed to the sink unless the request is fully valid.
//
// # Replies
//
// When Config.ReplyURL is set, [Connector.Send] POSTs replies to it as JSON
// (see [Reply]) signed the same way, with a timestamp.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk/connector"
)

// Header names used by the webhook.
const (
	SignatureHeader = "X-Socialdesk-Signature"
	TimestampHeader = "X-Socialdesk-Timestamp"
)

// DefaultMaxBody is the body size limit used when Config.MaxBody is zero.
const DefaultMaxBody = 10 << 20

// MaxClockSkew is how far a signed timestamp may be from the desk's clock.
const MaxClockSkew = 5 * time.Minute

// Config configures a webhook connector.
type Config struct {
	// Name is the connector instance name; it becomes Inbound.Channel.
	Name string
	// Secret is the shared HMAC key. It must not be empty.
	Secret []byte
	// MaxBody limits the request body in bytes; zero means DefaultMaxBody.
	MaxBody int64
	// ReplyURL, when set, is where Send posts replies.
	ReplyURL string
	// Client sends replies; nil means a client with a 30 second timeout.
	Client *http.Client
	// Now returns the current time; nil means time.Now. Tests inject a
	// fixed clock here.
	Now func() time.Time
}

// Connector is a signed generic webhook. It implements connector.Connector,
// connector.WebhookReceiver and connector.Sender.
type Connector struct {
	name     string
	secret   []byte
	maxBody  int64
	replyURL string
	client   *http.Client
	now      func() time.Time
}

// Compile-time checks that Connector implements the SDK interfaces.
var (
	_ connector.Connector       = (*Connector)(nil)
	_ connector.WebhookReceiver = (*Connector)(nil)
	_ connector.Sender          = (*Connector)(nil)
)

// New returns a webhook connector. It fails when Name or Secret is empty or
// MaxBody is negative.
func New(cfg Config) (*Connector, error) {
	if cfg.Name == "" {
		return nil, errors.New("webhook: config needs a Name")
	}
	if len(cfg.Secret) == 0 {
		return nil, errors.New("webhook: config needs a Secret")
	}
	if cfg.MaxBody < 0 {
		return nil, errors.New("webhook: MaxBody must not be negative")
	}
	c := &Connector{
		name:     cfg.Name,
		secret:   append([]byte(nil), cfg.Secret...),
		maxBody:  cfg.MaxBody,
		replyURL: cfg.ReplyURL,
		client:   cfg.Client,
		now:      cfg.Now,
	}
	if c.maxBody == 0 {
		c.maxBody = DefaultMaxBody
	}
	if c.client == nil {
		c.client = &http.Client{Timeout: 30 * time.Second}
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Kind returns "webhook".
func (c *Connector) Kind() string { return "webhook" }

// Name returns the instance name.
func (c *Connector) Name() string { return c.name }

// Sign returns the X-Socialdesk-Signature value for body without a
// timestamp: "sha256=" followed by the hex HMAC-SHA256 of body.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// SignTimestamp returns the X-Socialdesk-Signature value for body sent with
// X-Socialdesk-Timestamp set to timestamp: the MAC covers
// "<timestamp>.<body>".
func SignTimestamp(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// verify checks the signature headers of a request whose raw body is body.
func (c *Connector) verify(h http.Header, body []byte) error {
	got := h.Get(SignatureHeader)
	if got == "" {
		return errors.New("missing " + SignatureHeader + " header")
	}
	var want string
	if ts := h.Get(TimestampHeader); ts != "" {
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return errors.New("malformed " + TimestampHeader + " header")
		}
		skew := c.now().Sub(time.Unix(sec, 0))
		if skew > MaxClockSkew || skew < -MaxClockSkew {
			return errors.New("timestamp is too old or too far in the future")
		}
		want = SignTimestamp(c.secret, ts, body)
	} else {
		want = Sign(c.secret, body)
	}
	if !hmac.Equal([]byte(strings.ToLower(got)), []byte(want)) {
		return connector.ErrBadSignature
	}
	return nil
}

// sinkContext bounds how long a sink call may take when the request context
// carries no deadline of its own.
func sinkContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, 30*time.Second)
}
