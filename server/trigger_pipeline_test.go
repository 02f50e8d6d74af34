package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
	"github.com/kickoff-ci/kickoff/ent/project"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/tokens"
	"github.com/kickoff-ci/kickoff/internal/tokens/tokenstest"
)

// tpEnv is a running server with one project "grp/app" created by owner
// (who is therefore its Owner/Maintainer), plus owner's PAT.
type tpEnv struct {
	*authEnv
	owner   *ent.User
	pat     string
	project *ent.Project
}

var tpTimeFormat = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

const tpSHA = "0123456789abcdef0123456789abcdef01234567"

func newTPEnv(t *testing.T, db *database.DB, opts ...envOption) *tpEnv {
	t.Helper()
	e := &tpEnv{authEnv: newAuthEnv(t, db, opts...)}
	e.owner = e.createUser(t, "owner", false)
	_, e.pat = e.createPAT(t, e.owner)
	e.tpGQL(t, e.pat, `mutation { projectCreate(input: {name: "app", path: "grp/app"}) { project { id } errors } }`)
	p, err := db.Client.Project.Query().Where(project.FullPath("grp/app")).Only(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e.project = p
	return e
}

// tpGQL runs a GraphQL operation with a PAT and fails the test on any error,
// top-level or in a mutation payload. It returns data.
func (e *tpEnv) tpGQL(t *testing.T, pat, query string) json.RawMessage {
	t.Helper()
	data, errs := e.tpGQLErrors(t, pat, query)
	if len(errs) > 0 {
		t.Fatalf("GraphQL %s: %v", truncate(query), errs)
	}
	return data
}

// tpGQLErrors runs a GraphQL operation and returns data and every error
// message: top-level ones (as "CODE: message") and payload errors.
func (e *tpEnv) tpGQLErrors(t *testing.T, pat, query string) (json.RawMessage, []string) {
	t.Helper()
	res := e.graphQL(t, query, map[string]string{"PRIVATE-TOKEN": pat})
	var body struct {
		Data   map[string]json.RawMessage `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(res.body), &body); err != nil {
		t.Fatalf("GraphQL answered %d %s", res.status, truncate(res.body))
	}
	var errs []string
	for _, e := range body.Errors {
		errs = append(errs, fmt.Sprintf("%v: %s", e.Extensions["code"], e.Message))
	}
	for _, v := range body.Data {
		var payload struct {
			Errors []string `json:"errors"`
		}
		if json.Unmarshal(v, &payload) == nil {
			errs = append(errs, payload.Errors...)
		}
	}
	data, _ := json.Marshal(body.Data)
	return data, errs
}

// tpTrigger creates a trigger on grp/app owned by owner; extra is added to
// the mutation's input (e.g. `allowedRefs: ["main"]`). It returns the token.
func (e *tpEnv) tpTrigger(t *testing.T, extra string) string {
	t.Helper()
	data := e.tpGQL(t, e.pat, `mutation { pipelineTriggerCreate(input: {projectPath: "grp/app", description: "ci" `+extra+`}) { pipelineTrigger { id token } errors } }`)
	var out struct {
		PipelineTriggerCreate struct {
			PipelineTrigger struct{ Token string }
		}
	}
	if err := json.Unmarshal(data, &out); err != nil || !strings.HasPrefix(out.PipelineTriggerCreate.PipelineTrigger.Token, "kot_") {
		t.Fatalf("pipelineTriggerCreate = %s (%v)", data, err)
	}
	return out.PipelineTriggerCreate.PipelineTrigger.Token
}

// tpRef creates a branch or tag pointing at tpSHA.
func (e *tpEnv) tpRef(t *testing.T, name, typ string) {
	t.Helper()
	e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { refCreate(input: {projectPath: "grp/app", name: %q, type: %s, sha: %q}) { ref { id } errors } }`, name, typ, tpSHA))
}

