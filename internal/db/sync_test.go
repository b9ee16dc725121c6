package db

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// A batch's writers hear of their outcome only once the log holding it is
// synced, while the next batch runs beside the sync; and a failed sync
// fails the batch.
func TestWrite_TellsOnlyOnceTheLogIsSynced(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "sync.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE s (n INTEGER PRIMARY KEY)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// The pool's connections sync at every commit (2: FULL); the group
	// commit's own leaves it to writeInBatch (1: NORMAL).
	var pool, writer int
	if err := d.SQL.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&pool); err != nil {
		t.Fatal(err)
	}
	if err := d.writeConn.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&writer); err != nil {
		t.Fatal(err)
	}
	if pool != 2 || writer != 1 {
		t.Fatalf("synchronous: %d for the pool, %d for the writer; want 2 and 1", pool, writer)
	}
	syncing, hold := make(chan struct{}, 8), make(chan struct{})
	release := sync.OnceFunc(func() { close(hold) })
	defer release() // before Close, should the test stop early
	d.syncLog = func() error {
		syncing <- struct{}{}
		<-hold
		return d.syncWAL()
	}
	insert := func(n int) chan error {
		out := make(chan error, 1)
		go func() {
			out <- d.Write(ctx, func(tx *Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO s (n) VALUES ($1)`, n)
				return err
			})
		}()
		return out
	}
	count := func() int {
		var n int
		if err := d.SQL.QueryRowContext(ctx, `SELECT count(*) FROM s`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitSync := func(what string) {
		t.Helper()
		select {
		case <-syncing:
		case <-time.After(10 * time.Second):
			t.Fatalf("no sync began: %s", what)
		}
	}

	// Two writes queued while the lead is held make one batch: one of
	// them leads it, the other waits for its outcome.
	d.writes.lead <- struct{}{}
	first, second := insert(1), insert(2)
	for d.writes.queued() < 2 {
	}
	<-d.writes.lead
	waitSync("the first batch's")
	// The lead is free during the sync: the next batch runs and commits.
	third := insert(3)
	waitSync("the next batch's, while the first's goes on")
	if n := count(); n != 3 {
		t.Fatalf("%d rows committed, want 3", n)
	}
	durable := make(chan error, 1)
	go func() { durable <- d.Durable(ctx) }()
	waitSync("Durable's")
	select {
	case err := <-first:
		t.Fatalf("a write was told (%v) before its log was synced", err)
	case err := <-second:
		t.Fatalf("a write was told (%v) before its log was synced", err)
	case err := <-third:
		t.Fatalf("a write was told (%v) before its log was synced", err)
	case err := <-durable:
		t.Fatalf("Durable returned (%v) before the log was synced", err)
	case <-time.After(50 * time.Millisecond):
	}
	release()
	for _, c := range []chan error{first, second, third, durable} {
		if err := <-c; err != nil {
			t.Fatal(err)
		}
	}

	// A sync that fails fails the writes it was to make durable.
	d.syncLog = func() error { return errors.New("disk gone") }
	if err := <-insert(4); err == nil {
		t.Fatal("a write whose log could not be synced succeeded")
	}
	if err := d.Durable(ctx); err == nil {
		t.Fatal("Durable succeeded without a sync")
	}
}
