package webhook

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk/connector"
)

// Error codes used in JSON error bodies.
const (
	CodeUnauthorized  = "unauthorized"
	CodeInvalid       = "invalid"
	CodeUnprocessable = "unprocessable"
	CodeUnavailable   = "unavailable"
)

// payload is the request body.
type payload struct {
	ExternalID  string       `json:"external_id"`
	Author      author       `json:"author"`
	Text        string       `json:"text"`
	ReplyTo     string       `json:"reply_to"`
	SentAt      string       `json:"sent_at"`
	Visibility  string       `json:"visibility"`
	Attachments []attachment `json:"attachments"`
}

type author struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        string `json:"data"`
	URL         string `json:"url"`
}

// Accepted is the body of a 200 or 202 answer.
type Accepted struct {
	MessageID int64 `json:"message_id"`
	TicketID  int64 `json:"ticket_id"`
}

// ErrorBody is the body of every error answer.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// fieldError reports an invalid field; it becomes a 422 answer.
type fieldError struct {
	field, problem string
}

func (e *fieldError) Error() string { return e.field + ": " + e.problem }

// ServeWebhook implements connector.WebhookReceiver. See the package
// documentation for the request format and the answers.
func (c *Connector) ServeWebhook(w http.ResponseWriter, r *http.Request, sink connector.Sink) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, CodeInvalid, "only POST is accepted")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, c.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, CodeInvalid,
				fmt.Sprintf("body is larger than %d bytes", c.maxBody))
			return
		}
		writeError(w, http.StatusBadRequest, CodeInvalid, "could not read body")
		return
	}
	if err := c.verify(r.Header, body); err != nil {
		msg := "bad signature"
		if !errors.Is(err, connector.ErrBadSignature) {
			msg = err.Error()
		}
		writeError(w, http.StatusUnauthorized, CodeUnauthorized, msg)
		return
	}
	msg, status, err := c.parse(body)
	if err != nil {
		code := CodeInvalid
		if status == http.StatusUnprocessableEntity {
			code = CodeUnprocessable
		}
		writeError(w, status, code, err.Error())
		return
	}
	ctx, cancel := sinkContext(r.Context())
	defer cancel()
	rec, err := sink.Deliver(ctx, msg)
	if errors.Is(err, connector.ErrRejected) {
		writeError(w, http.StatusUnprocessableEntity, CodeUnprocessable, err.Error())
		return
	}
	if err != nil {
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "message could not be stored, retry later")
		return
	}
	status = http.StatusAccepted
	if rec.Duplicate {
		status = http.StatusOK
	}
	writeJSON(w, status, Accepted{MessageID: rec.MessageID, TicketID: rec.TicketID})
}

// parse decodes and validates body. On failure it returns the HTTP status
// (400 or 422) and an error whose text is safe to show to the sender.
func (c *Connector) parse(body []byte) (connector.Inbound, int, error) {
	var p payload
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&p); err != nil {
		return connector.Inbound{}, decodeStatus(err), decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return connector.Inbound{}, http.StatusBadRequest, errors.New("body must hold a single JSON object")
	}
	if field := unknownField(body); field != "" {
		return connector.Inbound{}, http.StatusUnprocessableEntity, &fieldError{field, "unknown field"}
	}
	msg, err := c.inbound(p)
	if err != nil {
		return connector.Inbound{}, http.StatusUnprocessableEntity, err
	}
	return msg, 0, nil
}

// decodeStatus tells malformed JSON (400) from well-formed JSON with values
// of the wrong type (422).
func decodeStatus(err error) int {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return http.StatusUnprocessableEntity
	}
	return http.StatusBadRequest
}

// decodeError turns a decoding error into a message naming the field.
func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return errors.New("body must be a JSON object")
		}
		return &fieldError{typeErr.Field, "must be " + jsonKind(typeErr.Type.Kind().String())}
	case errors.Is(err, io.EOF):
		return errors.New("body is empty")
	default:
		return errors.New("body is not valid JSON")
	}
}

