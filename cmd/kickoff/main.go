// Command kickoff is the Kickoff server and its administration CLI:
// serve, migrate, admin and version.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v3"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rootCommand().Run(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "kickoff:", err)
		os.Exit(1)
	}
}

func rootCommand() *cli.Command {
	return &cli.Command{
		Name:  "kickoff",
		Usage: "a self-hosted pipeline-trigger service",
		Description: "Every flag can also be set with an environment variable KICKOFF_<FLAG> " +
			"(e.g. --database-url is KICKOFF_DATABASE_URL); flags win.",
		Commands: []*cli.Command{
			serveCommand(),
			migrateCommand(),
			adminCommand(),
			versionCommand(),
		},
	}
}
