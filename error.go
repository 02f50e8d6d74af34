package kickoff

import (
	"errors"
	"fmt"
	"time"
)

// Error codes: every adapter (REST, GraphQL, CLI) translates these in one
// place into its own statuses and codes.
const (
	EConflict     = "conflict"     // the action conflicts with the current state
	EInternal     = "internal"     // a bug or an outage; logged, never shown in detail
	EInvalid      = "invalid"      // the input is wrong; the message says how
	ENotFound     = "not_found"    // absent, or hidden from this viewer
	EForbidden    = "forbidden"    // the viewer may not do this
	EUnauthorized = "unauthorized" // no valid credentials
	ERateLimited  = "rate_limited" // too many requests; try later
)

// Error is a domain error whose message is safe to show to the client.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns a domain error with a client-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of a domain error, or EInternal for any other error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EInternal
}

// ErrorMessage returns the client-safe message of err; internal errors get a
// generic one so no SQL or stack detail leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// RateLimitedError refuses a caller who should wait RetryAfter; Err (an
// ERateLimited domain error) says why, so it maps like any domain error.
type RateLimitedError struct {
	RetryAfter time.Duration
	Err        *Error
}

func (e *RateLimitedError) Error() string { return e.Err.Message }
func (e *RateLimitedError) Unwrap() error { return e.Err }

// RetryAfter returns how long a rate-limited caller should wait, if err says so.
func RetryAfter(err error) (time.Duration, bool) {
	var rl *RateLimitedError
	if errors.As(err, &rl) {
		return rl.RetryAfter, true
	}
	return 0, false
}
