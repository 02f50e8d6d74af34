package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/kickoff-ci/kickoff/ent/user"
)

func adminTokenCreateCommand() *cli.Command {
	return &cli.Command{
		Name:  "create",
		Usage: "create a personal access token and print it (only it) on standard output",
		UsageText: "kickoff admin token create --username U --name N [--expires-in 720h]\n\n" +
			"   T=$(kickoff admin token create --username ci --name deploy --expires-in 720h)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "username", Required: true, Usage: "user the token acts as"},
			&cli.StringFlag{Name: "name", Required: true, Usage: "what the token is for"},
			&cli.DurationFlag{Name: "expires-in", Usage: "lifetime of the token, e.g. 720h", DefaultText: "never expires"},
		},
		OnUsageError: usageError,
		Action:       runAdminTokenCreate,
	}
}

func runAdminTokenCreate(ctx context.Context, cmd *cli.Command) error {
	expiresAt, err := expiryFromFlag(cmd)
	if err != nil {
		return err
	}
	return withAdminEnv(ctx, cmd, func(env *adminEnv) error {
		u, err := env.ids.UserByUsername(ctx, cmd.String("username"))
		if err != nil {
			return fmt.Errorf("finding the token's user: %w", err)
		}
		if u.State != user.StateActive {
			env.logger.Warn("the user is blocked: the token will not work until the user is unblocked", "username", u.Username)
		}
		pat, token, err := env.ids.CreatePersonalAccessToken(ctx, u, cmd.String("name"), expiresAt)
		if err != nil {
			return fmt.Errorf("creating personal access token: %w", err)
		}
		env.logger.Info("created personal access token",
			"id", pat.ID, "username", u.Username, "name", pat.Name, "expires_at", expiryText(pat.ExpiresAt))
		_, err = fmt.Fprintln(cmd.Writer, token)
		return err
	})
}

// expiryFromFlag turns --expires-in into an absolute expiry; nil when unset.
func expiryFromFlag(cmd *cli.Command) (*time.Time, error) {
	if !cmd.IsSet("expires-in") {
		return nil, nil
	}
	d := cmd.Duration("expires-in")
	if d <= 0 {
		return nil, errors.New("--expires-in must be a positive duration such as 720h (omit it for a token that never expires)")
	}
	t := time.Now().Add(d)
	return &t, nil
}

func expiryText(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}
