package server_test

// Claiming pipelines: order, scope and refused requests.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/ent/runner"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/tokens"
	"github.com/kickoff-ci/kickoff/internal/tokens/tokenstest"
)

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
