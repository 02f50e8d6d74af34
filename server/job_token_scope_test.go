package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/ent/project"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// jsURL is the allowlist URL of the project (a full path or an ID).
func jsURL(projectRef string) string {
	return "/api/v4/projects/" + url.PathEscape(projectRef) + "/job_token_scope/allowlist"
}

// jsSend calls the allowlist API with pat ("" = anonymous) and a JSON body.
func (e *tpEnv) jsSend(t *testing.T, method, pat, path, body string) response {
	t.Helper()
	headers := map[string]string{"Content-Type": "application/json"}
	if pat != "" {
		headers["PRIVATE-TOKEN"] = pat
	}
	return e.send(t, method, path, body, headers)
}

// jsAllow puts target on the project's allowlist and fails unless GitLab's 201.
func (e *tpEnv) jsAllow(t *testing.T, pat, projectPath, target string) {
	t.Helper()
	body := fmt.Sprintf(`{"target_project_id":%d}`, e.jsID(t, target))
	want := fmt.Sprintf(`{"source_project_id":%d,"target_project_id":%d}`, e.jsID(t, projectPath), e.jsID(t, target))
	wantStatus(t, e.jsSend(t, http.MethodPost, pat, jsURL(projectPath), body), http.StatusCreated, want)
}

func (e *tpEnv) jsID(t *testing.T, path string) int {
	t.Helper()
	id, err := e.db.Client.Project.Query().Where(project.FullPath(path)).OnlyID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// jsEntries counts allowlist rows and their audit entries: refusals add neither.
func (e *tpEnv) jsEntries(t *testing.T) (rows, audits int) {
	t.Helper()
	ctx := context.Background()
	rows = count(e.db.Client.JobTokenAllowlistEntry.Query().Count(ctx))
	audits = count(e.db.Client.AuditEvent.Query().Where(auditevent.ActionHasPrefix("job_token_scope.")).Count(ctx))
	return rows, audits
}

// TestJobTokenAllowlistStopsCrossProjectTriggers is the security review's
// attack: a Maintainer of grp/app runs a runner, claims a pipeline an admin
// started there and uses its job token in grp/secret, which the Maintainer
// cannot see but the admin can. Only grp/secret's allowlist lets it in.
func TestJobTokenAllowlistStopsCrossProjectTriggers(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		ctx := context.Background()
		admin := e.createUser(t, "root", true)
		_, adminPAT := e.createPAT(t, admin)
		e.tpGQL(t, adminPAT, `mutation { projectCreate(input: {name: "s", path: "grp/secret"}) { project { id } errors } }`)
		secret := e.jsID(t, "grp/secret")
		maint := e.createUser(t, "maint", false)
		_, maintPAT := e.createPAT(t, maint)
		e.tpMember(t, "maint", "MAINTAINER")
		_, runnerToken := e.rnCreateRunner(t, maintPAT, "grp/app")
		e.tpGQL(t, adminPAT, `mutation { pipelineCreate(input: {projectPath: "grp/app", ref: "main"}) { pipeline { id } errors } }`)
		job := e.rnClaim(t, runnerToken)
		if job.Pipeline.User == nil || job.Pipeline.User.Username != "root" {
			t.Fatalf("claimed %+v, want the admin's pipeline", job.Pipeline)
		}
		inSecret := func() int {
			return count(db.Client.Pipeline.Query().Where(pipeline.ProjectID(secret)).Count(ctx))
		}
		denied := func(t *testing.T) {
			t.Helper()
			before := count(db.Client.AuditEvent.Query().Where(auditevent.Action("trigger.rejected"), auditevent.ProjectID(secret),
				auditevent.ReasonContains("not in the job token allowlist")).Count(ctx))
			wantStatus(t, e.rnTriggerCall(t, "grp/secret", job.JobToken), http.StatusNotFound, `{"message":"404 Not Found"}`)
			if inSecret() != 0 {
				t.Fatal("a refused job token started a pipeline in grp/secret")
			}
			after := count(db.Client.AuditEvent.Query().Where(auditevent.Action("trigger.rejected"), auditevent.ProjectID(secret),
				auditevent.ActorTokenKind("job_token"), auditevent.ReasonContains("not in the job token allowlist")).Count(ctx))
			if after != before+1 {
				t.Errorf("%d denials audited in grp/secret, want %d", after, before+1)
			}
		}

		t.Run("default deny", denied)
		t.Run("own project", func(t *testing.T) { e.rnTriggerWith(t, "grp/app", job.JobToken) })
		t.Run("allowlisted", func(t *testing.T) {
			e.jsAllow(t, adminPAT, "grp/secret", "grp/app")
			id := e.rnTriggerWith(t, "grp/secret", job.JobToken)
			if row := e.rnRow(t, id); row.ProjectID != secret || row.UpstreamID == nil || *row.UpstreamID != job.Pipeline.ID {
				t.Errorf("downstream row = %+v", row)
			}
		})
		t.Run("removed again", func(t *testing.T) {
			wantStatus(t, e.jsSend(t, http.MethodDelete, adminPAT, jsURL("grp/secret")+"/"+strconv.Itoa(e.project.ID), ""), http.StatusNoContent, "")
			before := inSecret()
			wantStatus(t, e.rnTriggerCall(t, "grp/secret", job.JobToken), http.StatusNotFound, `{"message":"404 Not Found"}`)
			if inSecret() != before {
				t.Fatal("a removed project's job token started a pipeline")
			}
		})
	})
}

