// Package jobs is the durable job queue: background work (email, reminders,
// waitlist promotions, newsletters) stored in the jobs table of the same
// database, so that a job exists if and only if the business write that
// enqueued it committed.
//
// Delivery is at least once: a job whose worker dies is run again once its
// lease expires, so handlers must be idempotent (check the state they are
// about to change before changing it).
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"coopconnect/internal/db"
)

// The job statuses stored in jobs.status.
const (
	StatusPending = "pending"
	StatusRunning = "running"
	StatusDone    = "done"
	StatusFailed  = "failed"
)

const (
	// DefaultMaxAttempts is the number of runs a job gets unless Enqueue
	// is given MaxAttempts.
	DefaultMaxAttempts = 8
	// Lease is how long a claimed job belongs to its worker; after that,
	// the worker is presumed dead and the job is claimed again.
	Lease = 5 * time.Minute
	// Timeout bounds one run of a handler. It is shorter than Lease so that
	// a slow handler is stopped before another worker may take its job.
	Timeout = 4 * time.Minute

	pollInterval  = time.Second
	firstBackoff  = 10 * time.Second
	maxBackoff    = time.Hour
	maxErrorRunes = 1000
	finishTimeout = 10 * time.Second
)

// Handler runs one job of a kind. payload is the JSON given to Enqueue. A
// returned error makes the job run again later, until its last attempt.
type Handler func(ctx context.Context, payload []byte) error

// Queue enqueues jobs in the caller's transactions and runs them.
type Queue struct {
	db  *db.DB
	log *slog.Logger

	mu       sync.RWMutex
	handlers map[string]Handler

	wake chan struct{}
}

// New returns a queue over the database's jobs table. log may be nil.
func New(d *db.DB, log *slog.Logger) *Queue {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Queue{db: d, log: log, handlers: map[string]Handler{}, wake: make(chan struct{}, 1)}
}