// unknownField returns the path of the first field (in sorted order) that
// the request format does not define, or "". Keys must match exactly;
// encoding/json alone would accept "External_ID" for "external_id". body
// must already have decoded into a payload.
func unknownField(body []byte) string {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return ""
	}
	if f := firstUnknown(top, "external_id", "author", "text", "reply_to", "sent_at", "visibility", "attachments"); f != "" {
		return f
	}
	var author map[string]json.RawMessage
	if json.Unmarshal(top["author"], &author) == nil {
		if f := firstUnknown(author, "id", "name"); f != "" {
			return "author." + f
		}
	}
	var atts []map[string]json.RawMessage
	if json.Unmarshal(top["attachments"], &atts) == nil {
		for i, a := range atts {
			if f := firstUnknown(a, "name", "content_type", "data", "url"); f != "" {
				return fmt.Sprintf("attachments[%d].%s", i, f)
			}
		}
	}
	return ""
}

// firstUnknown returns the first key of obj, in sorted order, that is not
// one of allowed.
func firstUnknown(obj map[string]json.RawMessage, allowed ...string) string {
	keys := slices.Sorted(maps.Keys(obj))
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return k
		}
	}
	return ""
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "slice":
		return "a list"
	default:
		return "an object"
	}
}

// inbound validates p and builds the message for the sink.
func (c *Connector) inbound(p payload) (connector.Inbound, error) {
	if strings.TrimSpace(p.ExternalID) == "" {
		return connector.Inbound{}, &fieldError{"external_id", "is required"}
	}
	if strings.TrimSpace(p.Author.ID) == "" {
		return connector.Inbound{}, &fieldError{"author.id", "is required"}
	}
	if strings.TrimSpace(p.Text) == "" {
		return connector.Inbound{}, &fieldError{"text", "is required"}
	}
	msg := connector.Inbound{
		Channel:    c.name,
		ExternalID: p.ExternalID,
		ReplyTo:    p.ReplyTo,
		Author:     connector.Author{ID: p.Author.ID, Name: p.Author.Name},
		Text:       p.Text,
		SentAt:     c.now().UTC(),
		Visibility: connector.Private,
	}
	if p.SentAt != "" {
		t, err := time.Parse(time.RFC3339Nano, p.SentAt)
		if err != nil {
			return connector.Inbound{}, &fieldError{"sent_at", "must be an RFC 3339 time such as 2026-11-22T10:00:00Z"}
		}
		msg.SentAt = t.UTC()
	}
	switch v := connector.Visibility(p.Visibility); v {
	case "":
	case connector.Public, connector.Private, connector.Direct:
		msg.Visibility = v
	default:
		return connector.Inbound{}, &fieldError{"visibility", "must be public, private or direct"}
	}
	var links []string
	for i, a := range p.Attachments {
		field := fmt.Sprintf("attachments[%d]", i)
		if strings.TrimSpace(a.Name) == "" {
			return connector.Inbound{}, &fieldError{field + ".name", "is required"}
		}
		switch {
		case a.Data != "" && a.URL != "":
			return connector.Inbound{}, &fieldError{field, "must have either data or url, not both"}
		case a.Data != "":
			data, err := base64.StdEncoding.DecodeString(a.Data)
			if err != nil {
				return connector.Inbound{}, &fieldError{field + ".data", "must be standard base64"}
			}
			msg.Attachments = append(msg.Attachments, connector.Attachment{
				Name: a.Name, ContentType: a.ContentType, Data: data,
			})
		case a.URL != "":
			u, err := url.Parse(a.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return connector.Inbound{}, &fieldError{field + ".url", "must be an absolute http or https URL"}
			}
			links = append(links, a.Name+": "+u.String())
		default:
			return connector.Inbound{}, &fieldError{field, "needs data or url"}
		}
	}
	if len(links) > 0 {
		msg.Text += "\n\nAttachments:\n" + strings.Join(links, "\n")
	}
	return msg, nil
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	var e ErrorBody
	e.Error.Code = code
	e.Error.Message = message
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
