package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/ent/runner"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/tokens"
	"github.com/kickoff-ci/kickoff/internal/tokens/tokenstest"
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
		Key, Value string
		File       bool
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

func TestRunnerCreateDeletePermissions(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		admin := e.createUser(t, "root", true)
		_, adminPAT := e.createPAT(t, admin)
		dev := e.createUser(t, "dev", false)
		_, devPAT := e.createPAT(t, dev)
		e.tpMember(t, "dev", "DEVELOPER")
		outsider := e.createUser(t, "outsider", false)
		_, outsiderPAT := e.createPAT(t, outsider)

		projectRunner, projectToken := e.rnCreateRunner(t, e.pat, "grp/app")
		instanceRunner, _ := e.rnCreateRunner(t, adminPAT, "")
		row, err := db.Client.Runner.Query().Where(runner.TokenDigest(tokens.Digest(projectToken))).Only(context.Background())
		if err != nil || row.ProjectID == nil || *row.ProjectID != e.project.ID || row.CreatorID == nil || *row.CreatorID != e.owner.ID {
			t.Fatalf("runner row = %+v, %v (want it found by the token's digest)", row, err)
		}

		before, audits := count(db.Client.Runner.Query().Count(context.Background())), e.rnAuditTotal(t)
		refused := []struct {
			name, pat, query, code string
		}{
			{"developer creates a project runner", devPAT, `mutation { runnerCreate(input: {projectPath: "grp/app"}) { token errors } }`, "FORBIDDEN"},
			{"outsider creates a project runner", outsiderPAT, `mutation { runnerCreate(input: {projectPath: "grp/app"}) { token errors } }`, "NOT_FOUND"},
			{"maintainer creates an instance runner", e.pat, `mutation { runnerCreate(input: {description: "x"}) { token errors } }`, "FORBIDDEN"},
			{"developer deletes a project runner", devPAT, `mutation { runnerDelete(input: {id: "` + projectRunner + `"}) { errors } }`, "FORBIDDEN"},
			{"outsider deletes a project runner", outsiderPAT, `mutation { runnerDelete(input: {id: "` + projectRunner + `"}) { errors } }`, "NOT_FOUND"},
			{"maintainer deletes an instance runner", e.pat, `mutation { runnerDelete(input: {id: "` + instanceRunner + `"}) { errors } }`, "NOT_FOUND"},
			{"developer lists runners", devPAT, `{ project(fullPath: "grp/app") { runners { nodes { id } } } }`, "FORBIDDEN"},
			{"maintainer lists all runners", e.pat, `{ runners { nodes { id } } }`, "FORBIDDEN"},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				_, errs := e.tpGQLErrors(t, tc.pat, tc.query)
				if len(errs) != 1 || !strings.HasPrefix(errs[0], tc.code+":") {
					t.Fatalf("errors = %v, want one %s", errs, tc.code)
				}
			})
		}
		_, errs := e.tpGQLErrors(t, e.pat, `mutation { runnerCreate(input: {projectPath: "grp/app", description: "`+strings.Repeat("x", 256)+`"}) { token errors } }`)
		if len(errs) != 1 || !strings.Contains(errs[0], "too long") {
			t.Fatalf("long description: %v", errs)
		}
		if n := count(db.Client.Runner.Query().Count(context.Background())); n != before || e.rnAuditTotal(t) != audits {
			t.Fatalf("refused requests wrote: %d runners (want %d), audit %d (want %d)", n, before, e.rnAuditTotal(t), audits)
		}

		data := e.tpGQL(t, e.pat, `{ project(fullPath: "grp/app") { runners { totalCount nodes { id runnerType project { fullPath } } } } }`)
		if want := `{"project":{"runners":{"totalCount":1,"nodes":[{"id":"` + projectRunner + `","runnerType":"PROJECT_TYPE","project":{"fullPath":"grp/app"}}]}}}`; string(data) != want {
			t.Errorf("Project.runners = %s, want %s", data, want)
		}
		data = e.tpGQL(t, adminPAT, `{ runners(type: INSTANCE_TYPE) { nodes { id runnerType } } }`)
		if want := `{"runners":{"nodes":[{"id":"` + instanceRunner + `","runnerType":"INSTANCE_TYPE"}]}}`; string(data) != want {
			t.Errorf("Query.runners = %s, want %s", data, want)
		}

		e.tpGQL(t, e.pat, `mutation { runnerDelete(input: {id: "`+projectRunner+`"}) { errors } }`)
		e.tpGQL(t, adminPAT, `mutation { runnerDelete(input: {id: "`+instanceRunner+`"}) { errors } }`)
		wantStatus(t, e.rnRequest(t, projectToken, ""), http.StatusUnauthorized, `{"message":"401 Unauthorized"}`)
		if c, d := e.rnAudit(t, "runner.created"), e.rnAudit(t, "runner.deleted"); c != 2 || d != 2 {
			t.Errorf("audit: %d runner.created, %d runner.deleted, want 2 and 2", c, d)
		}
	})
}

