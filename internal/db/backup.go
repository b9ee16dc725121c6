package db

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// ErrBackupPostgres explains how PostgreSQL databases are backed up.
var ErrBackupPostgres = errors.New("backup: on PostgreSQL use the server's own tool, e.g. `pg_dump --format=custom --file=coopconnect.dump \"$DATABASE_URL\"`, and `pg_restore` to restore (see docs/backup.md)")

// Backup writes a consistent copy of a live SQLite database to the file to,
// which must not exist, with VACUUM INTO: writers may go on meanwhile.
func (d *DB) Backup(ctx context.Context, to string) error {
	if d.Engine == Postgres {
		return ErrBackupPostgres
	}
	if _, err := os.Stat(to); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file", to)
	}
	if _, err := d.SQL.ExecContext(ctx, `VACUUM INTO $1`, to); err != nil {
		return fmt.Errorf("backup to %s: %w", to, err)
	}
	return nil
}

// IntegrityCheck runs SQLite's integrity and foreign-key checks.
func (d *DB) IntegrityCheck(ctx context.Context) error {
	if d.Engine == Postgres {
		return nil
	}
	var res string
	if err := d.SQL.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	rows, err := d.SQL.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		return errors.New("integrity check: foreign keys violated")
	}
	return rows.Err()
}
