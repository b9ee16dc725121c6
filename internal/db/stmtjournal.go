package db

import (
	"fmt"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// Statement journals. Inside a transaction, SQLite keeps the pages a
// statement or a savepoint changes as they were, to take them back if it
// fails: every write of a group commit (batch.go) runs in a savepoint, and
// its INSERT, with the triggers that may refuse it, in a statement of its
// own. SQLite keeps that journal in memory up to 64 KiB, then in a
// temporary file, and a booking's savepoint passes 64 KiB: a tenth of the
// writer's time went to writing pages to that file. stmtJournalInMemory is
// SQLite's bound instead (a process-wide setting, made before any
// connection): larger journals, as a bulk import's, still go to a file.
// It stays under 128 KiB: SQLite moves the memory to the file in writes of
// that size, and its Unix layer writes at most 128 KiB at once.
const stmtJournalInMemory = 120 << 10

func init() {
	tls := libc.NewTLS()
	defer tls.Close()
	va := libc.NewVaList(int32(stmtJournalInMemory))
	defer libc.Xfree(tls, va)
	if rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_STMTJRNL_SPILL, va); rc != sqlite3.SQLITE_OK {
		// Only before SQLite's first use: a connection opened earlier.
		panic(fmt.Sprintf("db: SQLite refused the statement journal's size (code %d)", rc))
	}
}