func TestJobTokenAllowlistREST(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newTPEnv(t, db)
		e.tpGQL(t, e.pat, `mutation { projectCreate(input: {name: "lib", path: "grp/lib"}) { project { id } errors } }`)
		app, lib := e.project.ID, e.jsID(t, "grp/lib")
		pats := map[string]string{}
		for _, level := range []string{"MAINTAINER", "DEVELOPER", "REPORTER", ""} {
			name := strings.ToLower(level)
			if name == "" {
				name = "outsider"
			}
			_, pats[name] = e.createPAT(t, e.createUser(t, name, false))
			if level != "" {
				e.tpMember(t, name, level)
			}
		}
		e.tpGQL(t, pats["outsider"], `mutation { projectCreate(input: {name: "h", path: "out/hidden"}) { project { id } errors } }`)
		hidden := e.jsID(t, "out/hidden")
		list := jsURL("grp/app")

		t.Run("lists the project itself", func(t *testing.T) {
			res := e.jsSend(t, http.MethodGet, pats["maintainer"], jsURL(strconv.Itoa(app)), "")
			wantStatus(t, res, http.StatusOK, "")
			if !strings.HasPrefix(res.body, fmt.Sprintf(`[{"id":%d,"description":"","name":"app","path":"app","path_with_namespace":"grp/app","created_at":"`, app)) ||
				res.header.Get("X-Total") != "1" {
				t.Errorf("GET = %s (X-Total %q)", res.body, res.header.Get("X-Total"))
			}
		})

		rows, audits := e.jsEntries(t)
		refusals := []struct {
			name, method, pat, path, body string
			status                        int
			want                          string
		}{
			{"anonymous", http.MethodGet, "", list, "", 401, `{"message":"401 Unauthorized"}`},
			{"developer lists", http.MethodGet, pats["developer"], list, "", 403, `{"message":"403 Forbidden"}`},
			{"reporter adds", http.MethodPost, pats["reporter"], list, fmt.Sprintf(`{"target_project_id":%d}`, lib), 403, `{"message":"403 Forbidden"}`},
			{"developer's bad input", http.MethodPost, pats["developer"], list, `{"target_project_id":"x"}`, 403, `{"message":"403 Forbidden"}`},
			{"outsider lists", http.MethodGet, pats["outsider"], list, "", 404, `{"message":"404 Project Not Found"}`},
			{"outsider removes", http.MethodDelete, pats["outsider"], list + "/" + strconv.Itoa(lib), "", 404, `{"message":"404 Project Not Found"}`},
			{"unknown project", http.MethodGet, e.pat, jsURL("grp/nope"), "", 404, `{"message":"404 Project Not Found"}`},
			{"target missing", http.MethodPost, e.pat, list, `{}`, 400, `{"error":"target_project_id is missing"}`},
			{"target not numeric", http.MethodPost, e.pat, list, `{"target_project_id":"grp/lib"}`, 400, `{"error":"target_project_id is invalid"}`},
			{"target negative", http.MethodPost, e.pat, list, `{"target_project_id":-1}`, 400, `{"error":"target_project_id is invalid"}`},
			{"malformed body", http.MethodPost, e.pat, list, `{"target_project_id":`, 400, ""},
			{"unknown target", http.MethodPost, e.pat, list, `{"target_project_id":999999}`, 404, `{"message":"404 Project Not Found"}`},
			{"hidden target", http.MethodPost, e.pat, list, fmt.Sprintf(`{"target_project_id":%d}`, hidden), 404, `{"message":"404 Project Not Found"}`},
			{"target the viewer cannot see", http.MethodPost, pats["maintainer"], list, fmt.Sprintf(`{"target_project_id":%d}`, lib), 404, `{"message":"404 Project Not Found"}`},
			{"itself", http.MethodPost, e.pat, list, fmt.Sprintf(`{"target_project_id":%d}`, app), 400,
				`{"error":"target project can't be the same as the project: its own job tokens are always allowed"}`},
			{"remove what is not there", http.MethodDelete, e.pat, list + "/" + strconv.Itoa(lib), "", 400,
				`{"message":"400 Bad request - target project is not in the job token allowlist of grp/app"}`},
			{"remove a bad ID", http.MethodDelete, e.pat, list + "/abc", "", 400, `{"error":"target_project_id is invalid"}`},
		}
		for _, tc := range refusals {
			t.Run(tc.name, func(t *testing.T) {
				res := e.jsSend(t, tc.method, tc.pat, tc.path, tc.body)
				wantStatus(t, res, tc.status, tc.want)
				if !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
					t.Errorf("Content-Type = %q", res.header.Get("Content-Type"))
				}
			})
		}
		if r, a := e.jsEntries(t); r != rows || a != audits {
			t.Fatalf("refusals wrote %d rows and %d audit entries", r-rows, a-audits)
		}

		t.Run("add, list, refuse a duplicate, remove", func(t *testing.T) {
			wantStatus(t, e.send(t, http.MethodPost, list, url.Values{"target_project_id": {strconv.Itoa(lib)}}.Encode(),
				map[string]string{"PRIVATE-TOKEN": e.pat, "Content-Type": "application/x-www-form-urlencoded"}),
				http.StatusCreated, fmt.Sprintf(`{"source_project_id":%d,"target_project_id":%d}`, app, lib))
			wantStatus(t, e.jsSend(t, http.MethodPost, e.pat, list, fmt.Sprintf(`{"target_project_id":%d}`, lib)), http.StatusBadRequest,
				`{"message":"400 Bad request - target project grp/lib is already in the job token allowlist"}`)
			res := e.jsSend(t, http.MethodGet, e.pat, list+"?per_page=1&page=2", "")
			wantStatus(t, res, http.StatusOK, "")
			if !strings.HasPrefix(res.body, fmt.Sprintf(`[{"id":%d,"description":"","name":"lib","path":"lib","path_with_namespace":"grp/lib"`, lib)) ||
				res.header.Get("X-Total") != "2" || !strings.HasSuffix(strings.TrimSpace(res.body), `"default_branch":"main","web_url":"`+e.srv.URL+`/grp/lib"}]`) {
				t.Errorf("GET page 2 = %s (X-Total %q)", res.body, res.header.Get("X-Total"))
			}
			wantStatus(t, e.jsSend(t, http.MethodDelete, pats["developer"], list+"/"+strconv.Itoa(lib), ""), http.StatusForbidden, `{"message":"403 Forbidden"}`)
			wantStatus(t, e.jsSend(t, http.MethodDelete, e.pat, list+"/"+strconv.Itoa(lib), ""), http.StatusNoContent, "")
			if r, a := e.jsEntries(t); r != rows || a != audits+2 {
				t.Errorf("after add and remove: %d rows, %d audit entries (want %d, %d)", r, a, rows, audits+2)
			}
			for _, action := range []string{"job_token_scope.added", "job_token_scope.removed"} {
				n := count(db.Client.AuditEvent.Query().Where(auditevent.Action(action), auditevent.ProjectID(app),
					auditevent.TargetType("Project"), auditevent.TargetID(lib), auditevent.ActorUserID(e.owner.ID)).Count(context.Background()))
				if n != 1 {
					t.Errorf("%d %s entries", n, action)
				}
			}
		})
	})
}

