package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/kickoff-ci/kickoff/internal/tokens"
)

// claimWait is how long one claim request is held by Kickoff when there is
// nothing to do (its maximum is 60 s).
const claimWait = 30 * time.Second

// reportGrace is how long, once shutdown has stopped the jobs, their final
// statuses are still retried before the runner exits.
const reportGrace = 30 * time.Second

func runnerFlag(name string) cli.ValueSourceChain { return envFlag("runner-" + name) }

func runnerCommand() *cli.Command {
	return &cli.Command{
		Name:      "runner",
		Usage:     "run pipelines: claim them from Kickoff and run COMMAND once for each",
		UsageText: "kickoff runner --url URL --token kor_… [--concurrency N] [--job-timeout 1h] [--work-dir DIR] -- COMMAND [ARGS…]",
		Description: "COMMAND runs in a fresh directory, removed afterwards, with the pipeline's variables in its " +
			"environment (file variables such as TRIGGER_PAYLOAD as paths to 0600 files), in a process group of " +
			"its own, stdin closed. Exit 0 is success; anything else fails the pipeline (script_failure). Every " +
			"flag can be set as KICKOFF_RUNNER_<FLAG> (e.g. KICKOFF_RUNNER_TOKEN); those variables never reach a job.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "url", Required: true, Sources: runnerFlag("url"), Usage: "where Kickoff is, e.g. https://kickoff.example.com"},
			&cli.StringFlag{Name: "token", Required: true, Sources: runnerFlag("token"), Usage: "the runner's token (kor_…)"},
			&cli.IntFlag{Name: "concurrency", Value: 1, Sources: runnerFlag("concurrency"), Usage: "how many pipelines run at once"},
			&cli.DurationFlag{Name: "job-timeout", Value: time.Hour, Sources: runnerFlag("job-timeout"),
				Usage: "a command running longer is stopped and its pipeline fails (job_execution_timeout)"},
			&cli.StringFlag{Name: "work-dir", Sources: runnerFlag("work-dir"), Usage: "where job directories are made (default: the system's temporary directory)"},
			&cli.DurationFlag{Name: "shutdown-grace", Value: 30 * time.Second, Sources: runnerFlag("shutdown-grace"),
				Usage: "on SIGTERM, how long running jobs may still finish before they are stopped (runner_system_failure)"},
			&cli.DurationFlag{Name: "kill-grace", Value: 10 * time.Second, Sources: runnerFlag("kill-grace"),
				Usage: "how long a stopped command has between SIGTERM and SIGKILL"},
			&cli.DurationFlag{Name: "heartbeat", Value: 3 * time.Second, Sources: runnerFlag("heartbeat"),
				Usage: "how often a running job tells Kickoff it is alive (and so learns within this long that it was canceled)"},
			&cli.StringFlag{Name: "log-format", Value: "text", Sources: runnerFlag("log-format"), Usage: "log format: text or json"},
			&cli.StringFlag{Name: "log-level", Value: "info", Sources: runnerFlag("log-level"), Usage: "log level: debug, info, warn or error"},
		},
		OnUsageError: usageError,
		Action:       runRunner,
	}
}

func runRunner(ctx context.Context, cmd *cli.Command) error {
	r, err := newJobRunner(cmd)
	if err != nil {
		return err
	}
	concurrency := cmd.Int("concurrency")
	if concurrency < 1 || concurrency > 1000 {
		return fmt.Errorf("--concurrency %d: want 1 to 1000", concurrency)
	}
	r.logger.Info("runner started", "url", r.client.base, "concurrency", concurrency, "command", r.command[0])

	// ctx ends on SIGTERM or SIGINT: claiming stops at once, running jobs
	// get the shutdown grace, then abort stops them; their results are
	// retried for reportGrace more.
	claiming, stopClaiming := context.WithCancelCause(ctx)
	defer stopClaiming(nil)
	abort := make(chan struct{})
	reports, stopReports := context.WithCancel(context.Background())
	defer stopReports()
	var running sync.WaitGroup
	go func() {
		<-claiming.Done()
		r.logger.Info("runner stopping: no new pipelines; running ones may finish", "shutdown_grace", cmd.Duration("shutdown-grace"))
		time.Sleep(cmd.Duration("shutdown-grace"))
		close(abort)
		time.Sleep(reportGrace)
		stopReports()
	}()
	for range concurrency {
		running.Go(func() { r.claimLoop(claiming, stopClaiming, abort, reports) })
	}
	running.Wait()
	if cause := context.Cause(claiming); errors.Is(cause, errRunnerTokenRefused) {
		return cause
	}
	r.logger.Info("runner stopped")
	return nil
}

// claimLoop claims and runs pipelines one after another until claiming
// ends. Kickoff being unreachable is retried with capped backoff; a
// refused runner token stops every loop.
func (r *jobRunner) claimLoop(claiming context.Context, stop context.CancelCauseFunc, abort <-chan struct{}, reports context.Context) {
	retry := backoff{min: time.Second, max: time.Minute}
	for claiming.Err() == nil {
		job, err := r.client.request(claiming, claimWait)
		switch {
		case claiming.Err() != nil:
			return
		case errors.Is(err, errRunnerTokenRefused):
			stop(err)
			return
		case err != nil:
			delay := retry.next(err)
			r.logger.Warn("cannot reach Kickoff; retrying", "err", err, "retry_in", delay)
			_ = sleep(claiming, delay)
			continue
		}
		retry.reset()
		if job != nil {
			r.run(job, abort, reports)
		}
	}
}

// newJobRunner reads the flags and the command after "--".
func newJobRunner(cmd *cli.Command) (*jobRunner, error) {
	command := cmd.Args().Slice()
	if len(command) == 0 {
		return nil, errors.New("no command: give it after --, e.g. kickoff runner --url … --token … -- ./deploy.sh")
	}
	base, err := url.Parse(strings.TrimSuffix(cmd.String("url"), "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("--url %q: want http(s)://host[:port]", cmd.String("url"))
	}
	token := cmd.String("token")
	if kind, err := tokens.Parse(token); err != nil || kind != tokens.Runner {
		return nil, errors.New("--token: not a runner token (kor_…); create one under Settings › CI/CD › Runners")
	}
	for _, d := range []string{"job-timeout", "shutdown-grace", "kill-grace", "heartbeat"} {
		if cmd.Duration(d) <= 0 {
			return nil, fmt.Errorf("--%s %s: want a positive duration", d, cmd.Duration(d))
		}
	}
	logger, err := buildLogger(cmd.ErrWriter, cmd.String("log-format"), cmd.String("log-level"))
	if err != nil {
		return nil, err
	}
	return &jobRunner{
		client:     &runnerClient{base: base.String(), token: token, http: &http.Client{}},
		command:    command,
		workDir:    cmd.String("work-dir"),
		jobTimeout: cmd.Duration("job-timeout"),
		heartbeat:  cmd.Duration("heartbeat"),
		killGrace:  cmd.Duration("kill-grace"),
		env:        runnerEnv(),
		logger:     logger.With("component", "runner"),
		output:     cmd.Writer,
	}, nil
}
