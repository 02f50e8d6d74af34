package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
)

// runnerProc is a running `kickoff runner`.
type runnerProc struct {
	cmd            *exec.Cmd
	stdout, stderr *logBuffer
	done           chan struct{}
}

// startRunner starts `kickoff runner` for the fixture's server with a
// runner token of relProjectPath, running command for each pipeline.
func (f *relFixture) startRunner(t *testing.T, s *serveProc, flags []string, command ...string) *runnerProc {
	t.Helper()
	var created struct {
		RunnerCreate struct{ Token string }
	}
	f.graphQL(t, s, fmt.Sprintf(`mutation { runnerCreate(input: {projectPath: %q, description: "e2e"}) { token errors } }`, relProjectPath), &created)
	args := append([]string{"runner", "--url", "http://" + s.addr, "--heartbeat", "500ms"}, flags...)
	cmd := f.in.command(context.Background(), t, append(append(args, "--"), command...)...)
	// The token comes from the environment, as a service unit would give it.
	cmd.Env = append(cmd.Env, "KICKOFF_RUNNER_TOKEN="+created.RunnerCreate.Token)
	p := &runnerProc{cmd: cmd, stdout: &logBuffer{}, stderr: &logBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting kickoff runner: %v", err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("runner stdout:\n%s\nrunner stderr:\n%s", p.stdout, p.stderr)
		}
	})
	return p
}

// webhook starts a pipeline through GitLab's webhook form with a JSON body
// and variables in the query string, and returns its ID.
func (f *relFixture) webhook(t *testing.T, s *serveProc, body string, vars map[string]string) int {
	t.Helper()
	q := url.Values{"token": {f.trigger}}
	for k, v := range vars {
		q.Set("variables["+k+"]", v)
	}
	target := fmt.Sprintf("http://%s/api/v4/projects/%s/ref/main/trigger/pipeline?%s", s.addr, url.PathEscape(relProjectPath), q.Encode())
	var p struct{ ID int }
	if code := call(t, http.MethodPost, target, "", body, &p); code != http.StatusCreated {
		t.Fatalf("webhook trigger = %d", code)
	}
	return p.ID
}

