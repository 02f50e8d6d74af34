package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/urfave/cli/v3"

	"github.com/kickoff-ci/kickoff/domain/identity"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// errNotMigrated is what admin commands say instead of SQL errors when the
// database's schema is missing or behind.
var errNotMigrated = errors.New("database is not migrated: run `kickoff migrate up` (or start `kickoff serve` once)")

func adminCommand() *cli.Command {
	return &cli.Command{
		Name:  "admin",
		Usage: "administer users and tokens",
		Flags: databaseFlags(),
		Commands: []*cli.Command{
			{
				Name:     "user",
				Usage:    "manage users",
				Commands: []*cli.Command{adminUserCreateCommand(), adminUserPasswordCommand()},
			},
			{
				Name:     "token",
				Usage:    "manage personal access tokens",
				Commands: []*cli.Command{adminTokenCreateCommand()},
			},
		},
	}
}

// usageError reports a bad flag or argument as an error naming the command's
// help, instead of printing the whole help text on stdout: admin commands keep
// stdout for their result only.
func usageError(_ context.Context, cmd *cli.Command, err error, _ bool) error {
	return fmt.Errorf("%w (see `%s --help`)", err, cmd.FullName())
}

// adminEnv is what every admin command works with.
type adminEnv struct {
	logger *slog.Logger
	db     *database.DB
	ids    *identity.Service
}

// withAdminEnv runs fn with the admin environment and closes it after.
func withAdminEnv(ctx context.Context, cmd *cli.Command, fn func(env *adminEnv) error) error {
	env, err := openAdminEnv(ctx, cmd)
	if err != nil {
		return err
	}
	defer env.db.Close()
	return fn(env)
}

// openAdminEnv opens the configured database, refusing a stale schema. Admin
// commands need no secret key: personal access tokens are stored as digests.
// The caller closes env.db.
func openAdminEnv(ctx context.Context, cmd *cli.Command) (*adminEnv, error) {
	logger, err := newLogger(cmd)
	if err != nil {
		return nil, err
	}
	db, err := openDatabase(ctx, cmd)
	if err != nil {
		return nil, err
	}
	if err := requireCurrentSchema(ctx, db); err != nil {
		_ = db.Close()
		return nil, err
	}
	return &adminEnv{logger: logger, db: db, ids: identity.New(db.Client, identity.Signer{})}, nil
}

// requireCurrentSchema returns errNotMigrated unless every embedded migration
// is applied. A database that was never migrated has no version table, so a
// failed version read on a database that still answers means "not migrated".
func requireCurrentSchema(ctx context.Context, db *database.DB) error {
	current, err := db.SchemaCurrent(ctx)
	if err != nil {
		if perr := db.Ping(ctx); perr != nil {
			return fmt.Errorf("checking the database schema: %w", perr)
		}
		return errNotMigrated
	}
	if !current {
		return errNotMigrated
	}
	return nil
}
