package database_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// TestMigrationsMatchSchema fails when an ent schema changed without a new
// migration: a database migrated from the files must be exactly what the
// schema wants, so ent finds nothing to change.
func TestMigrationsMatchSchema(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		var buf bytes.Buffer
		if err := db.Client.Schema.WriteTo(context.Background(), &buf); err != nil {
			t.Fatalf("diffing schema: %v", err)
		}
		if changes := schemaChanges(buf.String()); changes != "" {
			t.Fatalf("the ent schema differs from migrations/%s; run `make migration name=...`:\n%s", db.Dialect, changes)
		}
	})
}

// TestDriftDetectorSeesChanges proves the drift check is not blind: on a
// database with no migrations applied it must report the whole schema.
func TestDriftDetectorSeesChanges(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			db, _ := dbtest.OpenUnmigrated(t, d)
			var buf bytes.Buffer
			if err := db.Client.Schema.WriteTo(context.Background(), &buf); err != nil {
				t.Fatalf("diffing schema: %v", err)
			}
			if !strings.Contains(schemaChanges(buf.String()), "pipeline_triggers") {
				t.Fatalf("an empty database should need the whole schema, got:\n%s", buf.String())
			}
		})
	}
}

// schemaChanges drops the empty transaction wrapper ent prints.
func schemaChanges(out string) string {
	var kept []string
	for _, line := range strings.Split(out, "\n") {
		switch strings.TrimSpace(line) {
		case "", "BEGIN;", "COMMIT;":
			continue
		}
		kept = append(kept, line)
	}
	return strings.Join(kept, "\n")
}

func TestMigrateStatus(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, _ := dbtest.OpenUnmigrated(t, d)
			before, err := db.MigrationStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if before.Current != 0 || len(before.Pending()) == 0 {
				t.Fatalf("fresh database: current=%d pending=%d, want 0 and >0", before.Current, len(before.Pending()))
			}
			applied, err := db.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(applied) != len(before.Migrations) {
				t.Fatalf("applied %v, want all %d", applied, len(before.Migrations))
			}
			after, err := db.MigrationStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(after.Pending()) != 0 || after.Current != before.Migrations[len(before.Migrations)-1].Version {
				t.Fatalf("after migrate: current=%d pending=%v", after.Current, after.Pending())
			}
			again, err := db.Migrate(ctx)
			if err != nil || len(again) != 0 {
				t.Fatalf("second migrate applied %v, err %v; want nothing", again, err)
			}
		})
	}
}

// TestSQLiteFileIsPrivate: the embedded database holds password hashes and
// sealed tokens, so only its owner may read it.
func TestSQLiteFileIsPrivate(t *testing.T) {
	db, cfg := dbtest.OpenUnmigrated(t, "sqlite3")
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{dbtest.SQLiteFile(cfg), dbtest.SQLiteFile(cfg) + "-wal"} {
		info, err := os.Stat(name)
		if os.IsNotExist(err) && name != dbtest.SQLiteFile(cfg) {
			continue // the WAL exists only while a connection is open
		}
		if err != nil {
			t.Fatal(err)
		}
		if mode := info.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %o, want 600", name, mode)
		}
	}
}
