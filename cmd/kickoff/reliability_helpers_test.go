package main

// Helpers of the process-level reliability tests (SPEC §11): a server with a
// project, a trigger token, a PAT and a runner token; a trigger load of
// concurrent clients that records what each request got; and checks against
// the database the test opened itself.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

const (
	relProjectPath = "rel/load"
	// relIdlePath is a project no pipeline is ever triggered in: its runner's
	// long-poll has nothing to claim, so it stays in flight until shut down.
	relIdlePath = "rel/idle"
	// relVariable carries each request's unique key into its pipeline.
	relVariable = "REQ"
)

// relFixture is a running Kickoff with what the load needs, plus the test's
// own connection to the same database.
type relFixture struct {
	in            *instance
	db            *database.DB
	adminPassword string
	pat           string
	trigger       string // kot_ token of relProjectPath
	runner        string // kor_ token of a runner of relIdlePath
	procs         []*serveProc
	serveArgs     []string // more flags for every start
}

// newRelFixture starts `kickoff serve` (debug logs, so the secrets check sees
// everything) on a fresh database and sets up a project, a trigger token and
// a runner through the CLI and GraphQL.
func newRelFixture(t *testing.T, dialectName string, serveArgs ...string) (*relFixture, *serveProc) {
	t.Helper()
	db, cfg := dbtest.OpenUnmigrated(t, dialectName)
	f := &relFixture{db: db, in: &instance{dialect: dialectName, dataDir: cfg.DataDir, dbURL: cfg.URL}, serveArgs: serveArgs}
	s := f.start(t)
	m := initialAdminLine.FindStringSubmatch(s.logs.String())
	if m == nil {
		t.Fatalf("first start did not log the initial admin password:\n%s", s.logs)
	}
	f.adminPassword = m[1]
	f.pat = strings.TrimSpace(f.in.runOK(t, "", f.in.with("admin", "token", "create", "--username", "admin", "--name", "reliability")...).stdout)

	for _, path := range []string{relProjectPath, relIdlePath} {
		var created struct {
			ProjectCreate struct{ Errors []string }
		}
		f.graphQL(t, s, fmt.Sprintf(`mutation { projectCreate(input: {name: %q, path: %q}) { errors } }`, path, path), &created)
		if len(created.ProjectCreate.Errors) > 0 {
			t.Fatalf("projectCreate %s: %v", path, created.ProjectCreate.Errors)
		}
	}
	var trig struct {
		PipelineTriggerCreate struct {
			PipelineTrigger struct{ Token string }
			Errors          []string
		}
	}
	f.graphQL(t, s, fmt.Sprintf(`mutation { pipelineTriggerCreate(input: {projectPath: %q, description: "load"}) { pipelineTrigger { token } errors } }`, relProjectPath), &trig)
	if f.trigger = trig.PipelineTriggerCreate.PipelineTrigger.Token; !strings.HasPrefix(f.trigger, "kot_") {
		t.Fatalf("pipelineTriggerCreate: token %q, errors %v", f.trigger, trig.PipelineTriggerCreate.Errors)
	}
	var run struct {
		RunnerCreate struct {
			Token  string
			Errors []string
		}
	}
	f.graphQL(t, s, fmt.Sprintf(`mutation { runnerCreate(input: {projectPath: %q, description: "idle"}) { token errors } }`, relIdlePath), &run)
	if f.runner = run.RunnerCreate.Token; !strings.HasPrefix(f.runner, "kor_") {
		t.Fatalf("runnerCreate: token %q, errors %v", f.runner, run.RunnerCreate.Errors)
	}
	return f, s
}

// start starts `kickoff serve` on the fixture's database and waits until it
// is ready.
func (f *relFixture) start(t *testing.T) *serveProc {
	t.Helper()
	s := f.in.startServe(t, append([]string{"--log-level", "debug"}, f.serveArgs...)...)
	f.procs = append(f.procs, s)
	s.waitReady(t)
	return s
}

// graphQL posts a query with the PAT and decodes its data into out.
func (f *relFixture) graphQL(t *testing.T, s *serveProc, query string, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.addr+"/api/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("PRIVATE-TOKEN", f.pat)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GraphQL: %v", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GraphQL: reading the answer: %v", err)
	}
	var answer struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(raw, &answer); err != nil || len(answer.Errors) > 0 || resp.StatusCode != http.StatusOK {
		t.Fatalf("GraphQL %s: status %d, answer %s (decoding: %v)", query, resp.StatusCode, raw, err)
	}
	if err := json.Unmarshal(answer.Data, out); err != nil {
		t.Fatalf("GraphQL: decoding data %s: %v", answer.Data, err)
	}
}
