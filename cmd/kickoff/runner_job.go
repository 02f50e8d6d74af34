package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Failure reasons the runner reports (GitLab's names).
const (
	reasonScript  = "script_failure"
	reasonTimeout = "job_execution_timeout"
	reasonSystem  = "runner_system_failure"
)

// jobRunner runs claimed pipelines, one command per pipeline.
type jobRunner struct {
	client     *runnerClient
	command    []string
	workDir    string // parent of every job's directory ("": the system's)
	jobTimeout time.Duration
	heartbeat  time.Duration // how often a running job says so (and learns of a cancel)
	killGrace  time.Duration // SIGTERM to SIGKILL
	env        []string      // the runner's environment, without its own settings
	logger     *slog.Logger
	output     io.Writer // where job output goes, each line prefixed
	outputMu   sync.Mutex
}

// run executes job to its end and reports the result. abort closes when
// the runner, shutting down, stops waiting for its jobs: the job is then
// stopped and failed as runner_system_failure. reports bounds how long a
// final status is retried (until acknowledged, or until reports ends).
func (r *jobRunner) run(job *claimedJob, abort <-chan struct{}, reports context.Context) {
	log := r.logger.With("pipeline", job.Pipeline.ID, "iid", job.Pipeline.IID)
	status, reason := r.execute(job, abort, log)
	if status == "" {
		return // canceled: Kickoff takes no report
	}
	if err := r.reportUntilAcked(reports, job, status, reason, log); err != nil {
		log.Error("could not report the pipeline's result; Kickoff will fail it as runner_system_failure after its runner timeout",
			"status", status, "err", err)
		return
	}
	log.Info("pipeline finished", "status", status, "failure_reason", reason)
}

// execute prepares the job's directory and environment, reports it running
// and runs the command. It returns the status to report ("" when the
// pipeline was canceled) and the failure reason.
func (r *jobRunner) execute(job *claimedJob, abort <-chan struct{}, log *slog.Logger) (status, reason string) {
	dir, err := os.MkdirTemp(r.workDir, fmt.Sprintf("kickoff-pipeline-%d-", job.Pipeline.ID))
	if err != nil {
		log.Error("creating the job's directory", "err", err)
		return "failed", reasonSystem
	}
	defer func() {
		if err := os.RemoveAll(dir); err != nil {
			log.Warn("removing the job's directory", "dir", dir, "err", err)
		}
	}()
	env, err := r.jobEnv(job, dir)
	if err != nil {
		log.Error("writing the job's file variables", "err", err)
		return "failed", reasonSystem
	}
	work := filepath.Join(dir, "build")
	if err := os.Mkdir(work, 0o700); err != nil {
		log.Error("creating the job's working directory", "err", err)
		return "failed", reasonSystem
	}
	if err := r.client.report(context.Background(), job, "running", ""); errors.Is(err, errJobGone) {
		log.Info("pipeline canceled before it started")
		return "", ""
	} else if err != nil {
		log.Warn("reporting running failed; the next heartbeat retries", "err", err)
	}
	return r.supervise(job, work, env, abort, log)
}

// supervise runs the command and watches it: heartbeats (which tell of a
// cancel), the job timeout and the runner's shutdown.
func (r *jobRunner) supervise(job *claimedJob, work string, env []string, abort <-chan struct{}, log *slog.Logger) (status, reason string) {
	cmd := exec.Command(r.command[0], r.command[1:]...)
	cmd.Dir, cmd.Env, cmd.Stdin = work, env, nil // stdin is /dev/null
	out := &prefixWriter{prefix: fmt.Sprintf("[pipeline #%d] ", job.Pipeline.IID), w: r.output, mu: &r.outputMu}
	stream := newLogStream(r.client, job, log)
	defer stream.close() // before the final status: the log is complete when the pipeline is
	both := io.MultiWriter(out, stream)
	cmd.Stdout, cmd.Stderr = both, both
	// Output a background process still holds open does not keep the job
	// alive past its command.
	cmd.WaitDelay = r.killGrace
	if err := startInGroup(cmd); err != nil {
		log.Error("starting the command", "command", r.command[0], "err", err)
		return "failed", reasonSystem
	}
	log.Info("pipeline started", "pid", cmd.Process.Pid)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer out.flush()
	defer func() { _ = killGroup(cmd) }() // whatever the command left behind

	timeout := time.NewTimer(r.jobTimeout)
	defer timeout.Stop()
	beat := time.NewTicker(r.heartbeat)
	defer beat.Stop()
	for {
		select {
		case err := <-exited:
			if err != nil {
				log.Info("command failed", "err", err)
				return "failed", reasonScript
			}
			return "success", ""
		case <-beat.C:
			err := r.client.report(context.Background(), job, "running", "")
			if errors.Is(err, errJobGone) {
				log.Info("pipeline canceled: stopping the command")
				r.stop(cmd, exited, log)
				return "", ""
			}
			if err != nil {
				log.Warn("heartbeat failed", "err", err)
			}
		case <-timeout.C:
			log.Warn("job timeout: stopping the command", "job_timeout", r.jobTimeout)
			r.stop(cmd, exited, log)
			return "failed", reasonTimeout
		case <-abort:
			log.Warn("runner shutting down: stopping the command")
			r.stop(cmd, exited, log)
			return "failed", reasonSystem
		}
	}
}

// stop sends the process group SIGTERM, then SIGKILL once killGrace has
// passed, and returns when the command has exited.
func (r *jobRunner) stop(cmd *exec.Cmd, exited <-chan error, log *slog.Logger) {
	if err := terminateGroup(cmd); err != nil {
		log.Warn("sending SIGTERM", "err", err)
	}
	select {
	case <-exited:
	case <-time.After(r.killGrace):
		log.Warn("command still running after the grace period: sending SIGKILL", "kill_grace", r.killGrace)
		_ = killGroup(cmd)
		<-exited
	}
}

// jobEnv is the command's environment: the runner's own (its settings and
// token left out), Kickoff's CI_ variables, then the pipeline's variables.
// A file variable (such as TRIGGER_PAYLOAD) is written to a 0600 file in
// dir and the variable holds its path, as GitLab does.
func (r *jobRunner) jobEnv(job *claimedJob, dir string) ([]string, error) {
	env := append([]string(nil), r.env...)
	env = append(env,
		"CI=true",
		"CI_SERVER_URL="+r.client.base,
		"CI_API_V4_URL="+r.client.base+"/api/v4",
		"CI_JOB_TOKEN="+job.JobToken,
	)
	files := filepath.Join(dir, "variables")
	for _, v := range job.Variables {
		value := v.Value
		if v.File {
			if err := os.MkdirAll(files, 0o700); err != nil {
				return nil, err
			}
			path := filepath.Join(files, v.Key)
			if err := os.WriteFile(path, []byte(v.Value), 0o600); err != nil {
				return nil, err
			}
			value = path
		}
		env = append(env, v.Key+"="+value)
	}
	return env, nil
}

// reportUntilAcked sends a final status until Kickoff acknowledges it,
// backing off while it cannot be reached, until ctx ends.
func (r *jobRunner) reportUntilAcked(ctx context.Context, job *claimedJob, status, reason string, log *slog.Logger) error {
	retry := backoff{min: time.Second, max: 30 * time.Second}
	for {
		err := r.client.report(ctx, job, status, reason)
		if err == nil || errors.Is(err, errJobGone) {
			return nil // acknowledged, or an earlier attempt was
		}
		delay := retry.next(err)
		log.Warn("reporting the result failed; retrying", "status", status, "err", err, "retry_in", delay)
		if err := sleep(ctx, delay); err != nil {
			return fmt.Errorf("%w (last error: %v)", err, lastLine(err))
		}
	}
}

// runnerEnv is the runner's environment for its jobs: its own settings
// (KICKOFF_RUNNER_*, the token among them) never reach a job.
func runnerEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KICKOFF_RUNNER_") {
			env = append(env, kv)
		}
	}
	return env
}

// prefixWriter writes whole lines to w, each with prefix; a partial last
// line waits for its end (or flush).
type prefixWriter struct {
	prefix string
	w      io.Writer
	mu     *sync.Mutex // shared by every job writing to w
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		p.writeLine(p.buf[:i+1])
		p.buf = p.buf[i+1:]
	}
	if len(p.buf) > 64<<10 { // a very long line goes out in pieces
		p.flush()
	}
	return len(b), nil
}

func (p *prefixWriter) flush() {
	if len(p.buf) > 0 {
		p.writeLine(append(p.buf, '\n'))
		p.buf = nil
	}
}

func (p *prefixWriter) writeLine(line []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, _ = io.WriteString(p.w, p.prefix)
	_, _ = p.w.Write(line)
}