// tpMember adds a user to grp/app with the access level (GraphQL enum).
func (e *tpEnv) tpMember(t *testing.T, username, level string) {
	t.Helper()
	e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { projectMemberAdd(input: {projectPath: "grp/app", username: %q, accessLevel: %s}) { errors } }`, username, level))
}

func (e *tpEnv) tpTriggerRow(t *testing.T, token string) *ent.PipelineTrigger {
	t.Helper()
	tr, err := e.db.Client.PipelineTrigger.Query().Where(pipelinetrigger.TokenDigest(tokens.Digest(token))).Only(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func (e *tpEnv) tpPipelineCount(t *testing.T) int {
	t.Helper()
	n, err := e.db.Client.Pipeline.Query().Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// tpURL is the GitLab trigger endpoint of grp/app by numeric ID.
func (e *tpEnv) tpURL() string {
	return tpURLOn(e.srv.URL, e.project.ID)
}

// tpURLOn is the GitLab trigger endpoint of a project on the server at base.
func tpURLOn(base string, projectID int) string {
	return fmt.Sprintf("%s/api/v4/projects/%d/trigger/pipeline", base, projectID)
}

// tpJSON is the part of GitLab's pipeline entity the tests compare.
type tpJSON struct {
	ID        int     `json:"id"`
	IID       int     `json:"iid"`
	ProjectID int     `json:"project_id"`
	SHA       *string `json:"sha"`
	Ref       string  `json:"ref"`
	Status    string  `json:"status"`
	Source    string  `json:"source"`
	Tag       bool    `json:"tag"`
	BeforeSHA string  `json:"before_sha"`
	WebURL    string  `json:"web_url"`
	CreatedAt string  `json:"created_at"`
	User      *struct {
		ID       int    `json:"id"`
		Username string `json:"username"`
	} `json:"user"`
}

// tpWant is what a created pipeline must hold.
type tpWant struct {
	ref     string
	tag     bool
	sha     string // "" for none
	trigger string // the token that created it; "" when none did
	vars    map[string]string
}

// tpCheckPipeline checks the answer's pipeline entity against want and the
// row the server stored, and returns the row with its variables.
func (e *tpEnv) tpCheckPipeline(t *testing.T, body string, want tpWant) *ent.Pipeline {
	t.Helper()
	var got tpJSON
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("pipeline JSON: %v in %s", err, truncate(body))
	}
	row, err := e.db.Client.Pipeline.Query().Where(pipeline.ID(got.ID)).WithVariables().Only(context.Background())
	if err != nil {
		t.Fatalf("pipeline %d of the answer is not stored: %v", got.ID, err)
	}
	if got.IID != row.Iid || got.ProjectID != e.project.ID || row.ProjectID != e.project.ID ||
		got.Ref != want.ref || row.Ref != want.ref || got.Tag != want.tag || row.Tag != want.tag ||
		got.Status != "created" || string(row.Status) != "created" ||
		got.BeforeSHA != "0000000000000000000000000000000000000000" ||
		got.WebURL != fmt.Sprintf("%s/grp/app/-/pipelines/%d", e.srv.URL, row.Iid) {
		t.Errorf("pipeline = %s\nrow = %+v\nwant %+v", truncate(body), row, want)
	}
	if !tpTimeFormat.MatchString(got.CreatedAt) {
		t.Errorf("created_at %q, want RFC 3339 UTC with milliseconds", got.CreatedAt)
	}
	if (want.sha == "") != (got.SHA == nil) || got.SHA != nil && *got.SHA != want.sha || !reflect.DeepEqual(got.SHA, row.Sha) {
		t.Errorf("sha = %v, row %v, want %q", got.SHA, row.Sha, want.sha)
	}
	if want.trigger != "" {
		tr := e.tpTriggerRow(t, want.trigger)
		if got.Source != "trigger" || row.Source != pipeline.SourceTrigger ||
			row.TriggerID == nil || *row.TriggerID != tr.ID ||
			row.TriggerShortToken == nil || *row.TriggerShortToken != want.trigger[4:8] ||
			row.UserID == nil || *row.UserID != tr.OwnerID ||
			got.User == nil || got.User.ID != tr.OwnerID {
			t.Errorf("trigger pipeline = %s, row source %s trigger %v/%v user %v; want trigger %d owner %d",
				truncate(body), row.Source, deref(row.TriggerID), deref(row.TriggerShortToken), deref(row.UserID), tr.ID, tr.OwnerID)
		}
		if tr.LastUsedAt == nil {
			t.Error("trigger's lastUsedAt not set")
		}
	}
	if want.vars != nil {
		stored := map[string]string{}
		for _, v := range row.Edges.Variables {
			stored[v.Key] = v.Value
		}
		if !reflect.DeepEqual(stored, want.vars) {
			t.Errorf("stored variables = %v, want %v", stored, want.vars)
		}
	}
	return row
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// tpRun runs a command (a seed's curl or wget line) in a temporary
// directory and returns its stdout, stderr and exit code.
func tpRun(t *testing.T, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = t.TempDir()
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errb.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("running %s: %v", name, err)
	}
	return out.String(), errb.String(), 0
}

// tpCurl runs curl with the seed's arguments plus --write-out, which only
// appends the status code to stdout so the test can read it.
func tpCurl(t *testing.T, args ...string) (status int, body string, code int) {
	t.Helper()
	args = append(args, "--write-out", "\n%{http_code}")
	out, stderr, code := tpRun(t, "/usr/bin/curl", args...)
	i := strings.LastIndex(out, "\n")
	status, err := strconv.Atoi(out[i+1:])
	if i < 0 || err != nil {
		t.Fatalf("curl output %q, stderr %q", out, stderr)
	}
	return status, out[:i], code
}

// TestTriggerPipelineSeedCommands runs the seeds' curl and wget commands as
// real processes against the live server.
func TestTriggerPipelineSeedCommands(t *testing.T) {
	for _, bin := range []string{"/usr/bin/curl", "/usr/bin/wget"} {
		if _, err := os.Stat(bin); err != nil {
			t.Skipf("%s not installed", bin)
		}
	}
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newTPEnv(t, db)
		e.tpRef(t, "feature/x", "BRANCH")
		token := e.tpTrigger(t, "")
		endpoint := e.tpURL()
		onMain := tpWant{ref: "main", trigger: token, vars: map[string]string{}}

		t.Run("multiline form", func(t *testing.T) {
			status, body, code := tpCurl(t, "--request", "POST", "--form", "token="+token, "--form", "ref=main", endpoint)
			if status != 201 || code != 0 {
				t.Fatalf("curl = exit %d, %d %s", code, status, body)
			}
			e.tpCheckPipeline(t, body, onMain)
		})
		t.Run("query string", func(t *testing.T) {
			status, body, code := tpCurl(t, "--request", "POST", endpoint+"?token="+token+"&ref=main")
			if status != 201 || code != 0 {
				t.Fatalf("curl = exit %d, %d %s", code, status, body)
			}
			e.tpCheckPipeline(t, body, onMain)
		})
		t.Run("variables", func(t *testing.T) {
			status, body, code := tpCurl(t, "--request", "POST", "--form", "token="+token, "--form", "ref=main",
				"--form", "variables[UPLOAD_TO_S3]=true", endpoint)
			if status != 201 || code != 0 {
				t.Fatalf("curl = exit %d, %d %s", code, status, body)
			}
			e.tpCheckPipeline(t, body, tpWant{ref: "main", trigger: token, vars: map[string]string{"UPLOAD_TO_S3": "true"}})
		})
		t.Run("CI job form with --fail", func(t *testing.T) {
			status, body, code := tpCurl(t, "--fail", "--request", "POST", "--form", "token="+token, "--form", "ref=main", endpoint)
			if status != 201 || code != 0 {
				t.Fatalf("curl = exit %d, %d %s", code, status, body)
			}
			e.tpCheckPipeline(t, body, onMain)
		})
		t.Run("project path instead of ID", func(t *testing.T) {
			status, body, code := tpCurl(t, "--request", "POST", "--form", "token="+token, "--form", "ref=feature/x",
				e.srv.URL+"/api/v4/projects/grp%2Fapp/trigger/pipeline")
			if status != 201 || code != 0 {
				t.Fatalf("curl = exit %d, %d %s", code, status, body)
			}
			e.tpCheckPipeline(t, body, tpWant{ref: "feature/x", sha: tpSHA, trigger: token, vars: map[string]string{}})
		})
		t.Run("webhook", func(t *testing.T) {
			push := `{"object_kind":"push","ref":"refs/heads/other","checkout_sha":"` + tpSHA + `","total_commits_count":1,` +
				`"project":{"id":7,"path_with_namespace":"up/stream"},"commits":[{"id":"` + tpSHA + `","message":"fix <b>&</b>"}]}`
			hook := fmt.Sprintf("%s/api/v4/projects/%d/ref/%s/trigger/pipeline?token=%s", e.srv.URL, e.project.ID, url.PathEscape("feature/x"), token)
			status, body, code := tpCurl(t, "--fail", "--silent", "--show-error", "--request", "POST",
				"--header", "Content-Type: application/json", "--header", "X-Gitlab-Event: Push Hook", "--data", push, hook)
			if status != 201 || code != 0 {
				t.Fatalf("curl = exit %d, %d %s", code, status, body)
			}
			row := e.tpCheckPipeline(t, body, tpWant{ref: "feature/x", sha: tpSHA, trigger: token})
			if len(row.Edges.Variables) != 1 || row.Edges.Variables[0].Key != "TRIGGER_PAYLOAD" || !row.Edges.Variables[0].File {
				t.Fatalf("variables = %+v, want only the file variable TRIGGER_PAYLOAD", row.Edges.Variables)
			}
			var got, want any
			if err := json.Unmarshal([]byte(row.Edges.Variables[0].Value), &got); err != nil {
				t.Fatal(err)
			}
			_ = json.Unmarshal([]byte(push), &want)
			if !reflect.DeepEqual(got, want) || strings.Contains(row.Edges.Variables[0].Value, token) {
				t.Errorf("TRIGGER_PAYLOAD = %s, want the body %s", row.Edges.Variables[0].Value, push)
			}
		})
		t.Run("one-URL curl", func(t *testing.T) {
			status, body, code := tpCurl(t, "--fail", "--silent", "--show-error", "--request", "POST", e.srv.URL+"/api/trigger/"+token)
			if status != 200 || code != 0 {
				t.Fatalf("curl = exit %d, %d %s", code, status, body)
			}
			e.tpCheckPipeline(t, body, onMain)
		})
		t.Run("one-URL wget", func(t *testing.T) {
			cmd := exec.Command("/usr/bin/wget", "--quiet", "--server-response", "--post-data=", e.srv.URL+"/api/trigger/"+token)
			cmd.Dir = t.TempDir()
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("wget: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "HTTP/1.1 200 OK") {
				t.Fatalf("wget server response:\n%s\nwant HTTP/1.1 200 OK", out)
			}
			body, err := os.ReadFile(filepath.Join(cmd.Dir, token))
			if err != nil {
				t.Fatalf("wget saved no body: %v", err)
			}
			e.tpCheckPipeline(t, string(body), onMain)
		})
		t.Run("bad token makes curl --fail fail", func(t *testing.T) {
			before := e.tpPipelineCount(t)
			bad := tokenstest.BadChecksum(token)
			for _, u := range []string{e.srv.URL + "/api/trigger/" + bad, endpoint + "?ref=main&token=" + bad} {
				status, body, code := tpCurl(t, "--fail", "--silent", "--show-error", "--request", "POST", u)
				if code == 0 || status != 404 {
					t.Errorf("curl --fail with a bad token = exit %d, %d %s; want a non-zero exit and 404", code, status, body)
				}
			}
			if n := e.tpPipelineCount(t); n != before {
				t.Errorf("%d pipelines, want %d", n, before)
			}
		})
	})
}
