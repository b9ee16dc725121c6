// Package db opens the SQLite or PostgreSQL database, applies the embedded
// migrations, runs transactions and maps driver errors to the application's.
//
// Conventions every store follows:
//   - one SQL text for both engines, with $1…$n placeholders;
//   - instants are passed and stored in UTC with a precision of one second
//     (use Instant): SQLite keeps them as "YYYY-MM-DD HH:MM:SS" text, which
//     sorts and compares like the instants themselves;
//   - exported store methods own their transaction (DB.Write) or their
//     reads (DB.Read), which carry one Now from the injected clock.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"coopconnect/internal/coop"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite", which cachingSQLite wraps
)

// Engine names a database engine.
type Engine string

// The two engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is an open database of either engine.
type DB struct {
	SQL    *sql.DB
	Engine Engine
	Clock  coop.Clock
	// Location is the redacted address of the database, for logs.
	Location string
	path     string // SQLite file path
	// SQLite's write transactions of this process group-commit (batch.go);
	// holding its lead runs the next batch.
	writes group[*writeRequest]
	// PostgreSQL's one-statement writes share pipelines (statement.go).
	statements group[*statementRequest]
	// writeConn is the connection the batches run on, under the lead, the
	// one of writeDB: its page cache stays warm (another connection's write
	// would empty it).
	writeDB   *sql.DB
	writeConn *sql.Conn
	// syncLog makes the commits so far durable (syncWAL; tests hold it).
	syncLog func() error
	// The background checkpointer (checkpoint.go).
	wrote            chan struct{}
	closing          chan struct{}
	checkpointerDone chan struct{}
	restartFrames    int
}

// maxPostgresConns bounds the connections to PostgreSQL. Each is a server
// process: beyond a few per core they add switching, not work. With the
// server on the same two cores, 10 gave a fifth more bookings a second
// than 20, and 5 no more than 10 (docs/performance.md, ninth session).
const maxPostgresConns = 10

// IsPostgres tells whether url selects PostgreSQL.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// Open opens the database named by location: a postgres:// URL or a SQLite
// file path (its folder is created). It checks that the database answers.
func Open(ctx context.Context, location string, clock coop.Clock) (*DB, error) {
	if clock == nil {
		clock = coop.SystemClock{}
	}
	d := &DB{Clock: clock, Location: Redact(location)}
	var err error
	if IsPostgres(location) {
		d.Engine = Postgres
		d.SQL, err = sql.Open("pgx", location)
		if err != nil {
			return nil, fmt.Errorf("database %s: %w", d.Location, err)
		}
		// As many idle connections kept as open: with fewer, a burst's
		// connections were closed as they came back and opened again at
		// the next, each a new server process with cold caches (under 64
		// clients, half the two cores went to starting them). Idle ones
		// close after five minutes.
		d.SQL.SetMaxOpenConns(maxPostgresConns)
		d.SQL.SetMaxIdleConns(maxPostgresConns)
		d.SQL.SetConnMaxIdleTime(5 * time.Minute)
		d.statements = group[*statementRequest]{lead: make(chan struct{}, statementPipelines), max: maxPipeline}
	} else {
		if location == "" {
			return nil, errors.New("database: empty path")
		}
		d.Engine = SQLite
		d.path = location
		if dir := filepath.Dir(location); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("database %s: %w", location, err)
			}
		}
		d.SQL, err = sql.Open(cachingSQLite, sqliteDSN(location, "FULL"))
		if err != nil {
			return nil, fmt.Errorf("database %s: %w", location, err)
		}
		// The group commit's own connection syncs the log itself (batch.go).
		d.writeDB, err = sql.Open(cachingSQLite, sqliteDSN(location, "NORMAL"))
		if err != nil {
			d.SQL.Close()
			return nil, fmt.Errorf("database %s: %w", location, err)
		}
		d.writeDB.SetMaxOpenConns(1)
		// WAL lets readers run beside the one writer; writers queue on
		// busy_timeout. A small pool keeps file handles and memory modest.
		d.SQL.SetMaxOpenConns(8)
		d.SQL.SetMaxIdleConns(8)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := d.SQL.PingContext(pctx); err != nil {
		d.SQL.Close()
		if d.writeDB != nil {
			d.writeDB.Close()
		}
		// Drivers spread their reasons over several lines: keep one.
		return nil, fmt.Errorf("database %s is not reachable: %s", d.Location, strings.Join(strings.Fields(err.Error()), " "))
	}
	if d.Engine == SQLite {
		d.writes = group[*writeRequest]{lead: make(chan struct{}, 1), max: maxBatch}
		d.syncLog = d.syncWAL
		d.startCheckpoints()
	}
	return d, nil
}

// sqliteDSN configures every pooled connection identically. busy_timeout
// comes first so that the pragmas after it wait instead of failing.
// synchronous is FULL but for the group commit's connection, which syncs
// the log itself before telling anyone (NORMAL).
func sqliteDSN(path, synchronous string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous("+synchronous+")")
	q.Add("_pragma", "wal_autocheckpoint(0)") // checkpoint.go
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "datetime")
	return "file:" + path + "?" + q.Encode()
}

