package db_test

import (
	"context"
	"errors"
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
