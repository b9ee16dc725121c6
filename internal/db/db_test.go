package db_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/testkit"
)

func TestMigrations_BothChainsGiveTheSameTablesAndColumns(t *testing.T) {
	var got [][]string
	for _, e := range testkit.Engines(t) {
		d := testkit.NewDB(t, e, nil)
		cols, err := d.Columns(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(cols) < 10 {
			t.Fatalf("%s: only %d columns: %v", e, len(cols), cols)
		}
		got = append(got, cols)
	}
	if len(got) == 2 && !slices.Equal(got[0], got[1]) {
		for _, c := range got[0] {
			if !slices.Contains(got[1], c) {
				t.Errorf("only in sqlite: %s", c)
			}
		}
		for _, c := range got[1] {
			if !slices.Contains(got[0], c) {
				t.Errorf("only in postgres: %s", c)
			}
		}
	}
	sq, _ := db.Migrations(db.SQLite)
	pg, _ := db.Migrations(db.Postgres)
	if len(sq) != len(pg) {
		t.Errorf("chains differ in length: sqlite %d, postgres %d", len(sq), len(pg))
	}
	for i := range min(len(sq), len(pg)) {
		if sq[i].Name != pg[i].Name {
			t.Errorf("step %d: sqlite %s, postgres %s", i+1, sq[i].Name, pg[i].Name)
		}
	}
}

func TestMigrate_IsIdempotent(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		applied, err := d.Migrate(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Errorf("second migration applied %v, want nothing", applied)
		}
	})
}

func TestInstants_RoundTripAndCompareInUTC(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		paris, _ := time.LoadLocation("Europe/Paris")
		base := time.Date(2026, 3, 29, 1, 30, 0, 0, paris) // just before the spring DST change
		err := d.Write(ctx, func(tx *db.Tx) error {
			for i := range 3 {
				at := db.Instant(base.Add(time.Duration(i) * time.Hour))
				if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, "k"+string(rune('a'+i)), "v", at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		var first time.Time
		err = d.Read(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM settings WHERE updated_at >= $1`, db.Instant(base.Add(time.Hour))).Scan(&n); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, `SELECT updated_at FROM settings WHERE key = $1`, "ka").Scan(&first)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("instants at or after +1h: got %d, want 2", n)
		}
		if !first.Equal(base) {
			t.Errorf("round trip: got %v, want %v", first, base)
		}
	})
}

func TestWrite_FailureWritesNothing(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := d.Write(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, "x", "1", tx.Now); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v, want boom", err)
		}
		var n int
		if err := d.SQL.QueryRowContext(ctx, `SELECT count(*) FROM settings`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("rows after a failed transaction: %d, want 0", n)
		}
	})
}

// A read runs its statements with one Now and refuses ExecContext; on
// PostgreSQL it runs outside any transaction (at READ COMMITTED each
// statement sees its own snapshot anyway), sparing BEGIN and COMMIT.
func TestRead_RefusesExecAndOnPostgresSparesTheTransaction(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		err := d.Read(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, "x", "1", tx.Now)
			return err
		})
		if err == nil {
			t.Fatal("ExecContext in a read ran")
		}
		var n int
		if err := d.SQL.QueryRowContext(ctx, `SELECT count(*) FROM settings`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d rows written by a read", n)
		}
		if d.Engine != db.Postgres {
			return
		}
		// now() is the instant a transaction began: two statements in one
		// transaction see the same, outside any they do not.
		var first, second time.Time
		if err := d.Read(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRowContext(ctx, `SELECT now()`).Scan(&first); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, `SELECT now()`).Scan(&second)
		}); err != nil {
			t.Fatal(err)
		}
		if first.Equal(second) {
			t.Errorf("a read's two statements ran in one transaction (now() %v both times)", first)
		}
	})
}

// The connections a burst of reads opened stay for the next burst: a
// connection closed as it comes back is, on PostgreSQL, a server process
// started again with cold caches at the next.
func TestRead_ABurstKeepsItsConnections(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n := d.SQL.Stats().MaxOpenConnections
		if n == 0 {
			t.Fatal("the pool is unbounded")
		}
		for range 2 {
			var all sync.WaitGroup
			all.Add(n)
			errs := make(chan error, n)
			for range n {
				go func() {
					ran := false
					err := d.Read(ctx, func(tx *db.Tx) error {
						ran = true
						var one int
						err := tx.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
						all.Done()
						all.Wait() // every connection of the pool held at once
						return err
					})
					if !ran {
						all.Done() // the others wait for none
					}
					errs <- err
				}()
			}
			for range n {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
		}
		if st := d.SQL.Stats(); st.MaxIdleClosed != 0 || st.OpenConnections != n {
			t.Errorf("after two bursts of %d reads: %d connections closed as they came back, %d open; want 0 and %d",
				n, st.MaxIdleClosed, st.OpenConnections, n)
		}
	})
}

func TestMapError_UniqueViolationIsConflict(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		insert := func() error {
			return d.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, "same", "1", tx.Now)
				return err
			})
		}
		if err := insert(); err != nil {
			t.Fatal(err)
		}
		if err := insert(); coop.ErrorCode(err) != coop.EConflict {
			t.Errorf("second insert: got %v, want a conflict", err)
		}
	})
}

// Raised names what refused a statement: a trigger's message, an
// exclusion constraint; nothing for other errors.
func TestRaised_NamesTheTriggerOrConstraintThatRefused(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		schema := []string{`CREATE TABLE raised_test (n INTEGER NOT NULL UNIQUE)`,
			`CREATE TRIGGER raised_test_refuse BEFORE INSERT ON raised_test WHEN NEW.n < 0
			 BEGIN SELECT RAISE(ABORT, 'test.negative'); END`}
		if d.Engine == db.Postgres {
			schema = []string{`CREATE TABLE raised_test (n integer NOT NULL UNIQUE, span int4range,
				CONSTRAINT raised_test_no_overlap EXCLUDE USING gist (span WITH &&))`,
				`CREATE FUNCTION raised_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
				 BEGIN IF NEW.n < 0 THEN RAISE EXCEPTION 'test.negative'; END IF; RETURN NEW; END $$`,
				`CREATE TRIGGER raised_test_refuse BEFORE INSERT ON raised_test FOR EACH ROW EXECUTE FUNCTION raised_test_refuse()`}
		}
		for _, q := range schema {
			if _, err := d.SQL.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		raised := func(query string, args ...any) string {
			var got string
			_ = d.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, query, args...)
				got = db.Raised(err)
				return err
			})
			return got
		}
		if got := raised(`INSERT INTO raised_test (n) VALUES (-1)`); got != "test.negative" {
			t.Errorf("trigger: %q, want test.negative", got)
		}
		if got := raised(`INSERT INTO raised_test (n) VALUES (1)`); got != "" {
			t.Errorf("no error: %q", got)
		}
		if got := raised(`INSERT INTO raised_test (n) VALUES (1)`); got != "" {
			t.Errorf("a unique index: %q, want nothing", got)
		}
		if d.Engine == db.Postgres {
			raised(`INSERT INTO raised_test (n, span) VALUES (2, '[1,5)')`)
			if got := raised(`INSERT INTO raised_test (n, span) VALUES (3, '[4,6)')`); got != "raised_test_no_overlap" {
				t.Errorf("exclusion: %q, want raised_test_no_overlap", got)
			}
		}
	})
}

func TestWrite_ConcurrentWritersAllCommit(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Go(func() {
				errs <- d.Write(ctx, func(tx *db.Tx) error {
					var n int
					if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM settings`).Scan(&n); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, "k"+time.Duration(i).String(), "v", tx.Now)
					return err
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		var n int
		if err := d.SQL.QueryRowContext(ctx, `SELECT count(*) FROM settings`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 40 {
			t.Errorf("rows: %d, want 40", n)
		}
	})
}

func TestBackup_RestoresAnIntactCopy(t *testing.T) {
	ctx := context.Background()
	d := testkit.NewDB(t, db.SQLite, nil)
	if err := d.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, "kept", "yes", tx.Now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(t.TempDir(), "copy.db")
	if err := d.Backup(ctx, to); err != nil {
		t.Fatal(err)
	}
	if err := d.Backup(ctx, to); err == nil {
		t.Error("a second backup over the same file succeeded, want a refusal")
	}
	restored, err := db.Open(ctx, to, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if err := restored.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	if applied, err := restored.Migrate(ctx, nil); err != nil || len(applied) != 0 {
		t.Errorf("restored copy: migrations %v, %v; want none pending", applied, err)
	}
	var v string
	if err := restored.SQL.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, "kept").Scan(&v); err != nil || v != "yes" {
		t.Errorf("restored value: %q, %v", v, err)
	}
}

func TestBackup_PostgresExplainsPgDump(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		if e != db.Postgres {
			continue
		}
		d := testkit.NewDB(t, e, nil)
		err := d.Backup(context.Background(), filepath.Join(t.TempDir(), "x"))
		if !errors.Is(err, db.ErrBackupPostgres) {
			t.Errorf("got %v, want the pg_dump explanation", err)
		}
	}
}

