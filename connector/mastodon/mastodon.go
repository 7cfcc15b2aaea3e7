// Package mastodon is the socialdesk connector for the fediverse, through
// the Mastodon client API (which GoToSocial, Pleroma and others also
// serve).
//
// Mentions of the desk's account and posts with the configured hashtags
// arrive over the streaming API (Stream) or by polling the notifications
// and tag timelines (Poll). Both resume from ids kept in a Cursor, and
// Stream polls once after connecting so nothing posted while the connector
// was down is missed. Replies are posted as statuses (Send), statuses can
// be favourited (React) and accounts looked up (Profile).
package mastodon

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/socialdesk/socialdesk/connector"
)

// Config configures a Mastodon connector.
type Config struct {
	// Name is the connector instance name (the channel).
	Name string
	// BaseURL is the instance's address, such as https://mastodon.example.
	BaseURL string
	// StreamingURL is where the streaming API lives when the instance
	// serves it elsewhere; empty means BaseURL.
	StreamingURL string
	// AccessToken is the desk account's OAuth token, with read and write
	// scopes.
	AccessToken string
	// AccountID is the desk account's id; when empty it is looked up with
	// verify_credentials on first use, which also fills Acct.
	AccountID string
	Acct      string
	// Hashtags (without '#') whose posts are streamed and polled besides
	// mentions of the desk.
	Hashtags []string
	// Visibility, when set, is the most public visibility replies get:
	// "public", "unlisted", "private" or "direct". When empty a reply gets
	// the visibility of the status it answers, or "direct" when that status
	// was marked sensitive. A reply is never more public than the status it
	// answers.
	Visibility string
	// PollInterval is how often Stream polls besides streaming, to pick up
	// what a server does not stream (GoToSocial does not stream hashtags)
	// or what a dropped connection missed. Zero means DefaultPollInterval.
	PollInterval time.Duration
	// Client makes the HTTP requests; nil means a client with a 30 second
	// timeout. The streaming connections use its Transport.
	Client *http.Client
	// Cursor keeps the last seen notification and tag timeline ids between
	// runs. When nil they live in memory only.
	Cursor connector.Cursor
}

// Connector is a Mastodon connector. It implements connector.Connector,
// Streamer, Poller, Sender, Reactor and ProfileLookup, and is safe for
// concurrent use.
type Connector struct {
	cfg    Config
	base   *url.URL
	client *http.Client
	log    *slog.Logger

	mu     sync.Mutex
	deskID string
	mem    map[string]string // cursor when cfg.Cursor is nil
}

var (
	_ connector.Connector     = (*Connector)(nil)
	_ connector.Streamer      = (*Connector)(nil)
	_ connector.Poller        = (*Connector)(nil)
	_ connector.Sender        = (*Connector)(nil)
	_ connector.Reactor       = (*Connector)(nil)
	_ connector.ProfileLookup = (*Connector)(nil)
)

// DefaultPollInterval is Config.PollInterval's default.
const DefaultPollInterval = time.Minute

// visibilityRank orders reply visibilities from most to least public.
var visibilityRank = map[string]int{"public": 0, "unlisted": 1, "private": 2, "direct": 3}

