package db

import "strings"

// ForUpdateSkipLocked returns the clause that ends a SELECT claiming rows
// that concurrent transactions may be claiming too, such as due jobs.
//
// On PostgreSQL it locks the rows read and skips those another transaction
// holds, so several workers, in one process or many, take different rows
// without waiting for each other. On SQLite it is empty: a write transaction
// (DB.Write) holds the database's only write lock from BEGIN, so claims are
// already serialised; the claim must therefore run in DB.Write, not DB.Read.
func (t *Tx) ForUpdateSkipLocked() string {
	if t.Engine == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// ForUpdate returns the clause that ends a SELECT locking the rows it reads
// until the transaction ends, so that concurrent writers deciding from them
// (such as bookings counting a space's seats) go one after the other.
//
// On PostgreSQL it is FOR UPDATE, of the tables (or aliases) of named if
// any, else of every table read. On SQLite it is empty: a write
// transaction (DB.Write) already holds the database's only write lock from
// BEGIN. In a DB.Read it is empty too: a read locks nothing (on PostgreSQL
// it runs outside any transaction, where a lock would end with its
// statement), so that a query shared by reads and writes may end with it.
func (t *Tx) ForUpdate(of ...string) string {
	if t.Engine != Postgres || t.readOnly {
		return ""
	}
	if len(of) > 0 {
		return " FOR UPDATE OF " + strings.Join(of, ", ")
	}
	return " FOR UPDATE"
}

// UnixSeconds returns an SQL expression for the Unix time, in whole
// seconds, of a timestamp column: reading an integer is much cheaper than
// parsing the text SQLite keeps timestamps as, for queries that read many.
func (t *Tx) UnixSeconds(column string) string {
	if t.Engine == Postgres {
		return "CAST(extract(epoch FROM " + column + ") AS BIGINT)"
	}
	return "unixepoch(" + column + ")"
}
