package childmatch

import (
	"errors"
	"fmt"
	"time"
)

// ErrorCode classifies an error for whoever has to act on it. The HTTP layer maps codes to status codes in
// one table; everything else only ever sets or reads a code.
type ErrorCode string

const (
	EInvalid          ErrorCode = "invalid"           // the request is malformed or a field fails validation
	ENotFound         ErrorCode = "not_found"         // no such case, photo, face or route
	ENoFace           ErrorCode = "no_face"           // the photo decodes but holds no detectable face
	ETooLarge         ErrorCode = "too_large"         // bytes or pixels over the configured limits
	EUnsupportedMedia ErrorCode = "unsupported_media" // not an image format we accept
	EUnauthorized     ErrorCode = "unauthorized"      // missing, unknown or revoked token
	EForbidden        ErrorCode = "forbidden"         // a valid token without the role for this action
	ETooManyRequests  ErrorCode = "too_many_requests" // over a rate limit; the answer says when to try again
	EConflict         ErrorCode = "conflict"          // a concurrent change won; retry with fresh state
	EUnavailable      ErrorCode = "unavailable"       // a dependency (MinIO) cannot be reached
	ECanceled         ErrorCode = "canceled"          // the client went away before the answer; nothing failed
	EInternal         ErrorCode = "internal"          // a bug or an unexpected failure; details are logged, never shown
)

// Error is the one error type of the domain. Message is written for people and is safe to show to the
// client: it never holds a child's name, contact details or photo content. Field names the offending input
// field when there is one. Err is the underlying cause, for logs only.
type Error struct {
	Code    ErrorCode
	Message string
	Field   string
	Err     error
	// RetryAfter, with ETooManyRequests, says when to try again.
	RetryAfter time.Duration
	// CaseID, with EConflict, is the case that already holds what was to be created (an imported case's
	// origin), when the asker may see it.
	CaseID ID
}

func (e *Error) Error() string {
	msg := string(e.Code) + ": " + e.Message
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EInvalid error naming the offending field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// Unavailable wraps a dependency failure so the client hears "try again later" and the log keeps the cause.
func Unavailable(what string, err error) *Error {
	return &Error{Code: EUnavailable, Message: what + " is unavailable, try again later", Err: err}
}

// Canceled wraps the error of work stopped because its request's client went away (context.Canceled), so
// it is neither logged as a failure nor answered as one.
func Canceled(err error) *Error {
	return &Error{Code: ECanceled, Message: "the request was cancelled", Err: err}
}

// ErrorCodeOf returns the code of the first *Error in err's chain, EInternal for any other error, and ""
// for nil.
func ErrorCodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the human message of err's *Error, or "internal error" for anything else, so
// unknown errors never leak their text to clients.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EInternal {
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the offending field named by err, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
