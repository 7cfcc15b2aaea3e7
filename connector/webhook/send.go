package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/socialdesk/socialdesk/connector"
)

// ErrNoReplyURL is returned by Send when the connector has no ReplyURL.
var ErrNoReplyURL = errors.New("webhook: no reply URL configured")

// Reply is the JSON body Send posts to the reply URL.
type Reply struct {
	// ID is a fresh random id for this reply. The receiver may echo it or
	// return its own id as "external_id" in a JSON answer.
	ID         string `json:"id"`
	ReplyTo    string `json:"reply_to,omitempty"`
	ThreadID   string `json:"thread_id,omitempty"`
	To         Person `json:"to"`
	Subject    string `json:"subject,omitempty"`
	Text       string `json:"text"`
	Visibility string `json:"visibility,omitempty"`
}

// Person names the addressee of a reply.
type Person struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// ReplyError is returned by Send when the reply URL answers with a status
// other than 2xx.
type ReplyError struct {
	StatusCode int
}

// Error describes the status the reply URL answered with.
func (e *ReplyError) Error() string {
	return fmt.Sprintf("webhook: reply URL answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
}

// Send implements connector.Sender. It POSTs msg as a [Reply] to the
// configured ReplyURL, signed with X-Socialdesk-Timestamp and
// X-Socialdesk-Signature exactly like inbound requests. It returns the
// "external_id" from a JSON answer when there is one, else the reply's own
// ID. Any 2xx answer counts as success.
func (c *Connector) Send(ctx context.Context, msg connector.Outbound) (string, error) {
	if c.replyURL == "" {
		return "", ErrNoReplyURL
	}
	id, err := newID()
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(Reply{
		ID:         id,
		ReplyTo:    msg.ReplyTo,
		ThreadID:   msg.ThreadID,
		To:         Person{ID: msg.To.ID, Name: msg.To.Name},
		Subject:    msg.Subject,
		Text:       msg.Text,
		Visibility: string(msg.Visibility),
	})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.replyURL, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("webhook: reply request: %w", err)
	}
	ts := strconv.FormatInt(c.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(TimestampHeader, ts)
	req.Header.Set(SignatureHeader, SignTimestamp(c.secret, ts, body))
	resp, err := c.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("webhook: send reply: %w", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return "", fmt.Errorf("webhook: read reply answer: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", &ReplyError{StatusCode: resp.StatusCode}
	}
	var out struct {
		ExternalID string `json:"external_id"`
	}
	if json.Unmarshal(answer, &out) == nil && out.ExternalID != "" {
		return out.ExternalID, nil
	}
	return id, nil
}

func newID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