// waitStatus waits until the pipeline has the status, and returns its row.
func (f *relFixture) waitStatus(t *testing.T, id int, status kickoff.PipelineStatus, within time.Duration) *ent.Pipeline {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		p, err := f.db.Client.Pipeline.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status == status {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("pipeline %d is %s after %s, want %s", id, p.Status, within, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func wantFailure(t *testing.T, p *ent.Pipeline, reason string) {
	t.Helper()
	if p.FailureReason == nil || *p.FailureReason != reason {
		t.Fatalf("pipeline %d failure_reason %v, want %s", p.ID, p.FailureReason, reason)
	}
}

// processGone reports whether the process whose PID is in file has exited
// (a zombie no one has reaped yet counts as exited).
func processGone(t *testing.T, file string) bool {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the job did not write its PID: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	// The state follows the command name in parentheses: "pid (comm) S …".
	if i := strings.LastIndexByte(string(stat), ')'); err == nil && i >= 0 && i+2 < len(stat) {
		return stat[i+2] == 'Z'
	}
	return err != nil
}

// waitGone fails the test unless the process of the PID file exits within d.
func waitGone(t *testing.T, file string, d time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !processGone(t, file) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: the job's sleep still runs after %s", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitFile waits until the job has written its PID file.
func waitFile(t *testing.T, file string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, err := os.Stat(file); err != nil; _, err = os.Stat(file) {
		if time.Now().After(deadline) {
			t.Fatal("the job did not write its PID file within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// restLog reads a pipeline's job log over REST with pat.
func restLog(t *testing.T, s *serveProc, pat string, id int) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://%s/api/v4/projects/%s/pipelines/%d/log", s.addr, url.PathEscape(relProjectPath), id), nil)
	req.Header.Set("PRIVATE-TOKEN", pat)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET log = %d %s", res.StatusCode, body)
	}
	return string(body)
}

// TestRunnerCommand drives `kickoff runner` as a real process against a
// real `kickoff serve`: the command's exit decides the pipeline's result, it
// sees the variables (TRIGGER_PAYLOAD as a 0600 file) but not the runner's
// token, its directory is gone afterwards, and a cancel, the job timeout or
// the runner's shutdown stops it.
func TestRunnerCommand(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialectName string) {
		f, s := newRelFixture(t, dialectName)
		workDir := t.TempDir()

		t.Run("script failure with variables and payload", func(t *testing.T) {
			r := f.startRunner(t, s, []string{"--work-dir", workDir},
				"sh", "-c", `echo "hello $GREETING"; cat "$TRIGGER_PAYLOAD"; echo; `+
					`test -z "$KICKOFF_RUNNER_TOKEN" && echo "no runner token"; `+
					`stat -c 'payload mode %a' "$TRIGGER_PAYLOAD"; test -z "$(ls -A)" && echo "fresh directory"; exit 3`)
			id := f.webhook(t, s, `{"event":"push","ref":"refs/heads/main"}`, map[string]string{"GREETING": "world"})
			wantFailure(t, f.waitStatus(t, id, kickoff.StatusFailed, 30*time.Second), "script_failure")
			out := r.stdout.String()
			// TRIGGER_PAYLOAD is GitLab's: every parameter but the token.
			for _, want := range []string{"hello world", `{"event":"push","ref":"refs/heads/main","variables":{"GREETING":"world"}}`, "no runner token", "payload mode 600", "fresh directory"} {
				if !strings.Contains(out, want) {
					t.Errorf("job output lacks %q:\n%s", want, out)
				}
			}
			if entries, _ := os.ReadDir(workDir); len(entries) != 0 {
				t.Errorf("the job's directory is still there: %v", entries)
			}
			// The runner streamed the output as the job log, complete before
			// the final status.
			var logged struct {
				Node struct {
					Log struct {
						Content  string
						Complete bool
					}
				}
			}
			f.graphQL(t, s, fmt.Sprintf(`{ node(id: "gid://kickoff/Pipeline/%d") { ... on Pipeline { log { content complete } } } }`, id), &logged)
			rest := restLog(t, s, f.pat, id)
			for _, want := range []string{"hello world\n", `{"event":"push","ref":"refs/heads/main","variables":{"GREETING":"world"}}`, "fresh directory"} {
				if !strings.Contains(logged.Node.Log.Content, want) || !logged.Node.Log.Complete {
					t.Errorf("job log lacks %q (complete=%v):\n%s", want, logged.Node.Log.Complete, logged.Node.Log.Content)
				}
				if !strings.Contains(rest, want) {
					t.Errorf("the REST job log lacks %q:\n%s", want, rest)
				}
			}
			r.cmd.Process.Signal(syscall.SIGTERM)
			<-r.done
		})

		t.Run("success", func(t *testing.T) {
			r := f.startRunner(t, s, nil, "sh", "-c", "exit 0")
			id := f.webhook(t, s, `{}`, nil)
			if p := f.waitStatus(t, id, kickoff.StatusSuccess, 30*time.Second); p.StartedAt == nil || p.FinishedAt == nil {
				t.Fatalf("pipeline %+v: want started_at and finished_at", p)
			}
			r.cmd.Process.Signal(syscall.SIGTERM)
			<-r.done
		})

		pidFile := filepath.Join(t.TempDir(), "pid")
		sleeper := []string{"sh", "-c", `sleep 300 & echo $! > "$PID_FILE"; wait`}

		t.Run("cancel stops the command within 5s", func(t *testing.T) {
			r := f.startRunner(t, s, nil, sleeper...)
			id := f.webhook(t, s, `{}`, map[string]string{"PID_FILE": pidFile})
			f.waitStatus(t, id, kickoff.StatusRunning, 30*time.Second)
			waitFile(t, pidFile)
			var out struct {
				PipelineCancel struct{ Errors []string }
			}
			f.graphQL(t, s, fmt.Sprintf(`mutation { pipelineCancel(input: {id: "gid://kickoff/Pipeline/%d"}) { errors } }`, id), &out)
			waitGone(t, pidFile, 5*time.Second, "pipelineCancel")
			f.waitStatus(t, id, kickoff.StatusCanceled, time.Second)
			r.cmd.Process.Signal(syscall.SIGTERM)
			<-r.done
		})

		t.Run("job timeout", func(t *testing.T) {
			os.Remove(pidFile)
			r := f.startRunner(t, s, []string{"--job-timeout", "1s", "--kill-grace", "1s"}, sleeper...)
			id := f.webhook(t, s, `{}`, map[string]string{"PID_FILE": pidFile})
			wantFailure(t, f.waitStatus(t, id, kickoff.StatusFailed, 30*time.Second), "job_execution_timeout")
			waitGone(t, pidFile, 5*time.Second, "job timeout")
			r.cmd.Process.Signal(syscall.SIGTERM)
			<-r.done
		})

		t.Run("shutdown fails the running job and exits 0", func(t *testing.T) {
			os.Remove(pidFile)
			r := f.startRunner(t, s, []string{"--shutdown-grace", "500ms", "--kill-grace", "1s"}, sleeper...)
			id := f.webhook(t, s, `{}`, map[string]string{"PID_FILE": pidFile})
			f.waitStatus(t, id, kickoff.StatusRunning, 30*time.Second)
			waitFile(t, pidFile)
			r.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-r.done:
			case <-time.After(20 * time.Second):
				t.Fatal("the runner did not exit within 20s of SIGTERM")
			}
			if code := r.cmd.ProcessState.ExitCode(); code != 0 {
				t.Errorf("runner exited %d after SIGTERM, want 0", code)
			}
			wantFailure(t, f.waitStatus(t, id, kickoff.StatusFailed, time.Second), "runner_system_failure")
			waitGone(t, pidFile, 5*time.Second, "runner shutdown")
		})

		t.Run("bad settings", func(t *testing.T) {
			for _, args := range [][]string{
				{"runner", "--url", "http://" + s.addr, "--token", "kor_nope", "--", "true"},
				{"runner", "--url", "http://" + s.addr, "--token", f.trigger, "--", "true"},
				{"runner", "--url", "http://" + s.addr, "--token", f.runner},
				{"runner", "--url", "file:///x", "--token", f.runner, "--", "true"},
				{"runner", "--url", "http://" + s.addr, "--token", f.runner, "--concurrency", "0", "--", "true"},
			} {
				if r := f.in.run(t, "", args...); r.code != 1 || !strings.Contains(r.stderr, "kickoff:") {
					t.Errorf("kickoff %v: %s; want exit 1 with a message", args, r)
				}
			}
		})
	})
}
