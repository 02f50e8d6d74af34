// Package database opens Kickoff's database — embedded SQLite by default,
// PostgreSQL in production — applies its versioned migrations and hands out
// the ent client every other package uses.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/lib/pq"  // PostgreSQL driver "postgres"
	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite"

	"github.com/kickoff-ci/kickoff/ent"
)

// DefaultSQLiteFile is the embedded database's file name inside the data dir.
const DefaultSQLiteFile = "kickoff.db"

// Config says which database to open.
type Config struct {
	// URL is a postgres:// (or postgresql://) URL, a sqlite:// URL naming a
	// file, or empty for SQLite in DataDir.
	URL string
	// DataDir holds the embedded SQLite file when URL is empty.
	DataDir string
	// MaxOpenConns bounds the pool; 0 picks a default per dialect.
	MaxOpenConns int
}

// DB is an open database: the dialect, the pool and the ent client on it.
type DB struct {
	Dialect string
	SQL     *sql.DB
	Client  *ent.Client
	// dsn reopens the same database for golang-migrate, which closes what it
	// is given.
	dsn string
}

// Open connects to the configured database and checks that it answers.
// It does not migrate: call Migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	dialectName, dsn, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	driverName := "postgres"
	if dialectName == dialect.SQLite {
		driverName = "sqlite"
	}
	var pool *sql.DB
	if dialectName == dialect.Postgres {
		connector, err := postgresConnector(dsn)
		if err != nil {
			return nil, fmt.Errorf("opening %s database: %w", dialectName, redactErr(err, dsn))
		}
		pool = sql.OpenDB(connector)
	} else if pool, err = sql.Open(driverName, dsn); err != nil {
		return nil, fmt.Errorf("opening %s database: %w", dialectName, err)
	}
	configurePool(pool, dialectName, cfg.MaxOpenConns)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.PingContext(pingCtx); err != nil {
		_ = pool.Close()
		return nil, fmt.Errorf("connecting to %s database: %w", dialectName, redactErr(err, dsn))
	}
	client := NewClient(dialectName, NewDriver(dialectName, pool))
	return &DB{Dialect: dialectName, SQL: pool, Client: client, dsn: dsn}, nil
}

// NewDriver is ent's driver on pool as Open sets it up: on PostgreSQL it
// retries what a lost connection made fail and can safely run again (see
// retryingDriver). Tools that wrap the driver start from it.
func NewDriver(dialectName string, pool *sql.DB) dialect.Driver {
	drv := entsql.OpenDB(dialectName, pool)
	if dialectName == dialect.Postgres {
		return retryingDriver{drv}
	}
	return drv
}

// NewClient is the ent client on drv as Open sets it up: on PostgreSQL its
// queries run again when their connection is lost (see retryReads).
func NewClient(dialectName string, drv dialect.Driver) *ent.Client {
	client := ent.NewClient(ent.Driver(drv))
	if dialectName == dialect.Postgres {
		client.Intercept(retryReads)
	}
	return client
}

// Close closes the pool.
func (db *DB) Close() error { return db.Client.Close() }

// Ping checks that the database answers. It runs a statement instead of
// database/sql's Ping, which gives up on the first pooled connection it finds
// dead: after a database restart every idle connection is, and /readyz would
// fail once per connection. A statement is retried on another connection.
func (db *DB) Ping(ctx context.Context) error {
	_, err := db.SQL.ExecContext(ctx, "SELECT 1")
	return err
}

// resolve turns the configuration into a dialect and a driver DSN.
func resolve(cfg Config) (dialectName, dsn string, err error) {
	u := strings.TrimSpace(cfg.URL)
	switch {
	case u == "":
		dir := cfg.DataDir
		if dir == "" {
			dir = "kickoff-data"
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", "", fmt.Errorf("creating data directory: %w", err)
		}
		path := filepath.Join(dir, DefaultSQLiteFile)
		return dialect.SQLite, sqliteDSN(path), createPrivate(path)
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return dialect.Postgres, u, nil
	case strings.HasPrefix(u, "sqlite://"):
		path := strings.TrimPrefix(u, "sqlite://")
		if path == "" {
			return "", "", errors.New("database URL sqlite:// needs a file path, e.g. sqlite:///var/lib/kickoff/kickoff.db")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return "", "", fmt.Errorf("creating database directory: %w", err)
		}
		return dialect.SQLite, sqliteDSN(path), createPrivate(path)
	default:
		return "", "", errors.New("database URL must start with postgres://, postgresql:// or sqlite://")
	}
}

// createPrivate creates the SQLite file readable by its owner only (it holds
// password hashes and sealed tokens); SQLite gives its -wal and -shm files the
// same mode. An existing file is left as it is.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("creating database file: %w", err)
	}
	return f.Close()
}

// sqliteDSN sets what Kickoff relies on: foreign keys, WAL so readers never
// block the writer, a busy timeout instead of instant SQLITE_BUSY, times in a
// sortable format, and BEGIN IMMEDIATE so a transaction that will write takes
// the write lock up front instead of failing to upgrade a read lock.
// synchronous=NORMAL in WAL mode survives a process crash (kill -9); only an
// OS crash or power loss can lose the last commits.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_time_format", "sqlite")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

func configurePool(pool *sql.DB, dialectName string, maxOpen int) {
	if maxOpen <= 0 {
		maxOpen = 20
		if dialectName == dialect.SQLite {
			// One writer at a time anyway; a few connections serve readers.
			maxOpen = 8
		}
	}
	pool.SetMaxOpenConns(maxOpen)
	pool.SetMaxIdleConns(maxOpen)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if dialectName == dialect.Postgres {
		// Recycle connections so a failover or a pgbouncer restart is absorbed.
		pool.SetConnMaxLifetime(30 * time.Minute)
	}
}

// redactErr keeps a password in the DSN out of error messages and logs.
func redactErr(err error, dsn string) error {
	u, perr := url.Parse(dsn)
	if perr != nil || u.User == nil {
		return err
	}
	if pw, ok := u.User.Password(); ok && pw != "" && strings.Contains(err.Error(), pw) {
		return errors.New(strings.ReplaceAll(err.Error(), pw, "****"))
	}
	return err
}

// DataSource is the driver DSN the database was opened with (a postgres://
// URL, or file:<path>?… for SQLite). It may hold a password: never log it.
func (db *DB) DataSource() string { return db.dsn }
