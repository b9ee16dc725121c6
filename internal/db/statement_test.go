package db_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"coopconnect/internal/db"
	"coopconnect/internal/testkit"
)

// Concurrent one-statement writes share a pipeline and its commit; each
// still answers for itself, in the order of their lock keys.
func TestStatement_ConcurrentStatementsSharePipelinesEachAnsweringForItself(t *testing.T) {
	if !slices.Contains(testkit.Engines(t), db.Postgres) {
		t.Skip("one-statement writes run on PostgreSQL only, and " + testkit.PostgresEnv + " is not set")
	}
	d := testkit.NewDB(t, db.Postgres, nil)
	ctx := context.Background()
	if _, err := d.SQL.ExecContext(ctx, `CREATE TABLE piped (id bigint GENERATED ALWAYS AS IDENTITY, key text UNIQUE NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	insert := func(ctx context.Context, key string, order int64) error {
		st := d.Statement()
		st.LockOrder(order)
		st.With("row", `INSERT INTO piped (key) VALUES (`+st.Arg(key)+`) RETURNING key`)
		var got string
		if err := st.Scan(ctx, `SELECT key FROM row`, &got); err != nil {
			return err
		}
		if got != key {
			t.Errorf("%s: scanned %q", key, got)
		}
		return nil
	}
	// run has the statements queue while the pipelines are held, then
	// lets them run; it returns each key's outcome.
	run := func(ctxs map[string]context.Context, keys ...string) map[string]error {
		release := d.HoldPipelines()
		var mu sync.Mutex
		var wg sync.WaitGroup
		outcomes := map[string]error{}
		for i, key := range keys {
			ctx := ctx
			if c, ok := ctxs[key]; ok {
				ctx = c
			}
			wg.Go(func() {
				err := insert(ctx, key, int64(len(keys)-i)) // the last queued first
				mu.Lock()
				outcomes[key] = err
				mu.Unlock()
			})
		}
		release(len(keys))
		wg.Wait()
		return outcomes
	}
	type row struct {
		key  string
		xmin string // the transaction that wrote it
	}
	rows := func() (out []row) {
		r, err := d.SQL.QueryContext(ctx, `SELECT key, xmin::text FROM piped ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for r.Next() {
			var w row
			if err := r.Scan(&w.key, &w.xmin); err != nil {
				t.Fatal(err)
			}
			out = append(out, w)
		}
		return out
	}

	// Four statements: one pipeline, one transaction, run in the order of
	// their keys.
	for key, err := range run(nil, "a", "b", "c", "d") {
		if err != nil {
			t.Errorf("%s: %v", key, err)
		}
	}
	got := rows()
	if keys := []string{got[0].key, got[1].key, got[2].key, got[3].key}; !slices.Equal(keys, []string{"d", "c", "b", "a"}) {
		t.Errorf("written in the order %v, want d c b a (their lock keys')", keys)
	}
	for _, w := range got[1:] {
		if w.xmin != got[0].xmin {
			t.Errorf("%s written by transaction %s, %s by %s: want one pipeline, one commit", w.key, w.xmin, got[0].key, got[0].xmin)
		}
	}

	// One of them refused (its key exists), one whose caller has left: the
	// others are written, each of the two answers for itself and writes
	// nothing.
	left, leave := context.WithCancel(ctx)
	leave()
	outcomes := run(map[string]context.Context{"gone": left}, "e", "a", "gone", "f")
	if err := outcomes["a"]; !db.IsConflict(d.MapError(err)) {
		t.Errorf("a, written before: %v, want a conflict", err)
	}
	if err := outcomes["gone"]; err != context.Canceled {
		t.Errorf("the statement whose caller left: %v, want context.Canceled", err)
	}
	for _, key := range []string{"e", "f"} {
		if err := outcomes[key]; err != nil {
			t.Errorf("%s, beside a refused statement: %v", key, err)
		}
	}
	var keys []string
	for _, w := range rows() {
		keys = append(keys, w.key)
	}
	if want := []string{"d", "c", "b", "a", "f", "e"}; !slices.Equal(keys, want) {
		t.Errorf("rows %v, want %v", keys, want)
	}
}
