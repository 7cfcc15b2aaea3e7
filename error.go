// Package socialdesk holds the domain vocabulary of the service desk: people,
// tickets, messages, priorities, permissions and the coded errors every layer
// uses. It imports neither HTTP nor SQL; those live at the edges.
package socialdesk

import (
	"errors"
	"fmt"
)

// Error codes. They say what went wrong in domain terms; the HTTP layer maps
// them to status codes at the edge.
const (
	ECONFLICT     = "conflict"     // the action clashes with the current state
	EINTERNAL     = "internal"     // a bug or an outside failure
	EINVALID      = "invalid"      // the input is well formed but not acceptable
	ENOTFOUND     = "not_found"    // the thing does not exist or is hidden
	EUNAUTHORIZED = "unauthorized" // nobody is signed in, or the credential is bad
	EFORBIDDEN    = "forbidden"    // signed in, but the role may not do this
	EUNAVAILABLE  = "unavailable"  // a dependency is down; try again later
	ETOOMANY      = "too_many"     // rate limited; try again later
)

// Error is a domain error with a code and a message meant for the user.
type Error struct {
	Code    string
	Message string
	// Field names the input field at fault, when there is one.
	Field string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("socialdesk error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("socialdesk error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error about one input field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, EINTERNAL for any
// other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of the *Error in err's chain.
// Other errors get a generic message so internals never leak to users.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error. Try again; if it persists, tell your administrator."
}

// ErrorField returns the field named by the *Error in err's chain, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
