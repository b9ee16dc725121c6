package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationsFS embed.FS

// Migration is one numbered step of an engine's chain.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the chain of an engine, in order. File names are
// NNNN_name.sql; the chain is append-only: a released file never changes.
func Migrations(engine Engine) ([]Migration, error) {
	dir := path.Join("migrations", string(engine))
	entries, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", name)
		}
		body, err := fs.ReadFile(migrationsFS, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations of %s: expected version %d, found %s", engine, i+1, m.Name)
		}
	}
	return out, nil
}

// Migrate applies the pending migrations, each in its own transaction with
// its record in schema_migrations, so a failing step leaves nothing
// half-applied. It returns the names applied.
func (d *DB) Migrate(ctx context.Context, log *slog.Logger) ([]string, error) {
	chain, err := Migrations(d.Engine)
	if err != nil {
		return nil, err
	}
	if _, err := d.SQL.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TIMESTAMP NOT NULL)`); err != nil {
		return nil, fmt.Errorf("migrations table: %w", err)
	}
	var applied []string
	for _, m := range chain {
		done := false
		err := d.Write(ctx, func(tx *Tx) error {
			if d.Engine == Postgres {
				// Two servers starting at once must not both migrate.
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7243190)`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				done = true
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, m.Version, m.Name, tx.Now)
			return err
		})
		if err != nil {
			return applied, err
		}
		if !done {
			applied = append(applied, m.Name)
			if log != nil {
				log.Info("migration applied", "name", m.Name, "engine", d.Engine)
			}
		}
	}
	return applied, nil
}

// Columns lists "table.column" for every table of the database, sorted; the
// test that both chains agree compares them.
func (d *DB) Columns(ctx context.Context) ([]string, error) {
	var q string
	if d.Engine == Postgres {
		q = `SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	} else {
		q = `SELECT m.name || '.' || p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
	}
	rows, err := d.SQL.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out, rows.Err()
}

// Pending returns how many migrations of the chain are not applied.
func (d *DB) Pending(ctx context.Context) (int, error) {
	chain, err := Migrations(d.Engine)
	if err != nil {
		return 0, err
	}
	var n int
	if err := d.SQL.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		return 0, err
	}
	return len(chain) - n, nil
}
