// Package testkit gives tests what they need for real: fresh migrated
// databases on SQLite and PostgreSQL, an in-process SMTP server, the running
// server and a headless browser.
package testkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// PostgresEnv names the variable holding the URL of a PostgreSQL server the
// tests may create databases on, e.g.
// postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable.
const PostgresEnv = "COOPCONNECT_TEST_POSTGRES"

// Required tells whether every suite must run: under CI=true a suite that
// would be skipped (no PostgreSQL, no Chromium) fails instead.
func Required() bool { return os.Getenv("CI") == "true" }

// SkipOrFail skips the test with reason, or fails it under CI.
func SkipOrFail(t testing.TB, reason string) {
	t.Helper()
	if Required() {
		t.Fatalf("CI=true and %s", reason)
	}
	t.Skip(reason)
}

// Engines returns the engines a store test runs on: SQLite always,
// PostgreSQL when PostgresEnv is set.
func Engines(t testing.TB) []db.Engine {
	engines := []db.Engine{db.SQLite}
	if os.Getenv(PostgresEnv) != "" {
		engines = append(engines, db.Postgres)
	} else if Required() {
		t.Fatalf("CI=true and %s is not set: the store tests must run on PostgreSQL too", PostgresEnv)
	}
	return engines
}

// EachEngine runs fn as a subtest on every engine, each with a fresh
// migrated database.
func EachEngine(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, e := range Engines(t) {
		t.Run(string(e), func(t *testing.T) { fn(t, NewDB(t, e, nil)) })
	}
}

// NewDB returns a fresh migrated database of the engine, closed and removed
// at the end of the test. clock may be nil for the system clock.
func NewDB(t testing.TB, engine db.Engine, clock coop.Clock) *db.DB {
	t.Helper()
	ctx := context.Background()
	var location string
	switch engine {
	case db.SQLite:
		location = filepath.Join(t.TempDir(), "coopconnect.db")
	case db.Postgres:
		location = newPostgresDatabase(t)
	}
	d, err := db.Open(ctx, location, clock)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx, nil); err != nil {
		t.Fatalf("migrate %s: %v", engine, err)
	}
	return d
}

// NewDBLocation returns the location (path or URL) of a fresh, empty
// database of the engine, removed at the end of the test; for tests of the
// binary's own start-up.
func NewDBLocation(t testing.TB, engine db.Engine) string {
	t.Helper()
	if engine == db.Postgres {
		return newPostgresDatabase(t)
	}
	return filepath.Join(t.TempDir(), "coopconnect.db")
}

// newPostgresDatabase creates an empty database on the test server and
// drops it when the test ends.
func newPostgresDatabase(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(PostgresEnv)
	if admin == "" {
		SkipOrFail(t, PostgresEnv+" is not set")
	}
	ctx := context.Background()
	a, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("postgres admin: %v", err)
	}
	defer a.Close()
	name := "cc_test_" + randomHex(8)
	if _, err := a.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer a.Close()
		cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if _, err := a.ExecContext(cctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
