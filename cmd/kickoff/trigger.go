package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/urfave/cli/v3"
)

// Exit codes of kickoff trigger, for scripts and CI jobs.
const (
	exitSuccess  = 0 // the pipeline succeeded (or, without --wait, was created)
	exitFailed   = 1 // the pipeline failed
	exitCanceled = 2 // the pipeline was canceled or skipped
	exitTimeout  = 3 // --timeout passed before the pipeline finished or Kickoff answered
	exitRefused  = 4 // Kickoff refused the trigger (the message is on stderr)
)

// triggerEnv names the environment variables of kickoff trigger's flags:
// KICKOFF_TRIGGER_<FLAG>, so a CI job can keep the token out of its command
// line.
func triggerEnv(name string) cli.ValueSourceChain { return envFlag("trigger-" + name) }

func triggerCommand() *cli.Command {
	return &cli.Command{
		Name:  "trigger",
		Usage: "start a pipeline with a trigger token and optionally wait for its result",
		UsageText: "kickoff trigger --url URL --token TOKEN [--project ID|PATH] [--ref REF] [--var K=V]... " +
			"[--idempotency-key K] [--wait] [--timeout 1h] [--follow-log --private-token PAT]",
		Description: "Prints the pipeline's web URL. Exit status: 0 success (or created, without --wait), " +
			"1 failed, 2 canceled or skipped, 3 timed out, 4 refused. Every flag can be set as " +
			"KICKOFF_TRIGGER_<FLAG> (e.g. KICKOFF_TRIGGER_TOKEN).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "url", Required: true, Sources: triggerEnv("url"), Usage: "where Kickoff is, e.g. https://kickoff.example.com"},
			&cli.StringFlag{Name: "token", Required: true, Sources: triggerEnv("token"), Usage: "the trigger token (kot_...)"},
			&cli.StringFlag{Name: "project", Sources: triggerEnv("project"),
				Usage: "the project's ID or full path: GitLab's trigger API (needs --ref); without it, the one-URL trigger"},
			&cli.StringFlag{Name: "ref", Sources: triggerEnv("ref"), Usage: "branch or tag (default: the project's default branch, without --project)"},
			&cli.StringSliceFlag{Name: "var", Usage: "a variable KEY=VALUE (repeat for more)"},
			&cli.StringFlag{Name: "idempotency-key", Sources: triggerEnv("idempotency-key"),
				Usage: "makes repeated calls start one pipeline (default: a random key, so retries are safe)"},
			&cli.BoolFlag{Name: "wait", Sources: triggerEnv("wait"), Usage: "wait for the pipeline to finish and exit with its result"},
			&cli.DurationFlag{Name: "timeout", Value: time.Hour, Sources: triggerEnv("timeout"),
				Usage: "give up (exit 3) after this long, retries and waiting included"},
			&cli.BoolFlag{Name: "follow-log", Sources: triggerEnv("follow-log"),
				Usage: "print the job log on stdout after the URL as it grows (implies --wait; needs --private-token)"},
			&cli.StringFlag{Name: "private-token", Sources: triggerEnv("private-token"),
				Usage: "a Maintainer's personal access token, to read the job log (--follow-log)"},
			&cli.DurationFlag{Name: "poll", Value: 50 * time.Second, Sources: triggerEnv("poll"),
				Usage: "the longest one call is held while waiting; keep it below your proxies' idle timeout"},
		},
		OnUsageError: usageError,
		Action:       runTrigger,
	}
}

func runTrigger(ctx context.Context, cmd *cli.Command) error {
	call, err := newTriggerCall(cmd)
	if err != nil {
		return err
	}
	follow, wait := cmd.Bool("follow-log"), cmd.Bool("wait") || cmd.Bool("follow-log")
	if follow && cmd.String("private-token") == "" {
		return errors.New("--follow-log needs --private-token: reading job logs takes a Maintainer's personal access token")
	}
	ctx, cancel := context.WithTimeout(ctx, cmd.Duration("timeout"))
	defer cancel()
	finished, tailed, tailing := make(chan struct{}), make(chan struct{}), false
	// The URL goes out as soon as the pipeline exists, so a person can open
	// it while the command waits; stdout holds nothing else but, with
	// --follow-log, the job log.
	created := func(p *triggeredPipeline) {
		fmt.Fprintln(cmd.Writer, p.WebURL)
		fmt.Fprintf(cmd.ErrWriter, "pipeline #%d %s\n", p.IID, p.Status)
		if follow {
			tailing = true
			tail := newLogTail(call.base, p, cmd.String("private-token"), cmd.Writer)
			go func() {
				defer close(tailed)
				tail.follow(ctx, finished, cmd.ErrWriter)
			}()
		}
	}
	p, err := call.run(ctx, wait, cmd.Duration("poll"), created)
	close(finished)
	if tailing {
		<-tailed // the whole log before the result
	}
	if err != nil {
		var refused *refusedError
		switch {
		case errors.As(err, &refused):
			return exitWith(exitRefused, err)
		case ctx.Err() != nil:
			return exitWith(exitTimeout, fmt.Errorf("gave up after %s: %w", cmd.Duration("timeout"), err))
		}
		return err
	}
	if !wait {
		return nil
	}
	fmt.Fprintf(cmd.ErrWriter, "pipeline #%d finished: %s\n", p.IID, p.Status)
	switch p.Status {
	case "success":
		return nil
	case "failed":
		return exitWith(exitFailed, nil)
	}
	return exitWith(exitCanceled, nil)
}

// newTriggerCall reads the flags into the HTTP call to make.
func newTriggerCall(cmd *cli.Command) (*triggerCall, error) {
	base, err := url.Parse(strings.TrimSuffix(cmd.String("url"), "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("--url %q: want http(s)://host[:port]", cmd.String("url"))
	}
	form := url.Values{}
	if ref := cmd.String("ref"); ref != "" {
		form.Set("ref", ref)
	}
	for _, kv := range cmd.StringSlice("var") {
		key, value, ok := strings.Cut(kv, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("--var %q: want KEY=VALUE", kv)
		}
		form.Set("variables["+key+"]", value)
	}
	token := cmd.String("token")
	target := base.String() + "/api/trigger/" + url.PathEscape(token)
	if project := cmd.String("project"); project != "" {
		if cmd.String("ref") == "" {
			return nil, errors.New("--project needs --ref (GitLab's trigger API has no default ref)")
		}
		// A full path's slash is escaped, as GitLab's :id wants it.
		target = base.String() + "/api/v4/projects/" + url.PathEscape(project) + "/trigger/pipeline"
		form.Set("token", token)
	}
	key := cmd.String("idempotency-key")
	if key == "" {
		key = randomKey()
	}
	return &triggerCall{base: base.String(), target: target, form: form, idempotencyKey: key, log: cmd.ErrWriter}, nil
}

// randomKey is a fresh Idempotency-Key: 128 random bits.
func randomKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return "kickoff-trigger-" + hex.EncodeToString(b)
}

// exitError ends the command with a given exit status.
type exitError struct {
	code int
	err  error // nil: nothing more to say
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func exitWith(code int, err error) error { return &exitError{code: code, err: err} }
