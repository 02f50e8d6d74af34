// Package dbtest gives each test a fresh, migrated Kickoff database on every
// dialect under test: SQLite always, PostgreSQL when KICKOFF_TEST_POSTGRES_URL
// names a server where databases can be created.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/migrations"
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
// PostgreSQL's is a copy of a template migrated once per set of migrations.
func Open(tb testing.TB, dialectName string) *database.DB {
	tb.Helper()
	cfg := database.Config{DataDir: tb.TempDir()}
	if dialectName == dialect.Postgres {
		cfg.URL = createPostgresDB(tb, migratedTemplate(tb))
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
		cfg.URL = createPostgresDB(tb, "template0")
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

// createPostgresDB creates a database on the test server as a copy of
// template and returns its URL; it is dropped when the test ends.
func createPostgresDB(tb testing.TB, template string) string {
	tb.Helper()
	server := os.Getenv(PostgresURLEnv)
	admin := openServer(tb)
	defer admin.Close()
	name := "kickoff_test_" + randomSuffix(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template); err != nil {
		tb.Fatalf("creating PostgreSQL test database (is %s reachable?): %v", PostgresURLEnv, err)
	}
	// A test database need not survive a crash of the PostgreSQL server:
	// commits that skip waiting for the WAL flush spare the suite most of
	// its I/O waits, and clients see the same answers either way.
	if _, err := admin.ExecContext(ctx, "ALTER DATABASE "+name+" SET synchronous_commit = off"); err != nil {
		tb.Fatalf("configuring PostgreSQL test database: %v", err)
	}
	tb.Cleanup(func() {
		admin, err := sql.Open("postgres", server)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	return databaseURL(tb, name)
}

func openServer(tb testing.TB) *sql.DB {
	tb.Helper()
	server := os.Getenv(PostgresURLEnv)
	if server == "" {
		tb.Fatalf("%s is not set", PostgresURLEnv)
	}
	admin, err := sql.Open("postgres", server)
	if err != nil {
		tb.Fatalf("opening PostgreSQL server %s: %v", PostgresURLEnv, err)
	}
	return admin
}

// databaseURL is the test server's URL naming database name.
func databaseURL(tb testing.TB, name string) string {
	tb.Helper()
	u, err := url.Parse(os.Getenv(PostgresURLEnv))
	if err != nil {
		tb.Fatalf("parsing %s: %v", PostgresURLEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

var template struct {
	once sync.Once
	name string
	err  error
}

// migratedTemplate names a database on the test server holding every
// embedded migration, made once per set of migrations (its name carries
// their digest) and shared by concurrent test processes: copying it costs a
// fraction of migrating each test's database.
func migratedTemplate(tb testing.TB) string {
	tb.Helper()
	template.once.Do(func() { template.name, template.err = makeTemplate(tb) })
	if template.err != nil {
		tb.Fatalf("preparing the PostgreSQL template database: %v", template.err)
	}
	return template.name
}

func makeTemplate(tb testing.TB) (string, error) {
	name, err := templateName()
	if err != nil {
		return "", err
	}
	admin := openServer(tb)
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := admin.Conn(ctx) // the advisory lock belongs to one session
	if err != nil {
		return "", err
	}
	defer conn.Close()
	const lockKey = 0x6b69636b6f6666 // "kickoff": one template builder at a time
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return "", fmt.Errorf("locking: %w", err)
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", lockKey) //nolint:errcheck
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil || exists {
		return name, err
	}
	// Migrated under a scratch name and renamed when complete, so a crash
	// half-way never leaves a template that looks finished.
	scratch := name + "_building"
	if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+scratch+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+scratch+" TEMPLATE template0"); err != nil {
		return "", err
	}
	db, err := database.Open(ctx, database.Config{URL: databaseURL(tb, scratch)})
	if err != nil {
		return "", err
	}
	_, err = db.Migrate(ctx)
	_ = db.Close()
	if err != nil {
		return "", fmt.Errorf("migrating: %w", err)
	}
	// Renaming waits out the closing sessions of the migration.
	for {
		_, err = conn.ExecContext(ctx, "ALTER DATABASE "+scratch+" RENAME TO "+name)
		if err == nil || ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err == nil {
		dropStaleTemplates(ctx, conn, name)
	}
	return name, err
}

// dropStaleTemplates removes templates of earlier migration sets, best
// effort: one still being copied by another test process stays.
func dropStaleTemplates(ctx context.Context, conn *sql.Conn, keep string) {
	rows, err := conn.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'kickoff\_template\_%' AND datname <> $1`, keep)
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			stale = append(stale, n)
		}
	}
	_ = rows.Close()
	for _, n := range stale {
		_, _ = conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+n)
	}
}

// templateName digests the embedded PostgreSQL migrations.
func templateName() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, "postgres", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrations.FS.ReadFile(path)
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return err
	})
	return fmt.Sprintf("kickoff_template_%x", h.Sum(nil)[:6]), err
}

func randomSuffix(tb testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}