// Redact hides the password of a database URL.
func Redact(location string) string {
	if !IsPostgres(location) {
		return location
	}
	u, err := url.Parse(location)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

// Close closes the database.
func (d *DB) Close() error {
	d.stopCheckpoints()
	if d.Engine == SQLite {
		d.writes.lead <- struct{}{}
		if d.writeConn != nil {
			_ = d.writeConn.Close()
			d.writeConn = nil
		}
		_ = d.writeDB.Close()
		<-d.writes.lead
	}
	return d.SQL.Close()
}

// Ping checks that the database answers, for /readyz.
func (d *DB) Ping(ctx context.Context) error { return d.SQL.PingContext(ctx) }

// Instant normalises t for storage: UTC, whole seconds.
func Instant(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// Tx is a transaction with the instant it runs at.
type Tx struct {
	q      querier
	Now    time.Time
	Engine Engine
	// inBatch: a write of a group commit, whose statements run to their
	// end whatever their context (batch.go), on the writer's connection
	// inside the batch's BEGIN. They also start no goroutine to watch a
	// context: database/sql and the driver each start one for every
	// statement in a *sql.Tx or whose context can end, and the time the one
	// writer waits for a core is every write's of the batch.
	inBatch bool
	// readOnly: a DB.Read, where ExecContext refuses (on PostgreSQL it
	// runs outside any transaction, which would not refuse a write).
	readOnly bool
}

// querier runs a Tx's statements: a *sql.Tx, or the group commit's
// *sql.Conn.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// statementContext is the context a statement of t runs with.
func (t *Tx) statementContext(ctx context.Context) context.Context {
	if t.inBatch {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// ExecContext runs a statement in t.
func (t *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if t.readOnly {
		return nil, errWriteInRead
	}
	return t.q.ExecContext(t.statementContext(ctx), query, args...)
}

// QueryContext runs a query in t.
func (t *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.q.QueryContext(t.statementContext(ctx), query, args...)
}

// QueryRowContext runs a query of one row in t.
func (t *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.q.QueryRowContext(t.statementContext(ctx), query, args...)
}

// PrepareContext prepares a statement in t, for a bulk load.
func (t *Tx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return t.q.PrepareContext(t.statementContext(ctx), query)
}

// Write runs fn in a write transaction (on SQLite it takes the write lock at
// BEGIN) and commits it if fn returns nil: when Write returns nil, what fn
// wrote is durable. A busy database is retried a few times; fn must
// therefore have no effect outside the transaction. On SQLite, concurrent
// writes share one commit (see batch.go), each in its own savepoint.
func (d *DB) Write(ctx context.Context, fn func(tx *Tx) error) error {
	var err error
	for attempt := range 5 {
		if d.Engine == SQLite {
			err = d.writeInBatch(ctx, fn)
		} else {
			err = d.run(ctx, false, fn)
		}
		if !errors.Is(err, errRetry) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(10*(attempt+1)) * time.Millisecond):
		}
	}
	return coop.Errorf(coop.EUnavailable, "error.busy")
}

// Read runs fn's reads, with one Now. On SQLite they run in a transaction,
// which sees one snapshot. On PostgreSQL they run on one connection outside
// any transaction: at READ COMMITTED, the level the application runs at,
// each statement sees a snapshot of its own, in a transaction or not, and
// BEGIN and COMMIT would be two more round trips to the server (a booking
// took six instead of eight: 8 % more bookings a second,
// docs/performance.md). fn must not write: ExecContext refuses.
func (d *DB) Read(ctx context.Context, fn func(tx *Tx) error) error {
	if d.Engine == Postgres {
		conn, err := d.SQL.Conn(ctx)
		if err != nil {
			return d.MapError(err)
		}
		defer conn.Close()
		return d.MapError(fn(&Tx{q: conn, Now: Instant(d.Clock.Now()), Engine: d.Engine, readOnly: true}))
	}
	return d.run(ctx, true, fn)
}

// errWriteInRead is what ExecContext answers in DB.Read.
var errWriteInRead = errors.New("db: a statement run with ExecContext in DB.Read (a write?)")

var errRetry = errors.New("db: retry")

func (d *DB) run(ctx context.Context, readOnly bool, fn func(tx *Tx) error) (err error) {
	// With _txlock=immediate, a read-only BEGIN stays deferred in the SQLite
	// driver, so reads never queue behind the writer.
	sqlTx, err := d.SQL.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		if isBusy(err) {
			return errRetry
		}
		return d.MapError(err)
	}
	tx := &Tx{q: sqlTx, Now: Instant(d.Clock.Now()), Engine: d.Engine, readOnly: readOnly}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
			err = d.MapError(err)
			return
		}
		if cerr := sqlTx.Commit(); cerr != nil {
			err = d.MapError(cerr)
		}
	}()
	return fn(tx)
}
