package server_test

// Who may create and delete runners.

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/ent/runner"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/tokens"
)

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