// A one-statement write (PostgreSQL) writes all its WITH items or, when
// one fails, none, and then runs what it was given to; its later items read
// the rows of earlier ones; SQLite refuses it.
func TestStatement_WritesAllItsItemsOrNone(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var written int
		write := func(key, value string) (string, error) {
			st := d.Statement()
			st.Then(func() { written++ })
			st.With("first", `INSERT INTO settings (key, value, updated_at) VALUES (`+st.Args(key, value, st.Now)+`) RETURNING key`)
			st.With("second", `INSERT INTO settings (key, value, updated_at) SELECT key || '.copy', `+st.Arg(value)+`, `+st.Arg(st.Now)+` FROM first RETURNING key`)
			var got string
			err := st.Scan(ctx, `SELECT key FROM second`, &got)
			return got, err
		}
		got, err := write("a", "1")
		if d.Engine == db.SQLite {
			if err == nil {
				t.Fatal("SQLite ran a one-statement write")
			}
			return
		}
		if err != nil || got != "a.copy" {
			t.Fatalf("got %q, %v; want a.copy", got, err)
		}
		// "b.copy" exists: the second item fails, and the first writes nothing.
		if _, err := d.SQL.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('b.copy', '0', $1)`, time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := write("b", "2"); !db.IsConflict(d.MapError(err)) {
			t.Fatalf("a duplicate key in the second item: %v, want a conflict", err)
		}
		var keys []string
		rows, err := d.SQL.QueryContext(ctx, `SELECT key FROM settings ORDER BY key`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			keys = append(keys, k)
		}
		if want := []string{"a", "a.copy", "b.copy"}; !slices.Equal(keys, want) {
			t.Errorf("keys %v, want %v", keys, want)
		}
		if written != 1 {
			t.Errorf("Then ran after %d statements, want 1 (the one that wrote)", written)
		}
		st := d.Statement()
		st.With("x", `SELECT 1`)
		defer func() {
			if recover() == nil {
				t.Error("two items of one name: no panic")
			}
		}()
		st.With("x", `SELECT 2`)
	})
}