// count is a query's count, or -1 (never what a test wants) when it fails.
func count(n int, err error) int {
	if err != nil {
		return -1
	}
	return n
}

func TestRunnerClaimOrderAndScope(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		e.rnProject(t, "grp/other")
		admin := e.createUser(t, "root", true)
		_, adminPAT := e.createPAT(t, admin)
		_, projectToken := e.rnCreateRunner(t, e.pat, "grp/app")
		_, instanceToken := e.rnCreateRunner(t, adminPAT, "")

		e.rnWantNoJob(t, projectToken)
		first := e.rnTrigger(t, "grp/app")
		other := e.rnTrigger(t, "grp/other")
		second := e.rnTrigger(t, "grp/app")

		job := e.rnClaim(t, projectToken)
		if job.Pipeline.ID != first {
			t.Fatalf("project runner claimed %d, want the oldest, %d", job.Pipeline.ID, first)
		}
		vars := map[string]string{}
		for _, v := range job.Variables {
			vars[v.Key] = v.Value
		}
		if vars["FOO"] != "bar" || vars["CI_PIPELINE_ID"] != fmt.Sprint(first) || vars["CI_PROJECT_PATH"] != "grp/app" || vars["CI_PIPELINE_TRIGGERED"] != "true" {
			t.Errorf("variables = %v", vars)
		}
		row := e.rnRow(t, first)
		r, err := db.Client.Runner.Query().Where(runner.TokenDigest(tokens.Digest(projectToken))).Only(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if row.Status != "pending" || row.RunnerID == nil || *row.RunnerID != r.ID || row.ClaimedAt == nil ||
			row.JobTokenDigest == nil || !tokens.Equal(*row.JobTokenDigest, tokens.Digest(job.JobToken)) {
			t.Errorf("claimed row = %+v", row)
		}
		if r.ContactedAt == nil {
			t.Error("contacted_at not set")
		}
		if got := e.rnClaim(t, projectToken).Pipeline.ID; got != second {
			t.Errorf("project runner's second claim = %d, want %d (its project only)", got, second)
		}
		e.rnWantNoJob(t, projectToken)
		if got := e.rnClaim(t, instanceToken).Pipeline.ID; got != other {
			t.Errorf("instance runner claimed %d, want %d", got, other)
		}
		e.rnWantNoJob(t, instanceToken)
		if n := e.rnAudit(t, "pipeline.status_changed"); n != 3 {
			t.Errorf("%d pipeline.status_changed entries for 3 claims", n)
		}
	})
}

func TestRunnerRequestRefusals(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		_, good := e.rnCreateRunner(t, e.pat, "grp/app")
		id := e.rnTrigger(t, "grp/app")
		unknown, _ := tokens.New(tokens.Runner)
		audits := e.rnAuditTotal(t)
		for name, h := range map[string]map[string]string{
			"no credentials":     {},
			"unknown token":      {"Authorization": "Bearer " + unknown},
			"bad checksum":       {"Authorization": "Bearer " + tokenstest.BadChecksum(good)},
			"personal token":     {"Authorization": "Bearer " + e.pat},
			"as PRIVATE-TOKEN":   {"PRIVATE-TOKEN": good},
			"basic scheme":       {"Authorization": "Basic " + good},
			"garbage":            {"Authorization": "Bearer hunter2"},
			"job token":          {"Authorization": "Bearer koj_" + good[4:]},
			"empty bearer token": {"Authorization": "Bearer "},
		} {
			t.Run(name, func(t *testing.T) {
				wantStatus(t, e.send(t, http.MethodPost, "/api/v1/runner/jobs/request", "", h), http.StatusUnauthorized, `{"message":"401 Unauthorized"}`)
			})
		}
		for name, body := range map[string]string{
			"wait over 60":       `{"wait_seconds": 61}`,
			"negative wait":      `{"wait_seconds": -1}`,
			"fractional wait":    `{"wait_seconds": 1.5}`,
			"wait as string":     `{"wait_seconds": "5"}`,
			"not JSON":           `wait_seconds=5`,
			"array":              `[1]`,
			"two objects":        `{} {}`,
			"huge number":        `{"wait_seconds": 1e300}`,
			"truncated":          `{"wait_seconds": `,
			"wait_seconds float": `{"wait_seconds": 60.0000001}`,
		} {
			t.Run(name, func(t *testing.T) {
				res := e.rnRequest(t, good, body)
				if res.status != http.StatusBadRequest || !strings.Contains(res.body, `"error"`) {
					t.Fatalf("got %d %s, want 400 {\"error\":...}", res.status, res.body)
				}
			})
		}
		big := `{"wait_seconds": 0, "x": "` + strings.Repeat("a", 1<<20) + `"}`
		wantStatus(t, e.rnRequest(t, good, big), http.StatusRequestEntityTooLarge, "")
		if row := e.rnRow(t, id); row.Status != "created" || row.RunnerID != nil || e.rnAuditTotal(t) != audits {
			t.Fatalf("refused requests changed the pipeline (%s) or the audit log", row.Status)
		}
		// wait_seconds 0 and null are accepted.
		if got := e.rnRequest(t, good, `{"wait_seconds": null, "info": {"name": "x"}}`); got.status != http.StatusCreated {
			t.Fatalf("valid request = %d %s", got.status, got.body)
		}
	})
}

