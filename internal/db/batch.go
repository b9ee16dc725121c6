package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"sync"
)

// Group commit. SQLite has one writer, and a commit costs an fsync (2 ms
// on a common cloud disk): committing each booking alone caps writes near
// 500 a second whatever the CPU. So concurrent Write calls share one
// transaction and one commit:
//
//   - each caller queues its function, then waits for its outcome or for
//     the lead, whichever comes first; whoever takes the lead takes the
//     whole queue, runs it in one transaction and commits;
//   - each function runs in its own SAVEPOINT: its error rolls back its
//     writes only, exactly as if it had run alone, and the next function
//     sees the database as the previous ones left it — the batch is the
//     same as running them one after the other. A write whose caller has
//     left is left out if it has not begun, and otherwise runs to its end:
//     SQLite rolls back the whole transaction of a statement it interrupts
//     (Tx.inBatch);
//   - the commit writes the log without syncing it (the writer's
//     connection runs with synchronous=NORMAL); the leader then gives up
//     the lead, so that the next batch runs while the log is synced, and
//     tells the batch's callers their outcomes — successes and refusals
//     alike — only once the log holding the batch is synced. Success
//     still means durable, and nobody is told anything a power loss could
//     undo. Other readers may see a batch's writes during its sync (2 ms):
//     a reader that answers with a write it did not make itself syncs the
//     log first (Durable).
//
// The invariants are untouched: the triggers check every statement, and
// the functions run one at a time under the lead, as before.

// maxBatch bounds how many writes share one commit: a write arriving while
// a batch runs waits for it, then for its own. Batches of 24 at most gave
// 7 % more bookings a second at 64 clients than batches of 256, and no
// fewer than batches of 12 (docs/performance.md, eighth session).
const maxBatch = 24

type writeRequest struct {
	ctx   context.Context
	fn    func(tx *Tx) error
	err   error
	panic any
	done  chan struct{} // closed once err and panic are final, the log synced
}

func (d *DB) writeInBatch(ctx context.Context, fn func(tx *Tx) error) error {
	req := &writeRequest{ctx: ctx, fn: fn, done: make(chan struct{})}
	d.writes.join(req, req.done, func(batch []*writeRequest) (after func()) {
		ran := d.commitBatch(batch)
		return func() {
			// The lead given up, the next batch runs while this one's log
			// is synced.
			if ran {
				if err := d.syncLog(); err != nil {
					err = fmt.Errorf("db: syncing the log: %w", err)
					for _, r := range batch {
						if r.err == nil && r.panic == nil {
							r.err = err
						}
					}
				}
			}
			for _, r := range batch {
				close(r.done)
			}
		}
	})
	if req.panic != nil {
		panic(req.panic)
	}
	return req.err
}

// group runs queued requests in batches: the group commit of SQLite's
// writes (DB.Write) and the pipelines of PostgreSQL's one-statement writes
// (Statement). Its lead is made with the capacity it is to have.
type group[R any] struct {
	// lead holds a token (a send) for each batch running; its capacity
	// bounds the batches that run at once.
	lead  chan struct{}
	max   int // the requests of one batch, at most
	mu    sync.Mutex
	queue []R
}

// join queues r and returns once done is closed. Meanwhile, whenever the
// caller can take the lead, it takes the queue (up to max requests, r among
// them or not) and runs it as one batch with run, whose after, if any, runs
// once the lead is given up. A request taken by another leader is waited
// for: its batch is running.
func (g *group[R]) join(r R, done <-chan struct{}, run func(batch []R) (after func())) {
	g.mu.Lock()
	g.queue = append(g.queue, r)
	g.mu.Unlock()
	for {
		select {
		case <-done:
			return
		case g.lead <- struct{}{}:
		}
		g.mu.Lock()
		n := min(len(g.queue), g.max)
		batch := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()
		if n == 0 {
			<-g.lead
			<-done
			return
		}
		after := run(batch)
		<-g.lead
		if after != nil {
			after()
		}
	}
}

