package jobs_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/jobs"
	"coopconnect/internal/testkit"
)

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// newQueue gives d a fixed clock at start and returns a queue over it.
func newQueue(t *testing.T, d *db.DB) (*jobs.Queue, *coop.FixedClock) {
	t.Helper()
	clock := coop.NewFixedClock(start)
	d.Clock = clock
	return jobs.New(d, slog.New(slog.NewTextHandler(t.Output(), nil))), clock
}

func enqueue(t *testing.T, d *db.DB, q *jobs.Queue, kind string, payload any, opts ...jobs.Option) {
	t.Helper()
	ctx := context.Background()
	if err := d.Write(ctx, func(tx *db.Tx) error { return q.Enqueue(ctx, tx, kind, payload, opts...) }); err != nil {
		t.Fatalf("enqueue %s: %v", kind, err)
	}
}

func runDue(t *testing.T, q *jobs.Queue, want int) {
	t.Helper()
	n, err := q.RunDue(context.Background())
	if err != nil {
		t.Fatalf("RunDue: %v", err)
	}
	if n != want {
		t.Fatalf("RunDue ran %d jobs, want %d", n, want)
	}
}

// jobRow is the stored state of a job.
type jobRow struct {
	Status     string
	Attempts   int
	RunAt      time.Time
	LastError  string
	FinishedAt *time.Time
}

// job reads the only job of kind.
func job(t *testing.T, d *db.DB, kind string) jobRow {
	t.Helper()
	var (
		r        jobRow
		lastErr  sql.NullString
		finished sql.NullTime
	)
	err := d.SQL.QueryRowContext(context.Background(),
		`SELECT status, attempts, run_at, last_error, finished_at FROM jobs WHERE kind = $1`, kind).
		Scan(&r.Status, &r.Attempts, &r.RunAt, &lastErr, &finished)
	if err != nil {
		t.Fatalf("job %s: %v", kind, err)
	}
	r.LastError = lastErr.String
	if finished.Valid {
		r.FinishedAt = &finished.Time
	}
	return r
}

func TestQueue_RunsAJobOnceWithItsPayload(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		q, _ := newQueue(t, d)
		type greet struct{ Name string }
		var got []greet
		var infos []jobs.Info
		q.Register("test.greet", func(ctx context.Context, payload []byte) error {
			var g greet
			if err := json.Unmarshal(payload, &g); err != nil {
				return err
			}
			got = append(got, g)
			info, _ := jobs.InfoFrom(ctx)
			infos = append(infos, info)
			return nil
		})
		enqueue(t, d, q, "test.greet", greet{Name: "Zoé"})

		runDue(t, q, 1)
		runDue(t, q, 0)

		if len(got) != 1 || got[0].Name != "Zoé" {
			t.Errorf("payloads: got %v, want one {Zoé}", got)
		}
		if len(infos) != 1 || infos[0].Kind != "test.greet" || infos[0].Attempt != 1 || infos[0].MaxAttempts != jobs.DefaultMaxAttempts {
			t.Errorf("info: got %+v, want test.greet attempt 1 of %d", infos, jobs.DefaultMaxAttempts)
		}
		r := job(t, d, "test.greet")
		if r.Status != jobs.StatusDone || r.Attempts != 1 || r.FinishedAt == nil || !r.FinishedAt.Equal(start) {
			t.Errorf("job: got %+v, want done after 1 attempt, finished at %v", r, start)
		}
		stats, err := q.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"pending": 0, "running": 0, "done": 1, "failed": 0}
		if fmt.Sprint(stats) != fmt.Sprint(want) {
			t.Errorf("stats: got %v, want %v", stats, want)
		}
	})
}

func TestQueue_RetriesWithBackoffThenFails(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		q, clock := newQueue(t, d)
		var attempts []jobs.Info
		q.Register("test.flaky", func(ctx context.Context, payload []byte) error {
			info, _ := jobs.InfoFrom(ctx)
			attempts = append(attempts, info)
			return fmt.Errorf("boom %d", info.Attempt)
		})
		enqueue(t, d, q, "test.flaky", nil, jobs.MaxAttempts(3))

		runDue(t, q, 1)
		r := job(t, d, "test.flaky")
		if r.Status != jobs.StatusPending || r.Attempts != 1 || !r.RunAt.Equal(start.Add(10*time.Second)) || r.LastError != "boom 1" {
			t.Fatalf("after attempt 1: got %+v, want pending, 1 attempt, run at +10s, error boom 1", r)
		}

		clock.Advance(9 * time.Second)
		runDue(t, q, 0) // not due yet
		clock.Advance(time.Second)
		runDue(t, q, 1)
		r = job(t, d, "test.flaky")
		if want := start.Add(30 * time.Second); r.Status != jobs.StatusPending || r.Attempts != 2 || !r.RunAt.Equal(want) {
			t.Fatalf("after attempt 2: got %+v, want pending, 2 attempts, run at %v", r, want)
		}

		clock.Advance(20 * time.Second)
		runDue(t, q, 1)
		r = job(t, d, "test.flaky")
		if r.Status != jobs.StatusFailed || r.Attempts != 3 || r.LastError != "boom 3" || r.FinishedAt == nil {
			t.Fatalf("after the last attempt: got %+v, want failed after 3 attempts with error boom 3", r)
		}

		clock.Advance(2 * time.Hour)
		runDue(t, q, 0) // failed for good
		if len(attempts) != 3 || !attempts[2].Last() || attempts[1].Last() {
			t.Errorf("handler saw %+v, want attempts 1..3 with only the third Last", attempts)
		}
	})
}

