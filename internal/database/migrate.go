package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"

	"entgo.io/ent/dialect"
	"github.com/golang-migrate/migrate/v4"
	migratedb "github.com/golang-migrate/migrate/v4/database"
	"github.com/golang-migrate/migrate/v4/database/postgres"
	"github.com/golang-migrate/migrate/v4/database/sqlite"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/kickoff-ci/kickoff/migrations"
)

// Migration is one versioned migration file pair.
type Migration struct {
	Version uint
	Name    string
	Applied bool
}

// MigrationStatus is what `kickoff migrate status` prints.
type MigrationStatus struct {
	Current    uint // 0 when nothing is applied
	Dirty      bool // a migration failed half-way; needs an operator
	Migrations []Migration
}

// Pending lists the migrations not applied yet.
func (s MigrationStatus) Pending() []Migration {
	var out []Migration
	for _, m := range s.Migrations {
		if !m.Applied {
			out = append(out, m)
		}
	}
	return out
}

// ErrDirty means a previous migration failed half-way.
var ErrDirty = errors.New("database is in a dirty migration state: a previous migration failed; fix the schema by hand, then force the version")

// Migrate applies every pending migration and returns the versions it applied.
// Concurrent replicas are safe: golang-migrate takes an advisory lock on
// PostgreSQL, and SQLite serializes writers.
func (db *DB) Migrate(ctx context.Context) ([]uint, error) {
	before, err := db.MigrationStatus(ctx)
	if err != nil {
		return nil, err
	}
	if before.Dirty {
		return nil, ErrDirty
	}
	err = db.withMigrator(func(m *migrate.Migrate) error { return m.Up() })
	if err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return nil, fmt.Errorf("applying migrations: %w", err)
	}
	var applied []uint
	for _, m := range before.Pending() {
		applied = append(applied, m.Version)
	}
	return applied, nil
}

// MigrationStatus reports the applied version and every known migration.
func (db *DB) MigrationStatus(ctx context.Context) (MigrationStatus, error) {
	all, err := embeddedMigrations(db.Dialect)
	if err != nil {
		return MigrationStatus{}, err
	}
	var status MigrationStatus
	err = db.withMigrator(func(m *migrate.Migrate) error {
		v, dirty, err := m.Version()
		if errors.Is(err, migrate.ErrNilVersion) {
			return nil
		}
		status.Current, status.Dirty = v, dirty
		return err
	})
	if err != nil {
		return MigrationStatus{}, fmt.Errorf("reading migration version: %w", err)
	}
	for _, m := range all {
		m.Applied = m.Version <= status.Current && !(status.Dirty && m.Version == status.Current)
		status.Migrations = append(status.Migrations, m)
	}
	return status, nil
}

// withMigrator runs fn with a golang-migrate instance on a connection pool of
// its own: golang-migrate closes the pool it is given and pins a connection.
func (db *DB) withMigrator(fn func(*migrate.Migrate) error) error {
	src, err := iofs.New(migrations.FS, sourceDir(db.Dialect))
	if err != nil {
		return fmt.Errorf("reading embedded migrations: %w", err)
	}
	driverName := "postgres"
	if db.Dialect == dialect.SQLite {
		driverName = "sqlite"
	}
	pool, err := sql.Open(driverName, db.dsn)
	if err != nil {
		return fmt.Errorf("opening migration connection: %w", err)
	}
	var drv migratedb.Driver
	if db.Dialect == dialect.SQLite {
		drv, err = sqlite.WithInstance(pool, &sqlite.Config{})
	} else {
		drv, err = postgres.WithInstance(pool, &postgres.Config{})
	}
	if err != nil {
		_ = pool.Close()
		return fmt.Errorf("preparing migration driver: %w", redactErr(err, db.dsn))
	}
	m, err := migrate.NewWithInstance("iofs", src, db.Dialect, drv)
	if err != nil {
		_ = drv.Close()
		return fmt.Errorf("preparing migrations: %w", err)
	}
	defer m.Close()
	return fn(m)
}

func sourceDir(dialectName string) string {
	if dialectName == dialect.SQLite {
		return "sqlite"
	}
	return "postgres"
}

var migrationFile = regexp.MustCompile(`^(\d+)_(.+)\.up\.sql$`)

// embeddedMigrations lists the migrations of a dialect, oldest first.
func embeddedMigrations(dialectName string) ([]Migration, error) {
	entries, err := fs.ReadDir(migrations.FS, sourceDir(dialectName))
	if err != nil {
		return nil, fmt.Errorf("listing embedded migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		parts := migrationFile.FindStringSubmatch(e.Name())
		if parts == nil {
			continue
		}
		v, err := strconv.ParseUint(parts[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: uint(v), Name: parts[2]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// SchemaCurrent reports whether the newest embedded migration is applied and
// clean. It reads golang-migrate's table directly: cheap enough for /readyz.
func (db *DB) SchemaCurrent(ctx context.Context) (bool, error) {
	all, err := embeddedMigrations(db.Dialect)
	if err != nil || len(all) == 0 {
		return false, err
	}
	var version int64
	var dirty bool
	err = db.SQL.QueryRowContext(ctx, "SELECT version, dirty FROM schema_migrations LIMIT 1").Scan(&version, &dirty)
	if err != nil {
		return false, fmt.Errorf("reading schema version: %w", err)
	}
	return !dirty && uint(version) == all[len(all)-1].Version, nil
}
