package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Statement is a write that PostgreSQL runs as one statement: its
// data-modifying WITH items stand for the statements of a transaction,
// written in parts by the packages that own them (a booking, the email
// that tells of it, the job that sends the email). In a transaction each
// statement is a round trip to the server, and BEGIN and COMMIT two more:
// a booking written in one statement instead of five took 40 % more
// bookings a second (docs/performance.md, tenth session). Concurrent
// statements then share a pipeline and its commit (see below).
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
	order []int64 // LockOrder's keys
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

// LockOrder gives the keys of the rows the statement locks, coarsest first
// (a place, then its space): statements sharing a pipeline run in the
// order of their keys, so that pipelines running at once lock rows in one
// order. The statement must lock its rows in that order too.
func (s *Statement) LockOrder(keys ...int64) { s.order = keys }

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
	r := &statementRequest{ctx: ctx, query: query, args: s.args, dest: dest, order: s.order, done: make(chan struct{})}
	s.db.statements.join(r, r.done, s.db.pipeline)
	if r.err != nil {
		return r.err
	}
	for _, fn := range s.then {
		fn()
	}
	return nil
}

// Pipelines. A statement is a transaction of its own, and each costs the
// server its round trip, its snapshot and its commit: most of the work of
// a booking (docs/performance.md, eleventh session). So concurrent
// statements share one: the statements that arrive while statementPipelines
// batches are running queue, and the next leader (group) sends them as one
// pipeline, with one Sync at its end — one transaction, one commit.
//
//   - Each statement runs as it would alone but for what the ones before
//     it in the pipeline wrote, which it sees: the pipeline is the same as
//     running them one after the other.
//   - A statement that fails rolls back the whole pipeline: the server
//     skips the rest. Each then runs again alone, and answers for itself,
//     exactly as without pipelines: a refusal costs its pipeline a second
//     round.
//   - The statements of a pipeline run in the order of their LockOrder
//     keys, so that two pipelines running at once lock the rows they share
//     in one order and do not deadlock (a deadlock is found after a
//     second).
//   - A statement whose caller has left is left out if its pipeline has
//     not begun; once sent, it runs to its end.

// statementPipelines bounds the pipelines running at once, and maxPipeline
// the statements of one. With two, one pipeline is sent while the other
// commits, and they are long: at 64 clients two gave more bookings a
// second than one or three, and twice as many as each statement alone
// (docs/performance.md, eleventh session).
const (
	statementPipelines = 2
	maxPipeline        = 16
)

type statementRequest struct {
	ctx   context.Context
	query string
	args  []any
	dest  []any
	order []int64
	err   error
	done  chan struct{} // closed once err is final
}

// pipeline runs batch, under the lead, and closes each request's done.
func (d *DB) pipeline(batch []*statementRequest) (after func()) {
	live := batch[:0:0]
	for _, r := range batch {
		if r.err = r.ctx.Err(); r.err != nil {
			close(r.done)
			continue
		}
		live = append(live, r)
	}
	slices.SortStableFunc(live, func(a, b *statementRequest) int { return slices.Compare(a.order, b.order) })
	if len(live) > 1 && d.sendPipeline(live) {
		for _, r := range live {
			close(r.done)
		}
		return nil
	}
	for _, r := range live {
		r.err = d.SQL.QueryRowContext(r.ctx, r.query, r.args...).Scan(r.dest...)
		close(r.done)
	}
	return nil
}

// sendPipeline runs batch's statements in one pipeline, one transaction,
// and tells whether each request's outcome is known. It is not when the
// server refused one of them (a *pgconn.PgError): the transaction rolled
// back, none of them wrote. Otherwise each request has its outcome: its
// row, or its error — one that ended the connection leaves the pipeline's
// commit unknown, as a statement alone's.
func (d *DB) sendPipeline(batch []*statementRequest) (known bool) {
	bg := context.Background()
	conn, err := d.SQL.Conn(bg)
	if err != nil {
		return false
	}
	defer conn.Close()
	var refused *pgconn.PgError
	err = conn.Raw(func(driverConn any) error {
		pipeline := &pgx.Batch{}
		for _, r := range batch {
			pipeline.Queue(r.query, r.args...)
		}
		// pgx sends the batch's statements with one Sync after the last
		// (and prepares those it has not met in a round trip before).
		results := driverConn.(*stdlib.Conn).Conn().SendBatch(bg, pipeline)
		for _, r := range batch {
			r.err = results.QueryRow().Scan(r.dest...)
			if errors.As(r.err, &refused) {
				break
			}
		}
		return results.Close()
	})
	if refused != nil || errors.As(err, &refused) {
		return false
	}
	for _, r := range batch {
		if r.err == nil {
			r.err = err
		}
	}
	return true
}

// Retry tells whether err, mapped by MapError, is worth retrying: the
// database was busy, or it ended a deadlock or a serialization failure.
// DB.Write retries them itself.
func Retry(err error) bool { return errors.Is(err, errRetry) }