func TestBackoff_DoublesFromTenSecondsUpToAnHour(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{1, 10 * time.Second},
		{2, 20 * time.Second},
		{3, 40 * time.Second},
		{7, 640 * time.Second},
		{9, 2560 * time.Second},
		{10, time.Hour},
		{100, time.Hour},
	}
	for _, tt := range tests {
		if got := jobs.Backoff(tt.attempt); got != tt.want {
			t.Errorf("Backoff(%d): got %v, want %v", tt.attempt, got, tt.want)
		}
	}
}

// crash leaves the only job of kind as a worker that died during its
// attempt-th run leaves it: running, with a lease from now.
func crash(t *testing.T, d *db.DB, kind string, attempt int) {
	t.Helper()
	_, err := d.SQL.ExecContext(context.Background(), `UPDATE jobs SET status = 'running', attempts = $2, locked_until = $3 WHERE kind = $1`,
		kind, attempt, db.Instant(d.Clock.Now().Add(jobs.Lease)))
	if err != nil {
		t.Fatal(err)
	}
}

func TestQueue_ReclaimsAJobWhoseLeaseExpired(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		q, clock := newQueue(t, d)
		var ran []int
		q.Register("test.reclaim", func(ctx context.Context, payload []byte) error {
			info, _ := jobs.InfoFrom(ctx)
			ran = append(ran, info.Attempt)
			return nil
		})
		enqueue(t, d, q, "test.reclaim", nil)
		crash(t, d, "test.reclaim", 1)

		runDue(t, q, 0) // the lease still holds
		clock.Advance(jobs.Lease)
		runDue(t, q, 0) // it ends now, not before
		clock.Advance(time.Second)
		runDue(t, q, 1)

		if len(ran) != 1 || ran[0] != 2 {
			t.Errorf("handler runs: got attempts %v, want [2]", ran)
		}
		if r := job(t, d, "test.reclaim"); r.Status != jobs.StatusDone || r.Attempts != 2 {
			t.Errorf("job: got %+v, want done after 2 attempts", r)
		}
	})
}

func TestQueue_JobWhoseLastAttemptCrashedFails(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		q, clock := newQueue(t, d)
		called := false
		q.Register("test.poison", func(ctx context.Context, payload []byte) error { called = true; return nil })
		enqueue(t, d, q, "test.poison", nil, jobs.MaxAttempts(2))
		crash(t, d, "test.poison", 2)

		clock.Advance(jobs.Lease + time.Second)
		runDue(t, q, 0)

		if called {
			t.Error("the handler ran a job past its last attempt")
		}
		if r := job(t, d, "test.poison"); r.Status != jobs.StatusFailed || !strings.Contains(r.LastError, "lease expired") {
			t.Errorf("job: got %+v, want failed with a lease error", r)
		}
	})
}

func TestQueue_UnknownKindFailsAtOnce(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		q, _ := newQueue(t, d)
		enqueue(t, d, q, "test.nobody", map[string]int{"x": 1})

		runDue(t, q, 1)

		r := job(t, d, "test.nobody")
		if r.Status != jobs.StatusFailed || r.Attempts != 1 || !strings.Contains(r.LastError, `no handler registered for job kind "test.nobody"`) {
			t.Errorf("job: got %+v, want failed after 1 attempt, naming the kind", r)
		}
	})
}

func TestQueue_PanicIsAFailedAttempt(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		q, _ := newQueue(t, d)
		q.Register("test.panic", func(ctx context.Context, payload []byte) error { panic("kaboom") })
		enqueue(t, d, q, "test.panic", nil)

		runDue(t, q, 1)

		if r := job(t, d, "test.panic"); r.Status != jobs.StatusPending || r.LastError != "handler panicked: kaboom" {
			t.Errorf("job: got %+v, want pending again with the panic as error", r)
		}
	})
}