// Register sets the handler of a kind of job. Register every kind before
// Run; registering a kind twice, or a nil handler, is a programming error
// and panics.
func (q *Queue) Register(kind string, h Handler) {
	if kind == "" || h == nil {
		panic("jobs: Register needs a kind and a handler")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, dup := q.handlers[kind]; dup {
		panic("jobs: kind " + kind + " registered twice")
	}
	q.handlers[kind] = h
}

func (q *Queue) handler(kind string) Handler {
	q.mu.RLock()
	defer q.mu.RUnlock()
	return q.handlers[kind]
}

// Option changes how Enqueue schedules a job.
type Option func(*options)

type options struct {
	runAt       time.Time
	maxAttempts int
}

// RunAt delays the job's first run until t (stored to the second).
func RunAt(t time.Time) Option { return func(o *options) { o.runAt = t } }

// MaxAttempts sets how many runs the job gets before it is failed.
func MaxAttempts(n int) Option { return func(o *options) { o.maxAttempts = n } }

// Enqueue adds a job of kind in the caller's transaction: the job exists
// only if that transaction commits. payload is encoded as JSON. Enqueue also
// wakes the in-process worker; on SQLite the worker then waits for the
// caller's commit, on PostgreSQL it may look too early and find the job at
// its next poll (a second later) unless the caller calls Wake after commit.
func (q *Queue) Enqueue(ctx context.Context, tx *db.Tx, kind string, payload any, opts ...Option) error {
	o, err := settle(kind, tx.Now, opts)
	if err != nil {
		return err
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("jobs: enqueue %s: encode payload: %w", kind, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO jobs (kind, payload, status, attempts, max_attempts, run_at, created_at)
		VALUES ($1, $2, $3, 0, $4, $5, $6)`, kind, string(body), StatusPending, o.maxAttempts, o.runAt, tx.Now); err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", kind, err)
	}
	q.Wake()
	return nil
}

// EnqueueWith adds to a one-statement write (db.Statement, PostgreSQL) a
// job of kind for each row of its item from, as Enqueue would in a
// transaction: payload is the SQL expression of its JSON, over that row.
// It wakes the worker once the statement has written.
func (q *Queue) EnqueueWith(st *db.Statement, kind, payload, from string, opts ...Option) error {
	o, err := settle(kind, st.Now, opts)
	if err != nil {
		return err
	}
	st.With("job_of_"+from, `INSERT INTO jobs (kind, payload, status, attempts, max_attempts, run_at, created_at)
		SELECT `+st.Args(kind)+`, `+payload+`, `+st.Args(StatusPending)+`, 0, `+st.Args(o.maxAttempts, o.runAt, st.Now)+` FROM `+from)
	st.Then(q.Wake)
	return nil
}

// settle applies opts to a job of kind enqueued at now, and checks them.
func settle(kind string, now time.Time, opts []Option) (options, error) {
	o := options{maxAttempts: DefaultMaxAttempts}
	for _, opt := range opts {
		opt(&o)
	}
	if kind == "" {
		return o, errors.New("jobs: enqueue without a kind")
	}
	if o.maxAttempts < 1 {
		return o, fmt.Errorf("jobs: enqueue %s: max attempts %d, want at least 1", kind, o.maxAttempts)
	}
	if o.runAt.IsZero() {
		o.runAt = now
	} else {
		o.runAt = db.Instant(o.runAt)
	}
	return o, nil
}

// Wake tells the worker to look for due jobs now instead of at its next
// poll. It never blocks, and waking for nothing is harmless.
func (q *Queue) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Run is a worker: it runs due jobs one at a time until ctx is done,
// looking for them every second, or at once after Wake. Several workers, in
// one process or many, may run on the same database.
func (q *Queue) Run(ctx context.Context) {
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		if _, err := q.RunDue(ctx); err != nil && ctx.Err() == nil {
			q.log.Error("jobs: cannot run due jobs", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-q.wake:
		case <-tick.C:
		}
	}
}

// RunDue runs, one after the other, every job due now (by the database's
// clock) and returns how many it took, whatever their outcome. A job that
// fails is due again only after its backoff, so RunDue ends.
func (q *Queue) RunDue(ctx context.Context) (int, error) {
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		j, err := q.claim(ctx)
		if err != nil || j == nil {
			return n, err
		}
		n++
		if err := q.process(ctx, j); err != nil {
			return n, err
		}
	}
}

// Info describes the run of a job; handlers get it with InfoFrom.
type Info struct {
	ID          int64
	Kind        string
	Attempt     int // 1 for the first run
	MaxAttempts int
}

// Last tells whether a failure of this run fails the job for good.
func (i Info) Last() bool { return i.Attempt >= i.MaxAttempts }

type infoKey struct{}

// InfoFrom returns the Info of the job whose handler ctx was given to.
func InfoFrom(ctx context.Context) (Info, bool) {
	i, ok := ctx.Value(infoKey{}).(Info)
	return i, ok
}

// Backoff is the delay before a job runs again after its attempt-th run
// failed: 10s, 20s, 40s… doubling up to one hour.
func Backoff(attempt int) time.Duration {
	d := firstBackoff
	for i := 1; i < attempt && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// claimed is a job this worker holds the lease of.
type claimed struct {
	Info
	payload []byte
}

// claim takes the next due job, if any: a pending job whose time has come,
// or a running job whose worker let its lease expire. Attempts count the
// runs started, so a job that kills its worker cannot loop forever.
func (q *Queue) claim(ctx context.Context) (*claimed, error) {
	var j *claimed
	err := q.db.Write(ctx, func(tx *db.Tx) error {
		j = nil // Write may run this function again
		for {
			var (
				c       claimed
				status  string
				payload string
			)
			err := tx.QueryRowContext(ctx, `SELECT id, kind, payload, status, attempts, max_attempts FROM jobs
				WHERE (status = 'pending' AND run_at <= $1) OR (status = 'running' AND locked_until < $1)
				ORDER BY run_at, id LIMIT 1`+tx.ForUpdateSkipLocked(), tx.Now).
				Scan(&c.ID, &c.Kind, &payload, &status, &c.Attempt, &c.MaxAttempts)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			if status == StatusRunning {
				q.log.Warn("jobs: lease expired, the worker presumably died", "job", c.ID, "kind", c.Kind, "attempt", c.Attempt)
				if c.Attempt >= c.MaxAttempts {
					if _, err := tx.ExecContext(ctx, `UPDATE jobs SET status = $2, locked_until = NULL, finished_at = $3, last_error = $4 WHERE id = $1`,
						c.ID, StatusFailed, tx.Now, "lease expired during the last attempt (worker stopped or overran its lease)"); err != nil {
						return err
					}
					continue
				}
			}
			c.Attempt++
			if _, err := tx.ExecContext(ctx, `UPDATE jobs SET status = $2, attempts = $3, locked_until = $4 WHERE id = $1`,
				c.ID, StatusRunning, c.Attempt, tx.Now.Add(Lease)); err != nil {
				return err
			}
			c.payload = []byte(payload)
			j = &c
			return nil
		}
	})
	return j, err
}

// process runs a claimed job and records the outcome.
func (q *Queue) process(ctx context.Context, j *claimed) error {
	h := q.handler(j.Kind)
	var runErr error
	final := false
	if h == nil {
		runErr = fmt.Errorf("no handler registered for job kind %q", j.Kind)
		final = true
	} else {
		runErr = q.call(ctx, h, j)
	}
	interrupted := runErr != nil && ctx.Err() != nil
	if runErr != nil && !interrupted {
		q.log.Warn("jobs: job failed", "job", j.ID, "kind", j.Kind, "attempt", j.Attempt, "max_attempts", j.MaxAttempts, "err", runErr)
	}

	// The outcome is recorded even when ctx was cancelled meanwhile.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	return q.db.Write(fctx, func(tx *db.Tx) error {
		var res sql.Result
		var err error
		// attempts = $2 fences the update: if our lease expired and another
		// worker took the job, this run's outcome no longer decides.
		const where = ` WHERE id = $1 AND attempts = $2 AND status = 'running'`
		switch {
		case runErr == nil:
			res, err = tx.ExecContext(fctx, `UPDATE jobs SET status = $3, locked_until = NULL, finished_at = $4`+where,
				j.ID, j.Attempt, StatusDone, tx.Now)
		case interrupted:
			// Stopped by shutdown: give the attempt back and run it again soon.
			res, err = tx.ExecContext(fctx, `UPDATE jobs SET status = $3, attempts = attempts - 1, locked_until = NULL, run_at = $4`+where,
				j.ID, j.Attempt, StatusPending, tx.Now)
		case final || j.Last():
			res, err = tx.ExecContext(fctx, `UPDATE jobs SET status = $3, locked_until = NULL, finished_at = $4, last_error = $5`+where,
				j.ID, j.Attempt, StatusFailed, tx.Now, errorText(runErr))
		default:
			res, err = tx.ExecContext(fctx, `UPDATE jobs SET status = $3, locked_until = NULL, run_at = $4, last_error = $5`+where,
				j.ID, j.Attempt, StatusPending, tx.Now.Add(Backoff(j.Attempt)), errorText(runErr))
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			q.log.Warn("jobs: job outlived its lease; another worker has taken it", "job", j.ID, "kind", j.Kind, "attempt", j.Attempt)
		}
		return nil
	})
}

// call runs the handler with a timeout, turning a panic into an error so
// that one bad job does not stop the worker.
func (q *Queue) call(ctx context.Context, h Handler, j *claimed) (err error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			q.log.Error("jobs: handler panicked", "job", j.ID, "kind", j.Kind, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return h(context.WithValue(ctx, infoKey{}, j.Info), j.payload)
}

// errorText is the error as stored in last_error: valid UTF-8 without NUL
// (PostgreSQL refuses both), at most maxErrorRunes characters. Handlers are
// responsible for keeping secrets out of their errors.
func errorText(err error) string {
	s := strings.ToValidUTF8(err.Error(), "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	if utf8.RuneCountInString(s) <= maxErrorRunes {
		return s
	}
	r := []rune(s)
	return string(r[:maxErrorRunes-1]) + "…"
}

// Stats counts the jobs by status; every status is present.
func (q *Queue) Stats(ctx context.Context) (map[string]int, error) {
	out := map[string]int{StatusPending: 0, StatusRunning: 0, StatusDone: 0, StatusFailed: 0}
	err := q.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT status, count(*) FROM jobs GROUP BY status`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var status string
			var n int
			if err := rows.Scan(&status, &n); err != nil {
				return err
			}
			out[status] = n
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Purge deletes the jobs finished (done or failed) before the given instant.
func (q *Queue) Purge(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := q.db.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE status IN ('done', 'failed') AND finished_at < $1`, db.Instant(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
