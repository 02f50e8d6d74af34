// Command migrationgen writes the next versioned migration of each dialect:
// the SQL that takes a database migrated from migrations/<dialect> to what the
// ent schema in ent/schema wants. Run it after changing a schema:
//
//	make migration name=add_runner_tags
//
// SQLite is diffed in memory; PostgreSQL needs a server where a scratch
// database can be created (KICKOFF_TEST_POSTGRES_URL, or -postgres-url).
//
// A data migration is written by hand (a pair of files per dialect); then
// `make migration-hash` (-rehash) records the files in atlas.sum, which the
// next diff checks.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"strings"
	"time"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	_ "github.com/lib/pq"
	_ "modernc.org/sqlite"

	"github.com/kickoff-ci/kickoff/ent/migrate"
)

func main() {
	name := flag.String("name", "", "migration name, e.g. add_runner_tags (required)")
	rehash := flag.Bool("rehash", false, "only rewrite each dialect's atlas.sum after files were written by hand")
	pgURL := flag.String("postgres-url", os.Getenv("KICKOFF_TEST_POSTGRES_URL"), "PostgreSQL server URL for a scratch database")
	flag.Parse()
	if *rehash {
		for _, dir := range []string{"migrations/sqlite", "migrations/postgres"} {
			if err := writeSum(dir); err != nil {
				log.Fatalf("migrationgen: %s: %v", dir, err)
			}
		}
		return
	}
	if *name == "" {
		log.Fatal("migrationgen: -name is required")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := diffSQLite(ctx, *name); err != nil {
		log.Fatalf("migrationgen: sqlite: %v", err)
	}
	if *pgURL == "" {
		log.Fatal("migrationgen: postgres: set KICKOFF_TEST_POSTGRES_URL or -postgres-url")
	}
	if err := diffPostgres(ctx, *name, *pgURL); err != nil {
		log.Fatalf("migrationgen: postgres: %v", err)
	}
}

func diffSQLite(ctx context.Context, name string) error {
	db, err := sql.Open("sqlite", "file:migrationgen?mode=memory&_pragma=foreign_keys(1)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one in-memory database
	return diff(ctx, dialect.SQLite, db, "migrations/sqlite", name)
}

func diffPostgres(ctx context.Context, name, serverURL string) error {
	admin, err := sql.Open("postgres", serverURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	scratch := fmt.Sprintf("kickoff_migrationgen_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+scratch); err != nil {
		return fmt.Errorf("creating scratch database: %w", err)
	}
	defer admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+scratch+" WITH (FORCE)") //nolint:errcheck
	u, err := url.Parse(serverURL)
	if err != nil {
		return err
	}
	u.Path = "/" + scratch
	db, err := sql.Open("postgres", u.String())
	if err != nil {
		return err
	}
	defer db.Close()
	return diff(ctx, dialect.Postgres, db, "migrations/postgres", name)
}

func writeSum(dir string) error {
	mdir, err := sqltool.NewGolangMigrateDir(dir)
	if err != nil {
		return fmt.Errorf("opening %s: %w", dir, err)
	}
	sum, err := mdir.Checksum()
	if err != nil {
		return fmt.Errorf("hashing %s: %w", dir, err)
	}
	return atlasmigrate.WriteSumFile(mdir, sum)
}

func diff(ctx context.Context, d string, db *sql.DB, dir, name string) error {
	mdir, err := sqltool.NewGolangMigrateDir(dir)
	if err != nil {
		return fmt.Errorf("opening %s: %w", dir, err)
	}
	err = migrate.NewSchema(entsql.OpenDB(d, db)).NamedDiff(ctx, strings.ReplaceAll(name, "-", "_"),
		schema.WithDir(mdir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(d),
		schema.WithFormatter(sqltool.GolangMigrateFormatter),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	)
	if err != nil {
		return fmt.Errorf("diffing %s: %w", dir, err)
	}
	return nil
}
