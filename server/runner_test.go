package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/tokens"
)

// rnEnv is tpEnv (grp/app owned by owner) plus helpers for runners.
type rnEnv struct{ *tpEnv }

func newRNEnv(t *testing.T, db *database.DB) *rnEnv {
	t.Helper()
	return &rnEnv{newTPEnv(t, db)}
}

// rnCreateRunner creates a runner with pat (projectPath "" = instance
// runner) and returns its ID and token.
func (e *rnEnv) rnCreateRunner(t *testing.T, pat, projectPath string) (string, string) {
	t.Helper()
	input := `description: "r"`
	if projectPath != "" {
		input += fmt.Sprintf(`, projectPath: %q`, projectPath)
	}
	data := e.tpGQL(t, pat, `mutation { runnerCreate(input: {`+input+`}) { runner { id description runnerType shortSha } token errors } }`)
	var out struct {
		RunnerCreate struct {
			Runner struct{ ID, Description, RunnerType, ShortSha string }
			Token  string
		}
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	rc := out.RunnerCreate
	if _, err := tokens.Parse(rc.Token); err != nil || !strings.HasPrefix(rc.Token, "kor_") ||
		rc.Runner.ShortSha != rc.Token[4:8] || rc.Runner.Description != "r" {
		t.Fatalf("runnerCreate = %s", data)
	}
	return rc.Runner.ID, rc.Token
}

// rnProject creates another project owned by owner.
func (e *rnEnv) rnProject(t *testing.T, path string) {
	t.Helper()
	e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { projectCreate(input: {name: "p", path: %q}) { project { id } errors } }`, path))
}

// rnTrigger starts a pipeline in the project with a fresh trigger token
// and returns the pipeline's ID.
func (e *rnEnv) rnTrigger(t *testing.T, projectPath string) int {
	t.Helper()
	data := e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { pipelineTriggerCreate(input: {projectPath: %q, description: "ci"}) { pipelineTrigger { token } errors } }`, projectPath))
	var out struct {
		PipelineTriggerCreate struct{ PipelineTrigger struct{ Token string } }
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return e.rnTriggerWith(t, projectPath, out.PipelineTriggerCreate.PipelineTrigger.Token)
}

func (e *rnEnv) rnTriggerWith(t *testing.T, projectPath, token string) int {
	t.Helper()
	res := e.rnTriggerCall(t, projectPath, token)
	if res.status != http.StatusCreated {
		t.Fatalf("trigger = %d %s", res.status, res.body)
	}
	var p tpJSON
	if err := json.Unmarshal([]byte(res.body), &p); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func (e *rnEnv) rnTriggerCall(t *testing.T, projectPath, token string) response {
	t.Helper()
	body := url.Values{"token": {token}, "ref": {"main"}, "variables[FOO]": {"bar"}}.Encode()
	return e.send(t, http.MethodPost, "/api/v4/projects/"+url.PathEscape(projectPath)+"/trigger/pipeline", body,
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// rnJob is a claim's answer.
type rnJob struct {
	Pipeline  tpJSON `json:"pipeline"`
	Variables []struct {
		Key, Value   string
		File, Masked bool
	} `json:"variables"`
	JobToken string `json:"job_token"`
}

func (e *rnEnv) rnRequest(t *testing.T, runnerToken, body string) response {
	t.Helper()
	return e.send(t, http.MethodPost, "/api/v1/runner/jobs/request", body,
		map[string]string{"Authorization": "Bearer " + runnerToken, "Content-Type": "application/json"})
}

// rnClaim claims a pipeline and fails unless one is handed out.
func (e *rnEnv) rnClaim(t *testing.T, runnerToken string) rnJob {
	t.Helper()
	res := e.rnRequest(t, runnerToken, "")
	if res.status != http.StatusCreated {
		t.Fatalf("jobs/request = %d %s, want 201", res.status, res.body)
	}
	var job rnJob
	if err := json.Unmarshal([]byte(res.body), &job); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Parse(job.JobToken); err != nil || !strings.HasPrefix(job.JobToken, "koj_") || job.Pipeline.Status != "pending" {
		t.Fatalf("claim = %s", res.body)
	}
	return job
}

func (e *rnEnv) rnWantNoJob(t *testing.T, runnerToken string) {
	t.Helper()
	if res := e.rnRequest(t, runnerToken, ""); res.status != http.StatusNoContent || res.body != "" {
		t.Fatalf("jobs/request = %d %s, want 204", res.status, res.body)
	}
}

func (e *rnEnv) rnUpdate(t *testing.T, id int, jobToken, body string) response {
	t.Helper()
	return e.send(t, http.MethodPut, fmt.Sprintf("/api/v1/runner/pipelines/%d", id), body,
		map[string]string{"Authorization": "Bearer " + jobToken, "Content-Type": "application/json"})
}

func (e *rnEnv) rnRow(t *testing.T, id int) *ent.Pipeline {
	t.Helper()
	p, err := e.db.Client.Pipeline.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rnAudit counts audit entries with the action.
func (e *rnEnv) rnAudit(t *testing.T, action string) int {
	t.Helper()
	n, err := e.db.Client.AuditEvent.Query().Where(auditevent.Action(action)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// rnAuditTotal counts every audit entry: refusals must not add any.
func (e *rnEnv) rnAuditTotal(t *testing.T) int {
	t.Helper()
	n, err := e.db.Client.AuditEvent.Query().Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func wantStatus(t *testing.T, res response, status int, body string) {
	t.Helper()
	if res.status != status || body != "" && strings.TrimSpace(res.body) != body {
		t.Fatalf("got %d %s, want %d %s", res.status, truncate(res.body), status, body)
	}
}
