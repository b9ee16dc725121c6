package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"

	"modernc.org/sqlite"
)

// The SQLite driver prepares every statement anew, and preparing is most of
// the cost of a short query: parsing the SQL and, for an INSERT into
// bookings, compiling its triggers. cachingDriver keeps each connection's
// prepared statements and runs repeated queries on them. PostgreSQL needs
// none of this: pgx caches its prepared statements itself.

// maxCachedStatements bounds a connection's cache; past it, statements are
// prepared for one use, as without a cache.
const maxCachedStatements = 500

const cachingSQLite = "sqlite-cached"

func init() {
	sql.Register(cachingSQLite, cachingDriver{&sqlite.Driver{}})
}

type cachingDriver struct{ inner driver.Driver }

func (d cachingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.inner.Open(name)
	if err != nil {
		return nil, err
	}
	inner, ok := c.(sqliteConn)
	if !ok {
		return c, nil // a driver without the methods cached: use it as is
	}
	return &cachedConn{sqliteConn: inner, stmts: map[string]*cachedStmt{}}, nil
}

// sqliteConn is what the SQLite driver's connections offer and the cache
// passes through.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type cachedConn struct {
	sqliteConn
	stmts map[string]*cachedStmt
}

type cachedStmt struct {
	driver.Stmt
	busy bool // running: its rows are still open
}

// stmt returns a prepared statement for query and the function that
// releases it. database/sql uses a connection from one goroutine at a
// time, so the map needs no lock; a statement whose rows are still open
// (the same query nested in a loop over its own rows) gets a one-use twin.
func (c *cachedConn) stmt(ctx context.Context, query string) (driver.Stmt, func(), error) {
	if s, ok := c.stmts[query]; ok && !s.busy {
		s.busy = true
		return s.Stmt, func() { s.busy = false }, nil
	}
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	_, known := c.stmts[query]
	// Scripts of several statements run whole through the driver's own
	// path, never from a cached (single) statement.
	if known || len(c.stmts) >= maxCachedStatements || strings.Contains(strings.TrimRight(query, "; \t\n"), ";") {
		return st, func() { st.Close() }, nil
	}
	s := &cachedStmt{Stmt: st, busy: true}
	c.stmts[query] = s
	return st, func() { s.busy = false }, nil
}

func (c *cachedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if strings.Contains(strings.TrimRight(query, "; \t\n"), ";") {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	st, release, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	defer release()
	return st.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *cachedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	st, release, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		release()
		return nil, err
	}
	return &releasingRows{Rows: rows, release: release}, nil
}

func (c *cachedConn) Close() error {
	for _, s := range c.stmts {
		s.Close()
	}
	c.stmts = nil
	return c.sqliteConn.Close()
}

// releasingRows gives its statement back when closed.
type releasingRows struct {
	driver.Rows
	release func()
}

func (r *releasingRows) Close() error {
	err := r.Rows.Close()
	if r.release != nil {
		r.release()
		r.release = nil
	}
	return err
}
