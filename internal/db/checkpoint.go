package db

import (
	"context"
	"time"
)

// Checkpoints. A SQLite commit appends the pages it changed to the
// write-ahead log; a checkpoint copies them back into the database file so
// that the log can start over. SQLite's own checkpoint runs in the commit
// that fills a thousand pages, under the write lock: every write of the
// network then waits for it (a fifth of the writer's time under the
// booking load, and its latency peaks). So the connections leave it off
// (wal_autocheckpoint(0)) and this process checkpoints in the background,
// a moment after writes:
//
//   - beside the writer, which goes on committing: this copies nearly all
//     the log, and all of it when no write came meanwhile, so that the next
//     write transaction starts the log over;
//   - when the log has grown long all the same (a steady load leaves no
//     moment without a write), once more holding the lead of the writes: this
//     copies the few pages committed meanwhile, and the log starts over.
//
// Durability is unchanged: a commit is durable in the log before anyone is
// told (batch.go), and a checkpoint syncs the log before copying and the
// database after. Closing the last connection checkpoints what is left.

// checkpointPause is how long the checkpointer waits after a write: pages
// changed by several commits meanwhile are copied once. It is short: a
// checkpoint ends by syncing the pages it copied, and a commit's sync waits
// behind a large one (four times the pause made the slowest bookings twice
// as slow).
const checkpointPause = 20 * time.Millisecond

// restartFrames is the length of the log (64 MiB of 4 KiB pages) past which
// the checkpointer holds the lead of the writes a moment to copy it wholly: the next
// write transaction then starts the log over. Under a steady load the log
// would otherwise never be wholly copied, and grow without end.
const restartFrames = 16384

// startCheckpoints starts the background checkpointer of a SQLite database.
func (d *DB) startCheckpoints() {
	d.restartFrames = restartFrames
	d.wrote = make(chan struct{}, 1)
	d.closing = make(chan struct{})
	d.checkpointerDone = make(chan struct{})
	go d.checkpointer()
}

// written tells the checkpointer that a transaction committed.
func (d *DB) written() {
	select {
	case d.wrote <- struct{}{}:
	default:
	}
}

func (d *DB) checkpointer() {
	defer close(d.checkpointerDone)
	for {
		select {
		case <-d.closing:
			return
		case <-d.wrote:
		}
		select {
		case <-d.closing:
			return
		case <-time.After(checkpointPause):
		}
		d.checkpoint()
	}
}

// checkpoint copies the log into the database; past restartFrames, wholly.
// A failure is left to the next one: the log grows meanwhile, and a commit
// still fails or succeeds on its own.
func (d *DB) checkpoint() {
	ctx := context.Background()
	var busy, logged, copied int
	if err := d.SQL.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logged, &copied); err != nil || logged < d.restartFrames {
		return
	}
	d.writes.lead <- struct{}{}
	defer func() { <-d.writes.lead }()
	if conn, err := d.writerConn(); err == nil {
		_, _ = conn.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
	}
}

// stopCheckpoints stops the checkpointer and waits for it.
func (d *DB) stopCheckpoints() {
	if d.closing == nil {
		return
	}
	close(d.closing)
	<-d.checkpointerDone
	d.closing = nil
}
