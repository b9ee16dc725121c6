package db

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Under writes that never pause, the background checkpoints copy the log
// into the database and start it over: it stays short, and every write is
// there after a reopening.
func TestCheckpoints_KeepTheLogShortUnderSteadyWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ck.db")
	d, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.restartFrames = 256 // 1 MiB
	if err := d.Write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE ck (n INTEGER PRIMARY KEY, data BLOB NOT NULL)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	const writes, size = 600, 16 << 10 // about 10 MiB written to the log
	blob := []byte(strings.Repeat("x", size))
	maxLog := int64(0)
	for i := range writes {
		if err := d.Write(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO ck (n, data) VALUES ($1, $2)`, i, blob)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path + "-wal"); err == nil {
			maxLog = max(maxLog, fi.Size())
		}
	}
	// The log restarts once 256 frames are copied: with what the commits
	// add while a checkpoint runs, it stays well under what was written.
	if limit := int64(writes * size / 2); maxLog > limit {
		t.Errorf("the log grew to %d bytes (limit %d) for %d bytes written", maxLog, limit, writes*size)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if d, err = Open(ctx, path, nil); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n, total int
	if err := d.SQL.QueryRowContext(ctx, `SELECT count(*), COALESCE(sum(length(data)), 0) FROM ck`).Scan(&n, &total); err != nil {
		t.Fatal(err)
	}
	if n != writes || total != writes*size {
		t.Errorf("%d rows of %d bytes after reopening, want %d of %d", n, total, writes, writes*size)
	}
	if err := d.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}