func TestJobTokenAllowlistGraphQL(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newTPEnv(t, db)
		e.tpGQL(t, e.pat, `mutation { projectCreate(input: {name: "lib", path: "grp/lib"}) { project { id } errors } }`)
		_, devPAT := e.createPAT(t, e.createUser(t, "dev", false))
		e.tpMember(t, "dev", "DEVELOPER")
		const scope = `ciJobTokenScope { inboundAllowlist(first: 10) { totalCount nodes { fullPath } } }`
		mutation := func(name, target string) string {
			return fmt.Sprintf(`mutation { %s(input: {projectPath: "grp/app", targetProjectPath: %q}) { %s errors } }`, name, target, scope)
		}
		const add, remove = "ciJobTokenScopeAddProject", "ciJobTokenScopeRemoveProject"

		data := e.tpGQL(t, e.pat, `{ project(fullPath: "grp/app") { `+scope+` } }`)
		if want := `{"project":{"ciJobTokenScope":{"inboundAllowlist":{"totalCount":1,"nodes":[{"fullPath":"grp/app"}]}}}}`; string(data) != want {
			t.Errorf("scope = %s, want %s", data, want)
		}
		data = e.tpGQL(t, e.pat, mutation(add, "grp/lib"))
		if !strings.Contains(string(data), `"totalCount":2,"nodes":[{"fullPath":"grp/app"},{"fullPath":"grp/lib"}]`) {
			t.Errorf("%s = %s", add, data)
		}
		rows, audits := e.jsEntries(t)
		for _, tc := range []struct{ name, pat, query, want string }{
			{"duplicate", e.pat, mutation(add, "grp/lib"), "target project grp/lib is already in the job token allowlist"},
			{"itself", e.pat, mutation(add, "grp/app"), "target project can't be the same as the project"},
			{"unknown target", e.pat, mutation(add, "grp/nope"), `NOT_FOUND: project "grp/nope" not found`},
			{"developer adds", devPAT, mutation(add, "grp/lib"), "FORBIDDEN: you need at least the MAINTAINER role"},
			{"developer removes", devPAT, mutation(remove, "grp/lib"), "FORBIDDEN: you need at least the MAINTAINER role"},
			{"not on the list", e.pat, mutation(remove, "grp/nope"), "target project is not in the job token allowlist of grp/app"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, errs := e.tpGQLErrors(t, tc.pat, tc.query)
				if len(errs) != 1 || !strings.Contains(errs[0], tc.want) {
					t.Errorf("errors = %q, want one containing %q", errs, tc.want)
				}
			})
		}
		if r, a := e.jsEntries(t); r != rows || a != audits {
			t.Fatalf("refused mutations wrote %d rows and %d audit entries", r-rows, a-audits)
		}
		// A Developer sees the project but not its scope, as in GitLab.
		if data := e.tpGQL(t, devPAT, `{ project(fullPath: "grp/app") { `+scope+` } }`); string(data) != `{"project":{"ciJobTokenScope":null}}` {
			t.Errorf("developer's scope = %s", data)
		}
		data = e.tpGQL(t, e.pat, mutation(remove, "grp/lib"))
		if !strings.Contains(string(data), `"totalCount":1,"nodes":[{"fullPath":"grp/app"}]`) {
			t.Errorf("%s = %s", remove, data)
		}
	})
}
