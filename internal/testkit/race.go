package testkit

import (
	"context"
	"sync"
	"testing"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// AtOnce runs fn(0) … fn(n-1) at the same time and returns how many
// succeeded; every other must have failed with the error code refused
// (a coop code), or the test fails.
func AtOnce(t testing.TB, n int, refused string, fn func(i int) error) (succeeded int) {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	for _, err := range errs {
		switch {
		case err == nil:
			succeeded++
		case coop.ErrorCode(err) != refused:
			t.Errorf("refused with %v, want the code %s", err, refused)
		}
	}
	return succeeded
}

// AtOnceBehind is AtOnce with lock — a statement locking rows, such as
// SELECT … FOR UPDATE — held in a transaction of its own until the n calls
// all wait for a lock, then released: on PostgreSQL the n calls then
// overlap for certain, so that a call that locks nothing before reading
// what it checks lets several through. Past five seconds without n waiting
// (the calls took no lock at all), the lock is released all the same and
// the outcome decides. On SQLite, whose writes run one at a time, it is
// AtOnce.
func AtOnceBehind(t testing.TB, d *db.DB, lock string, args []any, n int, refused string, fn func(i int) error) (succeeded int) {
	t.Helper()
	if d.Engine != db.Postgres {
		return AtOnce(t, n, refused, fn)
	}
	ctx := context.Background()
	tx, err := d.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, lock, args...); err != nil {
		_ = tx.Rollback()
		t.Fatalf("AtOnceBehind: %s: %v", lock, err)
	}
	released := make(chan error, 1)
	go func() {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			var waiting int
			if err := d.SQL.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil || waiting >= n {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		released <- tx.Commit()
	}()
	succeeded = AtOnce(t, n, refused, fn)
	if err := <-released; err != nil {
		t.Fatalf("AtOnceBehind: releasing the lock: %v", err)
	}
	return succeeded
}
