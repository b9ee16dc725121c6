// Package coop holds what every capability shares: the application error
// type with its stable codes, and the injected clock.
package coop

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Error codes are stable: the API returns them as is and the web layer maps
// them to HTTP statuses. Add, never rename.
const (
	EInvalid      = "invalid"      // the input is wrong; Fields says where
	ENotFound     = "not_found"    // no such object, or not visible to the caller
	EConflict     = "conflict"     // a uniqueness or concurrency rule refused the write
	EUnauthorized = "unauthorized" // the caller must authenticate
	EForbidden    = "forbidden"    // the caller may not do this
	ERateLimited  = "rate_limited" // too many attempts; retry later
	EGone         = "gone"         // the link or token expired or was used
	EInternal     = "internal"     // a bug or an outage; never shown in detail
	EUnavailable  = "unavailable"  // a dependency (database, SMTP) is not reachable
	ETwoFactor    = "two_factor"   // the second factor is required or wrong
	EPrecondition = "precondition" // the state of the object forbids the action
)

// Error is the application's error. Message is a message key of the i18n
// catalogs (with Args), safe to show to a user once translated; Fields maps a
// form field name to the message key of its problem.
type Error struct {
	Code string
	// Reason, when set, is a stable code more precise than Code
	// ("booking.full"), which the API answers in place of Code.
	Reason  string
	Message string
	Args    []any
	Fields  map[string]string
	// FieldArgs are the arguments of some fields' messages.
	FieldArgs map[string][]any
	// RetryAfter, for ERateLimited, says when to try again.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("coop %s: %s %v", e.Code, e.Message, e.Fields)
	}
	return fmt.Sprintf("coop %s: %s", e.Code, e.Message)
}

// Refusal returns an Error whose Reason and Message are both reason: a
// business rule's refusal, with its stable code and its message key.
func Refusal(code, reason string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: reason, Args: args}
}

// Errorf returns an Error of the given code; message is a catalog key.
func Errorf(code, message string, args ...any) *Error {
	return &Error{Code: code, Message: message, Args: args}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, and
// EInternal otherwise.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// AsError returns the *Error inside err, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Msg is a message key with its arguments, given as the argument of
// another message: it is translated first.
type Msg struct {
	Key  string
	Args []any
}

// Problems collects field errors during validation.
type Problems map[string]string

// Add records the first problem of a field; later ones are ignored so the
// user sees one clear message per field.
func (p Problems) Add(field, key string) {
	if _, ok := p[field]; !ok {
		p[field] = key
	}
}

// Days reads two days (YYYY-MM-DD), the second not before the first, and
// records what is wrong with them: an unreadable day, or an end before
// the start (beforeKey). ok says whether both are usable.
func (p Problems) Days(fromField, from, toField, to, beforeKey string) (start, end time.Time, ok bool) {
	start, err1 := time.Parse(time.DateOnly, strings.TrimSpace(from))
	end, err2 := time.Parse(time.DateOnly, strings.TrimSpace(to))
	switch {
	case err1 != nil:
		p.Add(fromField, "error.date_invalid")
	case err2 != nil:
		p.Add(toField, "error.date_invalid")
	case end.Before(start):
		p.Add(toField, beforeKey)
	default:
		return start, end, true
	}
	return start, end, false
}

// Err returns an EInvalid error carrying the problems, or nil when there are none.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return &Error{Code: EInvalid, Message: "error.invalid_form", Fields: p}
}

// Clock tells the time; tests inject a fixed or stepping clock.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current instant.
func (SystemClock) Now() time.Time { return time.Now() }

// FixedClock is a settable clock for tests, safe for concurrent use.
type FixedClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFixedClock returns a clock stopped at t.
func NewFixedClock(t time.Time) *FixedClock { return &FixedClock{t: t} }

// Now returns the clock's instant.
func (c *FixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *FixedClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Fingerprint names a value as read — a questionnaire, a part of one, a
// list of documents: an editor sends back the fingerprint of what it
// showed, and a change made from a page that someone else's change has
// overtaken is refused instead of silently undoing theirs.
func Fingerprint(v any) string {
	text, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain values
	}
	sum := sha256.Sum256(text)
	return hex.EncodeToString(sum[:12])
}
