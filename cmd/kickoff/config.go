package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/tokens"
)

// envFlag returns the KICKOFF_<FLAG> environment variable of a flag name.
func envFlag(name string) cli.ValueSourceChain {
	return cli.EnvVars("KICKOFF_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")))
}

// databaseFlags are shared by every command that touches the database.
func databaseFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "database-url", Sources: envFlag("database-url"),
			Usage: "PostgreSQL URL (postgres://user:pass@host/db?sslmode=...) or sqlite:///path; empty uses embedded SQLite in --data-dir"},
		&cli.StringFlag{Name: "data-dir", Value: "./kickoff-data", Sources: envFlag("data-dir"),
			Usage: "directory for the embedded SQLite database and generated secrets"},
		&cli.StringFlag{Name: "secret-key", Sources: envFlag("secret-key"),
			Usage: "at least 32 characters keying token encryption and session signing; generated into --data-dir when unset with embedded SQLite, required with PostgreSQL"},
		&cli.StringSliceFlag{Name: "previous-secret-keys", Sources: envFlag("previous-secret-keys"),
			Usage: "older secret keys (comma-separated) still accepted for decrypting tokens and verifying sessions while you rotate --secret-key"},
		&cli.StringFlag{Name: "log-format", Value: "text", Sources: envFlag("log-format"),
			Usage: "log format: text or json"},
		&cli.StringFlag{Name: "log-level", Value: "info", Sources: envFlag("log-level"),
			Usage: "log level: debug, info, warn or error"},
	}
}

func databaseConfig(cmd *cli.Command) database.Config {
	return database.Config{URL: cmd.String("database-url"), DataDir: cmd.String("data-dir")}
}

func openDatabase(ctx context.Context, cmd *cli.Command) (*database.DB, error) {
	return database.Open(ctx, databaseConfig(cmd))
}

// newLogger builds the slog logger the flags ask for. Logs go to stderr so
// commands that print a secret on stdout (admin token create) stay scriptable.
func newLogger(cmd *cli.Command) (*slog.Logger, error) {
	return buildLogger(os.Stderr, cmd.String("log-format"), cmd.String("log-level"))
}

func buildLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	// Every line passes through RedactText, so a token that reaches a log
	// message or attribute by mistake (in an error, a path, a name) shows
	// only its non-secret prefix.
	opts := &slog.HandlerOptions{Level: lvl, ReplaceAttr: tokens.RedactingReplaceAttr}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}