// New checks cfg and returns a connector. It makes no network request; the
// desk account is looked up on first use when cfg.AccountID is empty. A nil
// logger discards log output.
func New(cfg Config, logger *slog.Logger) (*Connector, error) {
	if cfg.Name == "" {
		return nil, errors.New("mastodon: config needs a Name")
	}
	if cfg.AccessToken == "" {
		return nil, errors.New("mastodon: config needs an AccessToken")
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("mastodon: BaseURL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.Visibility != "" {
		if _, ok := visibilityRank[cfg.Visibility]; !ok {
			return nil, fmt.Errorf("mastodon: unknown visibility %q", cfg.Visibility)
		}
	}
	for i, t := range cfg.Hashtags {
		cfg.Hashtags[i] = strings.TrimPrefix(strings.TrimSpace(t), "#")
	}
	cfg.Hashtags = slices.DeleteFunc(cfg.Hashtags, func(t string) bool { return t == "" })
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	client := cfg.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Connector{
		cfg:    cfg,
		base:   base,
		client: client,
		log:    logger.With("connector", "mastodon", "channel", cfg.Name),
		deskID: cfg.AccountID,
		mem:    map[string]string{},
	}, nil
}

// Kind returns "mastodon".
func (c *Connector) Kind() string { return "mastodon" }

// Name returns the instance name from the config.
func (c *Connector) Name() string { return c.cfg.Name }

// APIError is returned when the server answers a request with an error
// status.
type APIError struct {
	Method, Path string
	StatusCode   int
	// Message is the server's "error" field, or the start of the body.
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("mastodon: %s %s: %d %s", e.Method, e.Path, e.StatusCode, e.Message)
}

// call makes an API request. body, when non-nil, is sent as JSON; out,
// when non-nil, receives the decoded JSON answer.
func (c *Connector) call(ctx context.Context, method, path string, query url.Values, body any, header http.Header, out any) error {
	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = query.Encode()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("mastodon: encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return fmt.Errorf("mastodon: %w", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.AccessToken)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("mastodon: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("mastodon: %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		apiErr := &APIError{Method: method, Path: path, StatusCode: resp.StatusCode}
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			apiErr.Message = e.Error
		} else {
			apiErr.Message = strings.TrimSpace(string(data[:min(len(data), 200)]))
		}
		return apiErr
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("mastodon: %s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// deskAccountID returns the desk's account id, asking verify_credentials
// the first time when it was not configured.
func (c *Connector) deskAccountID(ctx context.Context) (string, error) {
	c.mu.Lock()
	id := c.deskID
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	var me account
	if err := c.call(ctx, http.MethodGet, "/api/v1/accounts/verify_credentials", nil, nil, nil, &me); err != nil {
		return "", err
	}
	if me.ID == "" {
		return "", errors.New("mastodon: verify_credentials returned no account id")
	}
	c.mu.Lock()
	c.deskID = me.ID
	if c.cfg.Acct == "" {
		c.cfg.Acct = me.Acct
	}
	c.mu.Unlock()
	return me.ID, nil
}

// Send posts a reply. With msg.ReplyTo set, the status it answers is
// fetched to address its author with a leading @mention and to choose the
// visibility (see Config.Visibility); msg.Visibility Direct always gives a
// direct reply. The Idempotency-Key header is derived from the reply's
// content, so retrying a Send that reached the server posts only once.
// Send returns the new status id.
func (c *Connector) Send(ctx context.Context, msg connector.Outbound) (string, error) {
	text := strings.TrimSpace(msg.Text)
	if text == "" {
		return "", errors.New("mastodon: reply has no text")
	}
	handle := msg.To.Handle
	if handle == "" && msg.To.ID != "" && !strings.Contains(msg.To.ID, "/") {
		handle = msg.To.ID
	}
	vis := map[connector.Visibility]string{connector.Public: "public", connector.Private: "private", connector.Direct: "direct"}[msg.Visibility]
	if msg.ReplyTo != "" {
		var orig status
		if err := c.call(ctx, http.MethodGet, "/api/v1/statuses/"+url.PathEscape(msg.ReplyTo), nil, nil, nil, &orig); err != nil {
			return "", err
		}
		if orig.Account.Acct != "" {
			// The author of the answered status, as the server names them.
			handle = orig.Account.Acct
		}
		vis = c.replyVisibility(orig, vis)
	} else if vis == "" {
		vis = "direct"
	}
	if c.cfg.Visibility != "" && visibilityRank[c.cfg.Visibility] > visibilityRank[vis] {
		vis = c.cfg.Visibility
	}
	handle = strings.TrimPrefix(handle, "@")
	if handle != "" && !strings.HasPrefix(strings.ToLower(text), "@"+strings.ToLower(handle)) {
		text = "@" + handle + " " + text
	}

	req := map[string]any{"status": text, "visibility": vis}
	if msg.ReplyTo != "" {
		req["in_reply_to_id"] = msg.ReplyTo
	}
	header := http.Header{"Idempotency-Key": {idempotencyKey(c.cfg.Name, msg.ReplyTo, vis, text)}}
	var posted status
	if err := c.call(ctx, http.MethodPost, "/api/v1/statuses", nil, req, header, &posted); err != nil {
		return "", err
	}
	if posted.ID == "" {
		return "", errors.New("mastodon: server returned a status without an id")
	}
	return posted.ID, nil
}

// replyVisibility picks the visibility for a reply to orig: the configured
// policy or requested visibility, never more public than orig, and direct
// for sensitive statuses when no policy is configured.
func (c *Connector) replyVisibility(orig status, requested string) string {
	vis := orig.Visibility
	if _, ok := visibilityRank[vis]; !ok {
		vis = "direct"
	}
	if c.cfg.Visibility == "" && orig.Sensitive {
		vis = "direct"
	}
	if requested != "" && visibilityRank[requested] > visibilityRank[vis] {
		vis = requested
	}
	return vis
}

// idempotencyKey derives a stable key for one reply.
func idempotencyKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("socialdesk-%x", h.Sum(nil)[:16])
}

// React favourites the status. The reaction name is ignored: favouriting
// is the one reaction every Mastodon API server supports.
func (c *Connector) React(ctx context.Context, externalID, reaction string) error {
	return c.call(ctx, http.MethodPost, "/api/v1/statuses/"+url.PathEscape(externalID)+"/favourite", nil, nil, nil, nil)
}

// Profile looks up an account. authorID is an Author.ID as this connector
// produces it (user@domain), an @handle, or a Mastodon account id.
func (c *Connector) Profile(ctx context.Context, authorID string) (connector.Author, error) {
	var a account
	id := strings.TrimPrefix(authorID, "@")
	var err error
	if strings.Contains(id, "@") {
		acct := id
		// Local accounts are looked up without the domain.
		if user, host, _ := strings.Cut(id, "@"); strings.EqualFold(host, c.base.Host) {
			acct = user
		}
		err = c.call(ctx, http.MethodGet, "/api/v1/accounts/lookup", url.Values{"acct": {acct}}, nil, nil, &a)
	} else {
		err = c.call(ctx, http.MethodGet, "/api/v1/accounts/"+url.PathEscape(id), nil, nil, nil, &a)
	}
	if err != nil {
		return connector.Author{}, err
	}
	return authorOf(a), nil
}
