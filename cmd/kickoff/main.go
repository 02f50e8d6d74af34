// Command kickoff is the Kickoff server and its administration CLI:
// serve, migrate, admin, runner, trigger and version.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v3"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := rootCommand().Run(ctx, os.Args)
	var exit *exitError
	switch {
	case errors.As(err, &exit):
		if exit.err != nil {
			fmt.Fprintln(os.Stderr, "kickoff:", exit.err)
		}
		os.Exit(exit.code)
	case err != nil:
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
			runnerCommand(),
			triggerCommand(),
			versionCommand(),
		},
	}
}
