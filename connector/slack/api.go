package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk/connector"
)

// APIError is a Web API answer with "ok": false. Code is Slack's error
// string, such as "channel_not_found" or "not_in_channel".
type APIError struct {
	Method string
	Code   string
}

// Error describes the failed call and Slack's error string.
func (e *APIError) Error() string { return "slack: " + e.Method + ": " + e.Code }

// RateLimitError is returned when Slack answers HTTP 429. RetryAfter is the
// delay Slack asked for before the next call (one second when it gave
// none).
type RateLimitError struct {
	Method     string
	RetryAfter time.Duration
}

// Error describes the rate-limited call and the delay.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("slack: %s: rate limited, retry after %s", e.Method, e.RetryAfter)
}

// HTTPError is returned when the Web API answers with an unexpected HTTP
// status.
type HTTPError struct {
	Method     string
	StatusCode int
}

// Error describes the failed call and the HTTP status.
func (e *HTTPError) Error() string {
	return fmt.Sprintf("slack: %s: HTTP %d", e.Method, e.StatusCode)
}

// errNoMessage reports that a reacted-to message could not be found.
var errNoMessage = errors.New("slack: message not found")

// apiMessage is a message as the Web API returns it.
type apiMessage struct {
	User     string `json:"user"`
	BotID    string `json:"bot_id"`
	Text     string `json:"text"`
	TS       string `json:"ts"`
	ThreadTS string `json:"thread_ts"`
}

// apiResult is the part of every Web API answer the connector checks.
type apiResult struct {
	OK    bool   `json:"ok"`
	Error string `json:"error"`
}

func (r apiResult) result() apiResult { return r }

type resulter interface{ result() apiResult }

// get calls a read method with query parameters.
func (c *Connector) get(ctx context.Context, method string, params url.Values, out resulter) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.apiURL+method+"?"+params.Encode(), nil)
	if err != nil {
		return fmt.Errorf("slack: %s: %w", method, err)
	}
	return c.do(req, method, out)
}

// post calls a write method with a JSON body.
func (c *Connector) post(ctx context.Context, method string, body any, out resulter) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.apiURL+method, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("slack: %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	return c.do(req, method, out)
}

func (c *Connector) do(req *http.Request, method string, out resulter) error {
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("slack: %s: %w", method, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusTooManyRequests {
		return &RateLimitError{Method: method, RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	}
	if resp.StatusCode != http.StatusOK {
		return &HTTPError{Method: method, StatusCode: resp.StatusCode}
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(out); err != nil {
		return fmt.Errorf("slack: %s: decode answer: %w", method, err)
	}
	if r := out.result(); !r.OK {
		code := r.Error
		if code == "" {
			code = "unknown_error"
		}
		return &APIError{Method: method, Code: code}
	}
	return nil
}

// retryAfter parses a Retry-After header given in seconds.
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return time.Second
	}
	return time.Duration(n) * time.Second
}

// fetchMessage reads one message by channel and ts: first from the channel
// history, then, for replies inside a thread (which history does not list),
// from conversations.replies.
func (c *Connector) fetchMessage(ctx context.Context, channel, ts string) (apiMessage, error) {
	var hist struct {
		apiResult
		Messages []apiMessage `json:"messages"`
	}
	err := c.get(ctx, "conversations.history", url.Values{
		"channel": {channel}, "latest": {ts}, "inclusive": {"true"}, "limit": {"1"},
	}, &hist)
	if err != nil {
		return apiMessage{}, permanent(err)
	}
	if len(hist.Messages) > 0 && hist.Messages[0].TS == ts {
		return hist.Messages[0], nil
	}
	var rep struct {
		apiResult
		Messages []apiMessage `json:"messages"`
	}
	err = c.get(ctx, "conversations.replies", url.Values{
		"channel": {channel}, "ts": {ts}, "latest": {ts}, "inclusive": {"true"},
	}, &rep)
	if err != nil {
		return apiMessage{}, permanent(err)
	}
	for _, m := range rep.Messages {
		if m.TS == ts {
			return m, nil
		}
	}
	return apiMessage{}, errNoMessage
}

// permanent turns Slack's "ok": false answers (channel_not_found,
// not_in_channel, thread_not_found, invalid_auth and the like) into
// errNoMessage: asking Slack to resend the event would not help. Rate
// limits and transport errors are returned as they are, so that the event
// is answered 500 and retried.
func permanent(err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return fmt.Errorf("%w: %w", errNoMessage, err)
	}
	return err
}

