package db_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"coopconnect/internal/db"
	"coopconnect/internal/testkit"
)

// Concurrent writes share commits on SQLite, yet each fails alone: its
// savepoint takes back its writes and nothing else.
func TestWrite_ConcurrentWritesFailAloneAndPanicsReachTheirCaller(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `CREATE TABLE batch_test (n INTEGER PRIMARY KEY)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		refused := errors.New("refused")
		const n = 200
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				errs[i] = d.Write(ctx, func(tx *db.Tx) error {
					if _, err := tx.ExecContext(ctx, `INSERT INTO batch_test (n) VALUES ($1)`, i); err != nil {
						return err
					}
					switch i % 4 {
					case 1: // an error after writing
						return refused
					case 2: // a constraint the database enforces, after writing
						_, err := tx.ExecContext(ctx, `INSERT INTO batch_test (n) VALUES ($1)`, i)
						return err
					}
					return nil
				})
			})
		}
		wg.Wait()
		for i, err := range errs {
			switch i % 4 {
			case 1:
				if !errors.Is(err, refused) {
					t.Errorf("%d: %v, want its own error", i, err)
				}
			case 2:
				if err == nil {
					t.Errorf("%d: a duplicate key was accepted", i)
				}
			default:
				if err != nil {
					t.Errorf("%d: %v", i, err)
				}
			}
		}
		var count, odd int
		err := d.Read(ctx, func(tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT count(*), COALESCE(SUM(CASE WHEN n % 4 IN (1, 2) THEN 1 ELSE 0 END), 0) FROM batch_test`).Scan(&count, &odd)
		})
		if err != nil || count != n/2 || odd != 0 {
			t.Fatalf("%d rows, %d of failed writes (%v); want %d and 0", count, odd, err, n/2)
		}
		// A panic in a write reaches its own caller, and the next write works.
		func() {
			defer func() {
				if p := recover(); p != "boom" {
					t.Errorf("recovered %v, want boom", p)
				}
			}()
			_ = d.Write(ctx, func(tx *db.Tx) error {
				_, _ = tx.ExecContext(ctx, `INSERT INTO batch_test (n) VALUES (1000)`)
				panic("boom")
			})
		}()
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO batch_test (n) VALUES (1000)`)
			return err
		}); err != nil {
			t.Fatalf("after the panic: %v", err)
		}
		// A cancelled context writes nothing.
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if err := d.Write(cancelled, func(tx *db.Tx) error {
			_, err := tx.ExecContext(cancelled, `INSERT INTO batch_test (n) VALUES (2000)`)
			return err
		}); err == nil {
			t.Fatal("a cancelled write succeeded")
		}
	})
}

// A write that changes more pages than its journal keeps in memory (see
// stmtjournal.go) commits, and one that fails takes them all back, while
// the writes beside it in the same commit stand.
func TestWrite_LargeWritesCommitOrRollBackWhole(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `CREATE TABLE large_test (n INTEGER PRIMARY KEY, data TEXT NOT NULL)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		refused := errors.New("refused")
		data := strings.Repeat("x", 3000)
		// Each write fills and changes hundreds of pages: a megabyte.
		write := func(first int, fail bool) error {
			return d.Write(ctx, func(tx *db.Tx) error {
				if _, err := tx.ExecContext(ctx, `UPDATE large_test SET data = data || 'y'`); err != nil {
					return err
				}
				for i := range 300 {
					if _, err := tx.ExecContext(ctx, `INSERT INTO large_test (n, data) VALUES ($1, $2)`, first+i, data); err != nil {
						return err
					}
				}
				if fail {
					return refused
				}
				return nil
			})
		}
		errs := make([]error, 6)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { errs[i] = write(i*1000, i%2 == 1) })
		}
		wg.Wait()
		for i, err := range errs {
			if want := error(nil); i%2 == 1 && !errors.Is(err, refused) || i%2 == 0 && err != want {
				t.Errorf("write %d: %v", i, err)
			}
		}
		var rows, failed, longest int
		if err := d.Read(ctx, func(tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT count(*), COALESCE(SUM(CASE WHEN n / 1000 % 2 = 1 THEN 1 ELSE 0 END), 0),
				max(length(data)) FROM large_test`).Scan(&rows, &failed, &longest)
		}); err != nil {
			t.Fatal(err)
		}
		// Three writes stood, and updated at most the two others' rows.
		if rows != 900 || failed != 0 || longest > 3002 {
			t.Errorf("%d rows (%d of failed writes), the longest of %d bytes; want 900 (none) of 3002 at most", rows, failed, longest)
		}
	})
}