func TestRunnerLongPoll(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		_, token := e.rnCreateRunner(t, e.pat, "grp/app")
		trigger := e.tpTrigger(t, "")

		t.Run("204 at the deadline", func(t *testing.T) {
			wantStatus(t, e.rnRequest(t, token, `{"wait_seconds": 1}`), http.StatusNoContent, "")
		})
		t.Run("a trigger mid-wait wakes the runner", func(t *testing.T) {
			got := make(chan response, 1)
			go func() { got <- e.rnRequest(t, token, `{"wait_seconds": 30}`) }()
			time.Sleep(300 * time.Millisecond) // let the request start waiting
			id := e.rnTriggerWith(t, "grp/app", trigger)
			res := <-got
			var job rnJob
			if res.status != http.StatusCreated || json.Unmarshal([]byte(res.body), &job) != nil || job.Pipeline.ID != id {
				t.Fatalf("long-poll = %d %s, want 201 with pipeline %d", res.status, res.body, id)
			}
		})
		t.Run("a retry mid-wait wakes the runner", func(t *testing.T) {
			id := e.rnTriggerWith(t, "grp/app", trigger)
			e.rnClaim(t, token)
			e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { pipelineCancel(input: {id: "%d"}) { errors } }`, id))
			got := make(chan response, 1)
			go func() { got <- e.rnRequest(t, token, `{"wait_seconds": 30}`) }()
			time.Sleep(300 * time.Millisecond)
			e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { pipelineRetry(input: {id: "%d"}) { errors } }`, id))
			if res := <-got; res.status != http.StatusCreated || !strings.Contains(res.body, fmt.Sprintf(`"id":%d,`, id)) {
				t.Fatalf("long-poll = %d %s, want 201 with pipeline %d", res.status, truncate(res.body), id)
			}
		})
		t.Run("the client leaving ends the wait", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.srv.URL+"/api/v1/runner/jobs/request", strings.NewReader(`{"wait_seconds": 60}`))
			req.Header.Set("Authorization", "Bearer "+token)
			if res, err := http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
				t.Fatalf("request finished with %d before the client gave up", res.StatusCode)
			}
			// The abandoned wait claims nothing: a new pipeline is still there.
			time.Sleep(100 * time.Millisecond)
			id := e.rnTriggerWith(t, "grp/app", trigger)
			if got := e.rnClaim(t, token).Pipeline.ID; got != id {
				t.Fatalf("claimed %d, want %d", got, id)
			}
		})
	})
}

func TestRunnerConcurrentClaims(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		const runners, pipelines = 8, 40
		e := newRNEnv(t, db)
		trigger := e.tpTrigger(t, "")
		for range pipelines {
			e.rnTriggerWith(t, "grp/app", trigger)
		}
		tokensOf := make([]string, runners)
		for i := range tokensOf {
			_, tokensOf[i] = e.rnCreateRunner(t, e.pat, "grp/app")
		}
		type result struct {
			ids  []int
			errs []string
		}
		results := make(chan result, runners)
		for _, tok := range tokensOf {
			go func() {
				var r result
				for {
					res := e.rnRequestAsync(tok)
					if res.status == http.StatusNoContent {
						break
					}
					var job rnJob
					if res.status != http.StatusCreated || json.Unmarshal([]byte(res.body), &job) != nil {
						r.errs = append(r.errs, fmt.Sprintf("%d %s", res.status, truncate(res.body)))
						break
					}
					r.ids = append(r.ids, job.Pipeline.ID)
				}
				results <- r
			}()
		}
		seen := map[int]int{}
		for range runners {
			r := <-results
			if len(r.errs) > 0 {
				t.Errorf("runner failed: %v", r.errs)
			}
			for _, id := range r.ids {
				seen[id]++
			}
		}
		if len(seen) != pipelines {
			t.Errorf("%d distinct pipelines claimed, want %d", len(seen), pipelines)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("pipeline %d claimed %d times", id, n)
			}
		}
		pending := count(db.Client.Pipeline.Query().Where(pipeline.StatusEQ("pending"), pipeline.RunnerIDNotNil()).Count(context.Background()))
		if pending != pipelines {
			t.Errorf("%d pending pipelines with a runner, want %d", pending, pipelines)
		}
	})
}

// rnRequestAsync is rnRequest for goroutines (no t.Fatal).
func (e *rnEnv) rnRequestAsync(runnerToken string) response {
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/runner/jobs/request", nil)
	req.Header.Set("Authorization", "Bearer "+runnerToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{status: 0, body: err.Error()}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, string(b)}
}