// Send implements connector.Sender with chat.postMessage. The channel and
// thread come from msg.ThreadID ("C123:1700000000.000100", or just a
// channel id for a new top-level message), else from msg.ReplyTo, else the
// reply goes to msg.To.ID as a direct message from the bot. A Direct reply
// to a message in a channel goes to msg.To.ID privately instead of into
// the channel's thread. It returns the new message's external id
// ("<channel>:<ts>").
func (c *Connector) Send(ctx context.Context, msg connector.Outbound) (string, error) {
	ref := msg.ThreadID
	if ref == "" {
		ref = msg.ReplyTo
	}
	channel, threadTS := splitID(ref)
	if msg.Visibility == connector.Direct && msg.To.ID != "" && !strings.HasPrefix(channel, "D") {
		channel, threadTS = msg.To.ID, ""
	}
	if channel == "" {
		channel = msg.To.ID
	}
	if channel == "" {
		return "", errors.New("slack: outbound message names no channel, thread or recipient")
	}
	text := msg.Text
	if msg.Subject != "" {
		text = "*" + msg.Subject + "*\n" + text
	}
	req := struct {
		Channel  string `json:"channel"`
		Text     string `json:"text"`
		ThreadTS string `json:"thread_ts,omitempty"`
	}{Channel: channel, Text: escape(text), ThreadTS: threadTS}
	var resp struct {
		apiResult
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	}
	if err := c.post(ctx, "chat.postMessage", req, &resp); err != nil {
		return "", err
	}
	if resp.Channel == "" {
		resp.Channel = channel
	}
	return messageID(resp.Channel, resp.TS), nil
}

// React implements connector.Reactor with reactions.add. externalID is a
// message id as delivered ("C123:1700000000.000100") and reaction an emoji
// name with or without colons. A reaction that is already there counts as
// success.
func (c *Connector) React(ctx context.Context, externalID, reaction string) error {
	channel, ts := splitID(externalID)
	if channel == "" || ts == "" {
		return fmt.Errorf("slack: %q is not a message id", externalID)
	}
	req := struct {
		Channel   string `json:"channel"`
		Timestamp string `json:"timestamp"`
		Name      string `json:"name"`
	}{channel, ts, strings.Trim(reaction, ":")}
	var resp apiResult
	err := c.post(ctx, "reactions.add", req, &resp)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Code == "already_reacted" {
		return nil
	}
	return err
}

// Profile implements connector.ProfileLookup with users.info. Name is the
// user's real name (falling back to the display name and then the user
// name), Email needs the users:read.email scope, and Handle is the user
// name.
func (c *Connector) Profile(ctx context.Context, authorID string) (connector.Author, error) {
	var resp struct {
		apiResult
		User struct {
			ID       string `json:"id"`
			Name     string `json:"name"`
			RealName string `json:"real_name"`
			Profile  struct {
				RealName    string `json:"real_name"`
				DisplayName string `json:"display_name"`
				Email       string `json:"email"`
			} `json:"profile"`
		} `json:"user"`
	}
	if err := c.get(ctx, "users.info", url.Values{"user": {authorID}}, &resp); err != nil {
		return connector.Author{}, err
	}
	u := resp.User
	a := connector.Author{ID: authorID, Email: u.Profile.Email, Handle: u.Name}
	for _, name := range []string{u.RealName, u.Profile.RealName, u.Profile.DisplayName, u.Name} {
		if name != "" {
			a.Name = name
			break
		}
	}
	return a, nil
}
