package db

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A caller that leaves while its write runs fails no other write of its
// batch: SQLite rolls back the whole transaction of an INSERT it
// interrupts, so the writes of a batch are never interrupted.
func TestWrite_ACallerLeavingMidWriteFailsNoOtherWrite(t *testing.T) {
	ctx := context.Background()
	d := openBatchTest(t)
	first, release := holdTheLead(t, d)
	second := make(chan error, 1)
	go func() { second <- d.Write(ctx, func(tx *Tx) error { return insertRow(ctx, tx, 2) }) }()
	leaving, leave := context.WithCancel(ctx)
	defer leave()
	third := make(chan error, 1)
	go func() {
		third <- d.Write(leaving, func(tx *Tx) error {
			// The caller leaves while a long INSERT runs: SQLite's progress
			// handler would see it within a thousand steps.
			time.AfterFunc(5*time.Millisecond, leave)
			_, err := tx.ExecContext(leaving, `INSERT INTO s (n)
				WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400000)
				SELECT 1000 + count(*) FROM c`)
			return err
		})
	}()
	release(2)

	if err := <-first; err != nil {
		t.Fatalf("first write: %v", err)
	}
	if err := <-second; err != nil {
		t.Errorf("the write beside the one whose caller left: %v", err)
	}
	// The write that had begun ran to its end: its caller is told.
	if err := <-third; err != nil {
		t.Errorf("the write whose caller left: %v, want it run to its end", err)
	}
	if got := rowsOf(t, d); got != "1 2 401000" {
		t.Errorf("rows %s, want 1 2 401000", got)
	}
}

// A write that ends the batch's transaction itself fails every write of
// its batch, none of which stands, and the next batch runs as usual.
func TestWrite_ABrokenBatchFailsWholeAndTheNextRuns(t *testing.T) {
	ctx := context.Background()
	d := openBatchTest(t)
	first, release := holdTheLead(t, d)
	second, third := make(chan error, 1), make(chan error, 1)
	go func() { second <- d.Write(ctx, func(tx *Tx) error { return insertRow(ctx, tx, 2) }) }()
	go func() {
		third <- d.Write(ctx, func(tx *Tx) error {
			if err := insertRow(ctx, tx, 3); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `ROLLBACK`)
			return err
		})
	}()
	release(2)
	if err := <-first; err != nil {
		t.Fatalf("first write: %v", err)
	}
	if err := <-second; err == nil {
		t.Error("the write before the one that broke the batch succeeded, yet its batch was rolled back")
	}
	if err := <-third; err == nil {
		t.Error("the write that broke its batch succeeded")
	}
	if err := d.Write(ctx, func(tx *Tx) error { return insertRow(ctx, tx, 4) }); err != nil {
		t.Fatalf("the next write: %v", err)
	}
	if got := rowsOf(t, d); got != "1 4" {
		t.Errorf("rows %s, want 1 4", got)
	}
}

func openBatchTest(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "batch.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE s (n INTEGER PRIMARY KEY)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return d
}

func insertRow(ctx context.Context, tx *Tx, n int) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO s (n) VALUES ($1)`, n)
	return err
}

// holdTheLead starts a write of row 1 that holds the lead until release(n)
// sees n writes waiting in line, so that they share the next batch.
func holdTheLead(t *testing.T, d *DB) (first chan error, release func(n int)) {
	t.Helper()
	ctx := context.Background()
	leading, hold := make(chan struct{}), make(chan struct{})
	first = make(chan error, 1)
	go func() {
		first <- d.Write(ctx, func(tx *Tx) error {
			close(leading)
			<-hold
			return insertRow(ctx, tx, 1)
		})
	}()
	<-leading
	return first, func(n int) {
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			queued := d.writes.queued()
			if queued == n {
				break
			}
			if time.Now().After(deadline) {
				close(hold)
				t.Fatalf("%d writes queued, want %d", queued, n)
			}
		}
		close(hold)
	}
}

// rowsOf lists the rows of s, in order.
func rowsOf(t *testing.T, d *DB) string {
	t.Helper()
	var got string
	if err := d.SQL.QueryRowContext(context.Background(), `SELECT COALESCE(group_concat(n, ' '), '') FROM (SELECT n FROM s ORDER BY n)`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	return got
}
