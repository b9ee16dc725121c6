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
	d, err := Open(ctx, filepath.Join(t.TempDir(), "leave.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	insert := func(ctx context.Context, tx *Tx, n int) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO s (n) VALUES ($1)`, n)
		return err
	}
	if err := d.Write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE s (n INTEGER PRIMARY KEY)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// A first write holds the lead until the two others wait in line, so
	// that they share the next batch.
	leading, hold := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- d.Write(ctx, func(tx *Tx) error {
			close(leading)
			<-hold
			return insert(ctx, tx, 1)
		})
	}()
	<-leading
	second := make(chan error, 1)
	go func() { second <- d.Write(ctx, func(tx *Tx) error { return insert(ctx, tx, 2) }) }()
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
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		d.queueMu.Lock()
		queued := len(d.queue)
		d.queueMu.Unlock()
		if queued == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want 2", queued)
		}
	}
	close(hold)

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
	var rows []int
	r, err := d.SQL.QueryContext(ctx, `SELECT n FROM s ORDER BY n`)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		var n int
		if err := r.Scan(&n); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, n)
	}
	if len(rows) != 3 || rows[0] != 1 || rows[1] != 2 || rows[2] != 401000 {
		t.Errorf("rows %v, want [1 2 401000]", rows)
	}
}
