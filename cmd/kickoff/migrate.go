package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/urfave/cli/v3"
)

func migrateCommand() *cli.Command {
	return &cli.Command{
		Name:  "migrate",
		Usage: "apply or list the database's versioned migrations",
		Flags: databaseFlags(),
		Commands: []*cli.Command{
			{
				Name:  "up",
				Usage: "apply every pending migration",
				Action: func(ctx context.Context, cmd *cli.Command) error {
					db, err := openDatabase(ctx, cmd)
					if err != nil {
						return err
					}
					defer db.Close()
					applied, err := db.Migrate(ctx)
					if err != nil {
						return err
					}
					if len(applied) == 0 {
						fmt.Println("database is up to date")
					}
					for _, v := range applied {
						fmt.Printf("applied %d\n", v)
					}
					return nil
				},
			},
			{
				Name:  "status",
				Usage: "list migrations and whether each is applied",
				Action: func(ctx context.Context, cmd *cli.Command) error {
					db, err := openDatabase(ctx, cmd)
					if err != nil {
						return err
					}
					defer db.Close()
					status, err := db.MigrationStatus(ctx)
					if err != nil {
						return err
					}
					tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "VERSION\tNAME\tSTATE")
					for _, m := range status.Migrations {
						state := "pending"
						if m.Applied {
							state = "applied"
						}
						if status.Dirty && m.Version == status.Current {
							state = "dirty (failed half-way)"
						}
						fmt.Fprintf(tw, "%d\t%s\t%s\n", m.Version, m.Name, state)
					}
					return tw.Flush()
				},
			},
		},
	}
}
