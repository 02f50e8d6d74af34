package main

import "github.com/urfave/cli/v3"

func adminCommand() *cli.Command {
	return &cli.Command{
		Name:     "admin",
		Usage:    "administer users and tokens",
		Commands: []*cli.Command{},
	}
}
