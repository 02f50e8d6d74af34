package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/ent/pipeline"
)

// triggerProc is a running `kickoff trigger`.
type triggerProc struct {
	stdout, stderr bytes.Buffer
	done           chan result
}

func (in *instance) startTrigger(t *testing.T, args ...string) *triggerProc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	cmd := in.command(ctx, t, append([]string{"trigger"}, args...)...)
	p := &triggerProc{done: make(chan result, 1)}
	cmd.Stdout, cmd.Stderr = &p.stdout, &p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting kickoff trigger: %v", err)
	}
	go func() {
		err := cmd.Wait()
		var exitErr *exec.ExitError
		if err != nil && !errors.As(err, &exitErr) {
			p.stderr.WriteString(err.Error())
		}
		p.done <- result{stdout: p.stdout.String(), stderr: p.stderr.String(), code: cmd.ProcessState.ExitCode()}
	}()
	return p
}

func (p *triggerProc) result(t *testing.T) result {
	t.Helper()
	select {
	case r := <-p.done:
		return r
	case <-time.After(time.Minute):
		t.Fatal("kickoff trigger still running after a minute")
	}
	return result{}
}

// call makes an HTTP request to the server and decodes a JSON answer into out.
func call(t *testing.T, method, target, bearer, body string, out any, headers ...string) int {
	t.Helper()
	req, _ := http.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+bearer)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, target, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode
}

// claim long-polls for the pipeline a trigger is about to create and
// reports it running; it returns the pipeline's ID and job token.
func claim(t *testing.T, s *serveProc, runner string) (int, string) {
	t.Helper()
	var job struct {
		Pipeline struct{ ID int }
		JobToken string `json:"job_token"`
	}
	if code := call(t, http.MethodPost, "http://"+s.addr+"/api/v1/runner/jobs/request", runner, `{"wait_seconds": 30}`, &job); code != http.StatusCreated {
		t.Fatalf("jobs/request = %d, want a claim", code)
	}
	report(t, s, job.Pipeline.ID, job.JobToken, "running")
	return job.Pipeline.ID, job.JobToken
}

func report(t *testing.T, s *serveProc, id int, jobToken, status string) {
	t.Helper()
	if code := call(t, http.MethodPut, fmt.Sprintf("http://%s/api/v1/runner/pipelines/%d", s.addr, id), jobToken,
		fmt.Sprintf(`{"status": %q}`, status), nil); code != http.StatusOK {
		t.Fatalf("reporting %s = %d", status, code)
	}
}