func TestQueue_LastErrorIsTruncated(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		q, _ := newQueue(t, d)
		q.Register("test.long", func(ctx context.Context, payload []byte) error {
			return errors.New(strings.Repeat("é", 3000) + "\x00")
		})
		enqueue(t, d, q, "test.long", nil)

		runDue(t, q, 1)

		r := job(t, d, "test.long")
		if n := utf8.RuneCountInString(r.LastError); n != 1000 {
			t.Errorf("last_error: got %d characters, want 1000", n)
		}
	})
}

func TestEnqueue_RunAtDelaysTheJob(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		q, clock := newQueue(t, d)
		ran := 0
		q.Register("test.later", func(ctx context.Context, payload []byte) error { ran++; return nil })
		enqueue(t, d, q, "test.later", nil, jobs.RunAt(start.Add(time.Hour)))

		runDue(t, q, 0)
		clock.Advance(time.Hour)
		runDue(t, q, 1)

		if ran != 1 {
			t.Errorf("runs: got %d, want 1", ran)
		}
	})
}

func TestEnqueue_RolledBackTransactionLeavesNoJob(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q, _ := newQueue(t, d)
		ran := 0
		q.Register("test.ghost", func(ctx context.Context, payload []byte) error { ran++; return nil })
		boom := errors.New("business rule refused")
		err := d.Write(ctx, func(tx *db.Tx) error {
			if err := q.Enqueue(ctx, tx, "test.ghost", nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("write: got %v, want %v", err, boom)
		}

		runDue(t, q, 0)

		var n int
		if err := d.SQL.QueryRowContext(ctx, `SELECT count(*) FROM jobs`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 || ran != 0 {
			t.Errorf("after rollback: %d jobs stored and %d runs, want none", n, ran)
		}
	})
}

func TestRunDue_ConcurrentWorkersNeverRunAJobTwice(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q, _ := newQueue(t, d)
		const jobCount, workers = 40, 4
		var mu sync.Mutex
		runs := map[int]int{}
		q.Register("test.count", func(ctx context.Context, payload []byte) error {
			var n int
			if err := json.Unmarshal(payload, &n); err != nil {
				return err
			}
			mu.Lock()
			runs[n]++
			mu.Unlock()
			time.Sleep(time.Millisecond) // let the workers overlap
			return nil
		})
		if err := d.Write(ctx, func(tx *db.Tx) error {
			for i := range jobCount {
				if err := q.Enqueue(ctx, tx, "test.count", i); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		var wg sync.WaitGroup
		counts := make(chan int, workers)
		for range workers {
			wg.Go(func() {
				n, err := q.RunDue(ctx)
				if err != nil {
					t.Errorf("RunDue: %v", err)
				}
				counts <- n
			})
		}
		wg.Wait()
		close(counts)

		total := 0
		for n := range counts {
			total += n
		}
		if total != jobCount {
			t.Errorf("jobs taken by all workers: got %d, want %d", total, jobCount)
		}
		for i := range jobCount {
			if runs[i] != 1 {
				t.Errorf("job %d ran %d times, want 1", i, runs[i])
			}
		}
	})
}

func TestRun_WakesForANewJobAndStopsWithItsContext(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		q := jobs.New(d, nil) // the system clock: Run really waits
		done := make(chan string, 1)
		q.Register("test.wake", func(ctx context.Context, payload []byte) error {
			var s string
			err := json.Unmarshal(payload, &s)
			done <- s
			return err
		})
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() { q.Run(ctx); close(stopped) }()

		enqueue(t, d, q, "test.wake", "bonjour")
		q.Wake()
		select {
		case got := <-done:
			if got != "bonjour" {
				t.Errorf("payload: got %q, want bonjour", got)
			}
		case <-time.After(5 * time.Second):
			t.Error("the worker did not run the job within 5s")
		}

		cancel()
		select {
		case <-stopped:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after its context was cancelled")
		}
	})
}

func TestPurge_DeletesOnlyOldFinishedJobs(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		q, clock := newQueue(t, d)
		q.Register("ok", func(context.Context, []byte) error { return nil })
		enqueue(t, d, q, "ok", nil)
		runDue(t, q, 1)
		clock.Advance(40 * 24 * time.Hour)
		enqueue(t, d, q, "ok", nil, jobs.RunAt(clock.Now().Add(time.Hour))) // pending, old enough later
		n, err := q.Purge(context.Background(), clock.Now().Add(-30*24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("Purge: %d, %v; want the one finished job", n, err)
		}
		stats, err := q.Stats(context.Background())
		if err != nil || stats[jobs.StatusPending] != 1 || stats[jobs.StatusDone] != 0 {
			t.Errorf("after purge: %v, %v; want one pending job left", stats, err)
		}
	})
}
