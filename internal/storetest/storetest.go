// Package storetest opens real directory stores for tests: SQLite in a
// temporary directory, or PostgreSQL in a throwaway schema.
//
// CAREFINDER_TEST_POSTGRES names the PostgreSQL database (CI sets it; a test
// that asks for PostgreSQL fails without it). CAREFINDER_TEST_STORE=postgres
// makes Open, which the search and web suites use, open PostgreSQL instead
// of SQLite, so that those suites run on both: .ci/run runs them once more
// that way.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/carefinder/carefinder/directory"
)

// Kinds returns the stores a store test runs against: SQLite always,
// PostgreSQL when CAREFINDER_TEST_POSTGRES names one.
func Kinds() map[string]func(tb testing.TB) *directory.Store {
	kinds := map[string]func(tb testing.TB) *directory.Store{"sqlite": func(tb testing.TB) *directory.Store {
		return SQLite(tb, tb.TempDir())
	}}
	if dsn := os.Getenv("CAREFINDER_TEST_POSTGRES"); dsn != "" {
		kinds["postgres"] = func(tb testing.TB) *directory.Store { return Postgres(tb, dsn) }
	}
	return kinds
}

// Open opens the store the suite runs on: SQLite in dir, or PostgreSQL
// when CAREFINDER_TEST_STORE=postgres. Opening the same dir again opens
// the same store (through another connection, as another process would).
func Open(tb testing.TB, dir string) *directory.Store {
	tb.Helper()
	if os.Getenv("CAREFINDER_TEST_STORE") != "postgres" {
		return SQLite(tb, dir)
	}
	dsnFile := filepath.Join(dir, "postgres.dsn")
	u, err := os.ReadFile(dsnFile)
	if err != nil {
		dsn := os.Getenv("CAREFINDER_TEST_POSTGRES")
		if dsn == "" {
			tb.Fatal("CAREFINDER_TEST_STORE=postgres needs CAREFINDER_TEST_POSTGRES")
		}
		u = []byte(SchemaDSN(tb, dsn))
		if err := os.WriteFile(dsnFile, u, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	s, err := directory.Open(context.Background(), string(u))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// SQLite opens a SQLite store in dir, closed when the test ends.
func SQLite(tb testing.TB, dir string) *directory.Store {
	tb.Helper()
	s, err := directory.Open(context.Background(), filepath.Join(dir, "store.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// Postgres opens a store in a throwaway schema of dsn, dropped when the
// test ends.
func Postgres(tb testing.TB, dsn string) *directory.Store {
	tb.Helper()
	u := SchemaDSN(tb, dsn)
	s, err := directory.Open(context.Background(), u)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// SchemaDSN creates a throwaway schema in dsn, dropped when the test ends,
// and returns a DSN whose search_path is that schema: another connection
// (another process) can open the same store with it.
func SchemaDSN(tb testing.TB, dsn string) string {
	tb.Helper()
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "cftest_" + hex.EncodeToString(b)
	admin, err := sqlx.Open("pgx", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema (is PostgreSQL running at %s?): %v", dsn, err)
	}
	tb.Cleanup(func() {
		a, err := sqlx.Open("pgx", dsn)
		if err == nil {
			a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