// TestTriggerCommand: `kickoff trigger` prints the pipeline's web URL and,
// with --wait, exits with the pipeline's result: 0 success, 1 failed, 2
// canceled; 3 when --timeout passes first and 4 when the trigger is refused.
func TestTriggerCommand(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialectName string) {
		f, s := newRelFixture(t, dialectName)
		var run struct {
			RunnerCreate struct{ Token string }
		}
		f.graphQL(t, s, fmt.Sprintf(`mutation { runnerCreate(input: {projectPath: %q, description: "cli"}) { token errors } }`, relProjectPath), &run)
		runner := run.RunnerCreate.Token
		base := []string{"--url", "http://" + s.addr, "--token", f.trigger}
		webURL := regexp.MustCompile(`^http://\S+/` + regexp.QuoteMeta(relProjectPath) + `/-/pipelines/(\d+)\n$`)

		for _, tc := range []struct {
			name   string
			args   []string
			finish func(id int, jobToken string)
			code   int
		}{
			{"success", []string{"--wait"}, func(id int, job string) { report(t, s, id, job, "success") }, exitSuccess},
			{"failed, GitLab's form with variables", []string{"--wait", "--project", relProjectPath, "--ref", "main", "--var", relVariable + "=cli"},
				func(id int, job string) { report(t, s, id, job, "failed") }, exitFailed},
			{"canceled", []string{"--wait"}, func(id int, _ string) {
				var out struct {
					PipelineCancel struct{ Errors []string }
				}
				f.graphQL(t, s, fmt.Sprintf(`mutation { pipelineCancel(input: {id: "gid://kickoff/Pipeline/%d"}) { errors } }`, id), &out)
			}, exitCanceled},
		} {
			t.Run(tc.name, func(t *testing.T) {
				proc := f.in.startTrigger(t, append(base, tc.args...)...)
				id, job := claim(t, s, runner)
				tc.finish(id, job)
				r := proc.result(t)
				if r.code != tc.code || !webURL.MatchString(r.stdout) {
					t.Fatalf("kickoff trigger: %s; want exit %d and the web URL alone on stdout", r, tc.code)
				}
			})
		}

		t.Run("--follow-log prints the job log after the URL", func(t *testing.T) {
			proc := f.in.startTrigger(t, append(base, "--follow-log", "--private-token", f.pat)...)
			id, job := claim(t, s, runner)
			for i, line := range []string{"hello from the job\n", "second line\n"} {
				from := i * len("hello from the job\n")
				if code := call(t, http.MethodPatch, fmt.Sprintf("http://%s/api/v1/runner/pipelines/%d/log", s.addr, id), job, line,
					nil, "Content-Range", fmt.Sprintf("%d-%d", from, from+len(line)-1)); code != http.StatusAccepted {
					t.Fatalf("log append = %d", code)
				}
				time.Sleep(1500 * time.Millisecond) // the tail reads once a second
			}
			report(t, s, id, job, "success")
			r := proc.result(t)
			url, log, _ := strings.Cut(r.stdout, "\n")
			if r.code != exitSuccess || !webURL.MatchString(url+"\n") || log != "hello from the job\nsecond line\n" {
				t.Fatalf("kickoff trigger --follow-log: %s; want the URL, then the log", r)
			}
			if r := f.in.run(t, "", append([]string{"trigger", "--follow-log"}, base...)...); r.code != 1 || !strings.Contains(r.stderr, "--private-token") {
				t.Fatalf("--follow-log without --private-token: %s", r)
			}
		})

		t.Run("variables reach the pipeline", func(t *testing.T) {
			p, err := f.db.Client.Pipeline.Query().Where(pipeline.HasVariables()).WithVariables().Only(t.Context())
			if err != nil || len(p.Edges.Variables) != 1 || p.Edges.Variables[0].Key != relVariable || p.Edges.Variables[0].Value != "cli" {
				t.Fatalf("pipelines with variables: %+v, %v", p, err)
			}
		})

		t.Run("without --wait it exits once created", func(t *testing.T) {
			r := f.in.run(t, "", append([]string{"trigger"}, base...)...)
			if r.code != exitSuccess || !webURL.MatchString(r.stdout) || !strings.Contains(r.stderr, "created") {
				t.Fatalf("kickoff trigger: %s", r)
			}
		})

		t.Run("timeout", func(t *testing.T) {
			r := f.in.run(t, "", append([]string{"trigger", "--wait", "--timeout", "2s"}, base...)...)
			if r.code != exitTimeout || !webURL.MatchString(r.stdout) || !strings.Contains(r.stderr, "gave up after 2s") {
				t.Fatalf("kickoff trigger: %s; want exit 3", r)
			}
		})

		t.Run("refused", func(t *testing.T) {
			r := f.in.run(t, "", "trigger", "--url", "http://"+s.addr, "--token", "kot_"+strings.Repeat("A", 38), "--wait")
			if r.code != exitRefused || r.stdout != "" || !strings.Contains(r.stderr, "404") {
				t.Fatalf("kickoff trigger with an unknown token: %s; want exit 4", r)
			}
		})

		t.Run("bad flags", func(t *testing.T) {
			for _, args := range [][]string{
				{"--url", "ftp://x", "--token", f.trigger},
				{"--url", "http://" + s.addr, "--token", f.trigger, "--project", relProjectPath},
				{"--url", "http://" + s.addr, "--token", f.trigger, "--var", "NOEQUALS"},
			} {
				if r := f.in.run(t, "", append([]string{"trigger"}, args...)...); r.code != 1 || r.stdout != "" {
					t.Errorf("kickoff trigger %v: %s; want exit 1 and nothing on stdout", args, r)
				}
			}
		})
	})
}
