package db

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
