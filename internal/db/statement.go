package db

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Statement is a write that PostgreSQL runs as one statement, a transaction
// of its own: its data-modifying WITH items stand for the statements of a
// transaction, written in parts by the packages that own them (a booking,
// the email that tells of it, the job that sends the email). In a
// transaction each statement is a round trip to the server, and BEGIN and
// COMMIT two more: a booking written in one statement instead of five took
// 40 % more bookings a second (docs/performance.md, tenth session).
//
// It is for the hot writes whose every step fits in SQL; DB.Write stays the
// way to write, and the only one on SQLite, whose WITH items cannot modify.
// Each item sees the tables as the statement began, and what the items it
// names return (RETURNING), not the rows they wrote: an item that needs a
// fresh count takes it in a trigger (as the seats of a booking are
// counted), or the write belongs in DB.Write.
type Statement struct {
	// Now is the instant the write runs at, as Tx.Now.
	Now   time.Time
	db    *DB
	with  []string
	args  []any
	names map[string]bool
	then  []func()
}

// Statement starts a one-statement write. It runs on PostgreSQL only.
func (d *DB) Statement() *Statement {
	return &Statement{Now: Instant(d.Clock.Now()), db: d, names: map[string]bool{}}
}

// Arg adds an argument and returns its placeholder.
func (s *Statement) Arg(v any) string {
	s.args = append(s.args, v)
	return "$" + strconv.Itoa(len(s.args))
}

// Args adds arguments and returns their placeholders, separated by commas.
func (s *Statement) Args(vs ...any) string {
	ph := make([]string, len(vs))
	for i, v := range vs {
		ph[i] = s.Arg(v)
	}
	return strings.Join(ph, ", ")
}

// With adds the item `name AS (query)`; later items and the final query
// may read it by name. Two items of one name are a programming error.
func (s *Statement) With(name, query string) {
	if s.names[name] {
		panic(fmt.Sprintf("db: two WITH items named %q in one statement", name))
	}
	s.names[name] = true
	s.with = append(s.with, name+" AS ("+query+")")
}

// Then has fn run once the statement has written (Scan returns nil): to
// wake a worker for the rows it added, say.
func (s *Statement) Then(fn func()) { s.then = append(s.then, fn) }

// Scan runs the statement ending with the query final, and scans its one
// row into dest. A failed statement wrote nothing. Its errors are the
// driver's, as a Tx's statements' are: read them with Raised, then map
// them with MapError.
func (s *Statement) Scan(ctx context.Context, final string, dest ...any) error {
	if s.db.Engine != Postgres {
		return errors.New("db: a one-statement write runs on PostgreSQL only")
	}
	query := final
	if len(s.with) > 0 {
		query = "WITH " + strings.Join(s.with, ",\n") + "\n" + final
	}
	if err := s.db.SQL.QueryRowContext(ctx, query, s.args...).Scan(dest...); err != nil {
		return err
	}
	for _, fn := range s.then {
		fn()
	}
	return nil
}

// Retry tells whether err, mapped by MapError, is worth retrying: the
// database was busy, or it ended a deadlock or a serialization failure.
// DB.Write retries them itself.
func Retry(err error) bool { return errors.Is(err, errRetry) }
