package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v3"

	"github.com/kickoff-ci/kickoff/domain/identity"
)

func adminUserCreateCommand() *cli.Command {
	return &cli.Command{
		Name:      "create",
		Usage:     "create a user",
		UsageText: "kickoff admin user create --username U --email E (--password P | --password-stdin) [--name N] [--admin]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "username", Required: true, Usage: "login name (letters, digits, '_', '.', '-'; case-insensitive)"},
			&cli.StringFlag{Name: "email", Required: true, Usage: "email address"},
			&cli.StringFlag{Name: "name", Usage: "display name (default: the username)"},
			passwordFlag("the password"), passwordStdinFlag("the password"),
			&cli.BoolFlag{Name: "admin", Usage: "make the user an administrator"},
		},
		OnUsageError: usageError,
		Action:       withPassword(runAdminUserCreate),
	}
}

func runAdminUserCreate(ctx context.Context, cmd *cli.Command, env *adminEnv, password string) error {
	u, err := env.ids.CreateUser(ctx, identity.NewUser{
		Username: cmd.String("username"),
		Name:     cmd.String("name"),
		Email:    cmd.String("email"),
		Password: password,
		Admin:    cmd.Bool("admin"),
	})
	if err != nil {
		return fmt.Errorf("creating user %q: %w", cmd.String("username"), err)
	}
	_, err = fmt.Fprintf(cmd.Writer, "created user %s (id %d)\n", u.Username, u.ID)
	return err
}

// passwordFlag and passwordStdinFlag are the two ways to give what, the
// password a command sets; passwordFromFlags reads it.
func passwordFlag(what string) cli.Flag {
	return &cli.StringFlag{Name: "password", Usage: what + " (visible in the process list and shell history: prefer --password-stdin)"}
}

func passwordStdinFlag(what string) cli.Flag {
	return &cli.BoolFlag{Name: "password-stdin", Usage: "read " + what + " from the first line of standard input"}
}

// withPassword runs action with the password of the flags and the admin
// environment.
func withPassword(action func(ctx context.Context, cmd *cli.Command, env *adminEnv, password string) error) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		password, err := passwordFromFlags(cmd)
		if err != nil {
			return err
		}
		return withAdminEnv(ctx, cmd, func(env *adminEnv) error { return action(ctx, cmd, env, password) })
	}
}

// passwordFromFlags returns the password from exactly one of --password and
// --password-stdin.
func passwordFromFlags(cmd *cli.Command) (string, error) {
	fromFlag, fromStdin := cmd.IsSet("password"), cmd.Bool("password-stdin")
	switch {
	case fromFlag && fromStdin:
		return "", errors.New("give either --password or --password-stdin, not both")
	case fromFlag:
		return cmd.String("password"), nil
	case fromStdin:
		return readPasswordLine(cmd.Reader)
	}
	return "", errors.New("a password is required: pass --password-stdin (and the password on standard input) or --password")
}

// readPasswordLine reads the first line of r without its line ending.
func readPasswordLine(r io.Reader) (string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), 4*identity.MaxPasswordLen)
	if sc.Scan() {
		return sc.Text(), nil
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	return "", errors.New("--password-stdin: standard input is empty")
}

func adminUserPasswordCommand() *cli.Command {
	return &cli.Command{
		Name:      "set-password",
		Usage:     "set a user's password and end all their web sessions",
		UsageText: "kickoff admin user set-password --username U (--password-stdin | --password P)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "username", Required: true, Usage: "whose password to set"},
			passwordFlag("the new password"), passwordStdinFlag("the new password"),
		},
		OnUsageError: usageError,
		Action:       withPassword(runAdminUserPassword),
	}
}

func runAdminUserPassword(ctx context.Context, cmd *cli.Command, env *adminEnv, password string) error {
	u, err := env.ids.ResetPassword(ctx, cmd.String("username"), password)
	if err != nil {
		return fmt.Errorf("setting the password of %q: %w", cmd.String("username"), err)
	}
	_, err = fmt.Fprintf(cmd.Writer, "set the password of %s (id %d); their web sessions have ended\n", u.Username, u.ID)
	return err
}
