// Package httpx holds the small HTTP helpers shared by the web pages and the
// JSON API: mapping error codes to status codes, JSON responses, and the
// route table type that the authorisation test walks.
package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/socialdesk/socialdesk"
)

// codes maps domain error codes to HTTP status codes. This is the only
// place where the two meet.
var codes = map[string]int{
	socialdesk.ECONFLICT:     http.StatusConflict,
	socialdesk.EINVALID:      http.StatusUnprocessableEntity,
	socialdesk.ENOTFOUND:     http.StatusNotFound,
	socialdesk.EUNAUTHORIZED: http.StatusUnauthorized,
	socialdesk.EFORBIDDEN:    http.StatusForbidden,
	socialdesk.EUNAVAILABLE:  http.StatusServiceUnavailable,
	socialdesk.ETOOMANY:      http.StatusTooManyRequests,
	socialdesk.EINTERNAL:     http.StatusInternalServerError,
}

// Status returns the HTTP status for an error.
func Status(err error) int {
	if s, ok := codes[socialdesk.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON error shape: {"error": {"code", "message", "field"}}.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
}

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// WriteError writes err as a JSON error with the status its code maps to.
func WriteError(w http.ResponseWriter, err error) {
	var body ErrorBody
	body.Error.Code = socialdesk.ErrorCode(err)
	body.Error.Message = socialdesk.ErrorMessage(err)
	body.Error.Field = socialdesk.ErrorField(err)
	if body.Error.Code == socialdesk.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="socialdesk"`)
	}
	WriteJSON(w, Status(err), body)
}

// ErrMalformed marks a request body that is not valid JSON; it maps to 400.
var ErrMalformed = errors.New("malformed request")

// malformedError is a 400 error with a message for the client.
type malformedError struct{ msg string }

func (e *malformedError) Error() string { return e.msg }
func (e *malformedError) Unwrap() error { return ErrMalformed }

// Malformed returns a 400 error with the message.
func Malformed(msg string) error { return &malformedError{msg} }

// DecodeJSON reads a JSON object from r into v, rejecting unknown fields,
// trailing data and bodies over max bytes. Its errors wrap ErrMalformed.
func DecodeJSON(r *http.Request, v any, max int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return &malformedError{"Send the body as application/json."}
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, max+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return socialdesk.FieldError(ute.Field, "%s must be a %s.", ute.Field, ute.Type.String())
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return &malformedError{"The request body is empty, cut short or larger than allowed."}
		}
		return &malformedError{fmt.Sprintf("The request body is not valid JSON: %v", err)}
	}
	if dec.More() {
		return &malformedError{"The request body has data after the JSON object."}
	}
	return nil
}

// WriteDecodeError writes a decode error: 400 when malformed, otherwise as
// a domain error.
func WriteDecodeError(w http.ResponseWriter, err error) {
	if errors.Is(err, ErrMalformed) {
		var body ErrorBody
		body.Error.Code = "bad_request"
		body.Error.Message = err.Error()
		WriteJSON(w, http.StatusBadRequest, body)
		return
	}
	WriteError(w, err)
}

// Route is one entry of a route table: the method and pattern given to
// http.ServeMux, and who may use it.
type Route struct {
	Method  string
	Pattern string
	// Access is "public", "user" (any signed-in person), "staff" or "admin";
	// the authorisation table test checks each route against it.
	Access  string
	Summary string
	Handler http.HandlerFunc
}

// MuxPattern is the pattern to register with http.ServeMux.
func (r Route) MuxPattern() string { return r.Method + " " + r.Pattern }
