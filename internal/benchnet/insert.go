package benchnet

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"coopconnect/internal/db"
)

// rowsPerStatement is how many rows one INSERT carries. On PostgreSQL,
// hundreds: each statement is a round trip, and the parameters stay far
// below the limit of 65,535. On SQLite, one: there is no round trip to
// save, the driver (modernc.org/sqlite) looks each parameter's name up in a
// list as long as the parameters (time quadratic in them), and a statement
// of many rows journals more pages. Measured on the default network, a row
// per statement was the fastest, 8 rows about 1.5 times slower, 500 rows
// several times slower.
func rowsPerStatement(e db.Engine, columns int) int {
	if e == db.SQLite {
		return 1
	}
	return max(1, min(500, 30000/columns))
}

// inserter adds rows to a table with one prepared INSERT of
// rowsPerStatement rows, run each time that many rows are queued.
type inserter struct {
	ctx     context.Context
	tx      *db.Tx
	head    string // INSERT INTO table (columns) VALUES
	columns int
	perStmt int // rows per full statement
	full    *sql.Stmt
	args    []any
}

func newInserter(ctx context.Context, tx *db.Tx, table string, columns ...string) *inserter {
	per := rowsPerStatement(tx.Engine, len(columns))
	return &inserter{
		ctx: ctx, tx: tx, columns: len(columns), perStmt: per,
		head: "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES ",
		args: make([]any, 0, per*len(columns)),
	}
}

// values returns "($1, $2…), ($n+1…)…" for rows rows.
func (in *inserter) values(rows int) string {
	var b strings.Builder
	b.Grow(rows * in.columns * 6)
	n := 1
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range in.columns {
			if c > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$%d", n)
			n++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// add queues one row; its values must come in the columns' order.
func (in *inserter) add(values ...any) error {
	if len(values) != in.columns {
		return fmt.Errorf("benchnet: %d values for %d columns", len(values), in.columns)
	}
	in.args = append(in.args, values...)
	if len(in.args) < in.perStmt*in.columns {
		return nil
	}
	if in.full == nil {
		stmt, err := in.tx.PrepareContext(in.ctx, in.head+in.values(in.perStmt))
		if err != nil {
			return err
		}
		in.full = stmt
	}
	_, err := in.full.ExecContext(in.ctx, in.args...)
	in.args = in.args[:0]
	return err
}

// close inserts the rows still queued and releases the statement.
func (in *inserter) close() error {
	var err error
	if len(in.args) > 0 {
		_, err = in.tx.ExecContext(in.ctx, in.head+in.values(len(in.args)/in.columns), in.args...)
		in.args = in.args[:0]
	}
	if in.full != nil {
		if cerr := in.full.Close(); err == nil {
			err = cerr
		}
		in.full = nil
	}
	return err
}
