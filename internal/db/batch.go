package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Group commit. SQLite has one writer, and a commit costs an fsync (2 ms
// on a common cloud disk): committing each booking alone caps writes near
// 500 a second whatever the CPU. So concurrent Write calls share one
// transaction and one commit:
//
//   - each caller queues its function, then takes the writer lock; whoever
//     holds it takes the whole queue, runs it in one transaction and
//     commits; callers whose request was in that batch find it done;
//   - each function runs in its own SAVEPOINT: its error rolls back its
//     writes only, exactly as if it had run alone, and the next function
//     sees the database as the previous ones left it — the batch is the
//     same as running them one after the other;
//   - every caller learns its outcome only after the COMMIT, so success
//     still means durable (synchronous=FULL), and a failed COMMIT fails
//     every function of the batch.
//
// The invariants are untouched: the triggers check every statement, and
// the functions run one at a time inside the write lock, as before.

// maxBatch bounds how many writes share one commit.
const maxBatch = 256

type writeRequest struct {
	ctx   context.Context
	fn    func(tx *Tx) error
	err   error
	panic any
	done  bool
}

func (d *DB) writeInBatch(ctx context.Context, fn func(tx *Tx) error) error {
	req := &writeRequest{ctx: ctx, fn: fn}
	d.queueMu.Lock()
	d.queue = append(d.queue, req)
	d.queueMu.Unlock()

	d.writer.Lock()
	if !req.done {
		d.queueMu.Lock()
		n := min(len(d.queue), maxBatch)
		batch := d.queue[:n:n]
		d.queue = d.queue[n:]
		d.queueMu.Unlock()
		d.commitBatch(batch)
	}
	d.writer.Unlock()
	if !req.done {
		// Our request was past maxBatch: it waits for the next batch.
		return d.writeInBatch(ctx, fn)
	}
	if req.panic != nil {
		panic(req.panic)
	}
	return req.err
}

// commitBatch runs a batch of writes in one transaction, under the writer
// lock, and records each outcome.
func (d *DB) commitBatch(batch []*writeRequest) {
	defer func() {
		for _, r := range batch {
			r.done = true
		}
	}()
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	bg := context.Background()
	conn, err := d.writerConn()
	if err != nil {
		err = d.MapError(err)
		for _, r := range live {
			r.err = err
		}
		return
	}
	sqlTx, err := conn.BeginTx(bg, nil)
	if err != nil {
		// The connection may be broken: the next batch takes another.
		_ = d.writeConn.Close()
		d.writeConn = nil
		if isBusy(err) {
			err = errRetry
		} else {
			err = d.MapError(err)
		}
		for _, r := range live {
			r.err = err
		}
		return
	}
	var committed []*writeRequest
	var broken error // the transaction itself failed: the rest cannot run
	for _, r := range live {
		if broken != nil {
			r.err = broken
			continue
		}
		if _, err := sqlTx.ExecContext(bg, "SAVEPOINT write"); err != nil {
			broken = d.MapError(err)
			r.err = broken
			continue
		}
		tx := &Tx{Tx: sqlTx, Now: Instant(d.Clock.Now()), Engine: d.Engine}
		r.panic, r.err = runOne(r, tx)
		if r.err != nil || r.panic != nil {
			if _, err := sqlTx.ExecContext(bg, "ROLLBACK TO write"); err != nil {
				broken = fmt.Errorf("db: rolling back a write of a batch: %w", err)
			}
			r.err = d.MapError(r.err)
		} else {
			committed = append(committed, r)
		}
		if broken == nil {
			if _, err := sqlTx.ExecContext(bg, "RELEASE write"); err != nil {
				broken = d.MapError(err)
			}
		}
	}
	if broken != nil {
		_ = sqlTx.Rollback()
		for _, r := range committed {
			r.err = broken
		}
		return
	}
	if err := sqlTx.Commit(); err != nil {
		err = d.MapError(err)
		for _, r := range committed {
			r.err = err
		}
		return
	}
	d.written()
}

// writerConn returns the connection the batches run on, opening it if
// need be. The caller holds the writer lock.
func (d *DB) writerConn() (*sql.Conn, error) {
	if d.writeConn == nil {
		conn, err := d.SQL.Conn(context.Background())
		if err != nil {
			return nil, err
		}
		d.writeConn = conn
	}
	return d.writeConn, nil
}

// runOne runs a request's function, turning a panic into a value to
// re-raise in the caller's goroutine.
func runOne(r *writeRequest, tx *Tx) (panicked any, err error) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
			err = errors.New("db: write panicked")
		}
	}()
	return nil, r.fn(tx)
}
