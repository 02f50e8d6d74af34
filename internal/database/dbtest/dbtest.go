// Package dbtest gives each test a fresh, migrated Kickoff database on every
// dialect under test: SQLite always, PostgreSQL when KICKOFF_TEST_POSTGRES_URL
// names a server where databases can be created.
package dbtest

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

	"entgo.io/ent/dialect"

	"github.com/kickoff-ci/kickoff/internal/database"
)

// PostgresURLEnv names the variable holding the PostgreSQL server URL.
const PostgresURLEnv = "KICKOFF_TEST_POSTGRES_URL"

// Dialects lists the dialects this test run covers.
func Dialects() []string {
	if os.Getenv(PostgresURLEnv) != "" {
		return []string{dialect.SQLite, dialect.Postgres}
	}
	return []string{dialect.SQLite}
}

// Run runs fn as a parallel subtest per dialect (named "sqlite3" and
// "postgres"), each with its own fresh database.
func Run(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, Open(t, d))
		})
	}
}

// Open returns a fresh migrated database of the dialect, removed when the test ends.
func Open(tb testing.TB, dialectName string) *database.DB {
	tb.Helper()
	cfg := database.Config{DataDir: tb.TempDir()}
	if dialectName == dialect.Postgres {
		cfg.URL = createPostgresDB(tb)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := database.Open(ctx, cfg)
	if err != nil {
		tb.Fatalf("opening %s test database: %v", dialectName, err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrating %s test database: %v", dialectName, err)
	}
	return db
}

// OpenUnmigrated returns a fresh empty database of the dialect.
func OpenUnmigrated(tb testing.TB, dialectName string) (*database.DB, database.Config) {
	tb.Helper()
	cfg := database.Config{DataDir: tb.TempDir()}
	if dialectName == dialect.Postgres {
		cfg.URL = createPostgresDB(tb)
	}
	db, err := database.Open(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("opening %s test database: %v", dialectName, err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db, cfg
}

// SQLiteFile is where Open keeps the SQLite database of cfg.
func SQLiteFile(cfg database.Config) string {
	return filepath.Join(cfg.DataDir, database.DefaultSQLiteFile)
}

// createPostgresDB creates an empty database on the test server and returns
// its URL; it is dropped when the test ends.
func createPostgresDB(tb testing.TB) string {
	tb.Helper()
	server := os.Getenv(PostgresURLEnv)
	if server == "" {
		tb.Fatalf("%s is not set", PostgresURLEnv)
	}
	admin, err := sql.Open("postgres", server)
	if err != nil {
		tb.Fatalf("opening PostgreSQL server %s: %v", PostgresURLEnv, err)
	}
	defer admin.Close()
	name := "kickoff_test_" + randomSuffix(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("creating PostgreSQL test database (is %s reachable?): %v", PostgresURLEnv, err)
	}
	tb.Cleanup(func() {
		admin, err := sql.Open("postgres", server)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("parsing %s: %v", PostgresURLEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomSuffix(tb testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}