// queued counts the requests waiting for a batch.
func (g *group[R]) queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue)
}

// Durable returns once what any write committed before the call is
// durable: on SQLite, a write's batch may be visible for the moment its
// log is synced. A reader that answers with a write it did not make (an
// earlier request repeated) calls it first.
func (d *DB) Durable(ctx context.Context) error {
	if d.Engine != SQLite {
		return nil // PostgreSQL shows a commit once it is durable
	}
	if err := d.syncLog(); err != nil {
		return fmt.Errorf("db: syncing the log: %w", err)
	}
	return ctx.Err()
}

// syncWAL syncs the write-ahead log of the SQLite database, up to its
// last commit. It opens the file anew: a checkpoint may have started the
// log over, and what it held is then in the database file, synced.
func (d *DB) syncWAL() error {
	f, err := os.Open(d.path + "-wal")
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// commitBatch runs a batch of writes in one transaction, under the lead,
// and records each outcome. It tells whether any write ran: their outcomes
// then wait for the log to be synced.
func (d *DB) commitBatch(batch []*writeRequest) (ran bool) {
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return false
	}
	bg := context.Background()
	conn, err := d.writerConn()
	if err != nil {
		err = d.MapError(err)
		for _, r := range live {
			r.err = err
		}
		return false
	}
	// The batch's transaction, in statements of its own on the connection
	// (not a *sql.Tx: see Tx.inBatch).
	if _, err := conn.ExecContext(bg, "BEGIN IMMEDIATE"); err != nil {
		// The connection may be broken: the next batch takes another.
		d.dropWriterConn()
		if isBusy(err) {
			err = errRetry
		} else {
			err = d.MapError(err)
		}
		for _, r := range live {
			r.err = err
		}
		return false
	}
	var committed []*writeRequest
	var broken error // the transaction itself failed: the rest cannot run
	for _, r := range live {
		if broken != nil {
			r.err = broken
			continue
		}
		if _, err := conn.ExecContext(bg, "SAVEPOINT write"); err != nil {
			broken = d.MapError(err)
			r.err = broken
			continue
		}
		tx := &Tx{q: conn, Now: Instant(d.Clock.Now()), Engine: d.Engine, inBatch: true}
		r.panic, r.err = runOne(r, tx)
		if r.err != nil || r.panic != nil {
			if _, err := conn.ExecContext(bg, "ROLLBACK TO write"); err != nil {
				broken = fmt.Errorf("db: rolling back a write of a batch: %w", err)
			}
			r.err = d.MapError(r.err)
		} else {
			committed = append(committed, r)
		}
		if broken == nil {
			if _, err := conn.ExecContext(bg, "RELEASE write"); err != nil {
				broken = d.MapError(err)
			}
		}
	}
	if broken == nil {
		if _, err := conn.ExecContext(bg, "COMMIT"); err != nil {
			broken = d.MapError(err)
		}
	}
	if broken != nil {
		// Nothing of the batch stands, and the connection is left outside
		// any transaction, or not used again.
		if _, err := conn.ExecContext(bg, "ROLLBACK"); err != nil {
			d.dropWriterConn()
		}
		for _, r := range committed {
			r.err = broken
		}
		return true
	}
	d.written()
	return true
}

// dropWriterConn closes the batches' connection, whose state is unknown
// after a failure; the next batch opens another. The caller holds the lead.
func (d *DB) dropWriterConn() {
	_ = d.writeConn.Raw(func(any) error { return driver.ErrBadConn })
	_ = d.writeConn.Close()
	d.writeConn = nil
}

// writerConn returns the connection the batches run on, opening it if
// need be. The caller holds the lead. Its commits leave the log unsynced
// (writeInBatch syncs it); the pool's connections keep synchronous=FULL.
func (d *DB) writerConn() (*sql.Conn, error) {
	if d.writeConn == nil {
		conn, err := d.writeDB.Conn(context.Background())
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
