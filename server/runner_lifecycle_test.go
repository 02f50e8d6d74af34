package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/tokens"
	"github.com/kickoff-ci/kickoff/internal/tokens/tokenstest"
)

func TestRunnerStatusUpdates(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		_, runnerToken := e.rnCreateRunner(t, e.pat, "grp/app")
		first := e.rnTrigger(t, "grp/app")
		second := e.rnTrigger(t, "grp/app")
		job := e.rnClaim(t, runnerToken)
		other := e.rnClaim(t, runnerToken)
		if job.Pipeline.ID != first || other.Pipeline.ID != second {
			t.Fatal("claims out of order")
		}
		unknown, _ := tokens.New(tokens.Job)
		before := e.rnRow(t, first)
		audits := e.rnAuditTotal(t)
		refused := []struct {
			name, token, body string
			status            int
			want              string
		}{
			{"no token", "", `{"status":"running"}`, 401, `{"message":"401 Unauthorized"}`},
			{"unknown job token", unknown, `{"status":"running"}`, 401, `{"message":"401 Unauthorized"}`},
			{"runner token", runnerToken, `{"status":"running"}`, 401, `{"message":"401 Unauthorized"}`},
			{"another pipeline's job token", other.JobToken, `{"status":"running"}`, 403, `{"message":"403 Forbidden"}`},
			{"no token and a bad body", "", `{`, 401, `{"message":"401 Unauthorized"}`},
			{"bad JSON", job.JobToken, `{`, 400, ""},
			{"empty body", job.JobToken, ``, 400, `{"error":"status is missing"}`},
			{"unknown status", job.JobToken, `{"status":"exploded"}`, 400, ""},
			{"status created", job.JobToken, `{"status":"created"}`, 400, ""},
			{"status canceled", job.JobToken, `{"status":"canceled"}`, 400, ""},
			{"status not a string", job.JobToken, `{"status":1}`, 400, `{"error":"status is invalid"}`},
			{"failure_reason without failed", job.JobToken, `{"status":"running","failure_reason":"x"}`, 400, ""},
			{"failure_reason too long", job.JobToken, `{"status":"failed","failure_reason":"` + strings.Repeat("x", 256) + `"}`, 400, ""},
			{"failure_reason with NUL", job.JobToken, `{"status":"failed","failure_reason":"a\u0000b"}`, 400, ""},
			{"pending to success", job.JobToken, `{"status":"success"}`, 409, `{"message":"a pending pipeline cannot become success"}`},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				res := e.rnUpdate(t, first, tc.token, tc.body)
				wantStatus(t, res, tc.status, tc.want)
				if tc.status == 400 && !strings.Contains(res.body, `"error"`) {
					t.Errorf("400 body %s lacks error", res.body)
				}
			})
		}
		wantStatus(t, e.rnUpdate(t, 0, job.JobToken, `{"status":"running"}`), http.StatusNotFound, "")
		wantStatus(t, e.send(t, http.MethodPut, "/api/v1/runner/pipelines/x", `{}`, nil), http.StatusNotFound, "")
		if after := e.rnRow(t, first); !after.UpdatedAt.Equal(before.UpdatedAt) || after.Status != "pending" || e.rnAuditTotal(t) != audits {
			t.Fatalf("refused updates wrote something: %+v", after)
		}

		var p tpJSON
		res := e.rnUpdate(t, first, job.JobToken, `{"status":"running"}`)
		if res.status != http.StatusOK || json.Unmarshal([]byte(res.body), &p) != nil || p.Status != "running" || !strings.Contains(res.body, `"started_at":"`) {
			t.Fatalf("pending→running = %d %s", res.status, res.body)
		}
		started := e.rnRow(t, first).StartedAt
		wantStatus(t, e.rnUpdate(t, first, job.JobToken, `{"status":"running"}`), http.StatusOK, "") // heartbeat
		if row := e.rnRow(t, first); row.StartedAt == nil || !row.StartedAt.Equal(*started) {
			t.Error("a heartbeat moved started_at")
		}
		res = e.rnUpdate(t, first, job.JobToken, `{"status":"success"}`)
		if res.status != http.StatusOK || !strings.Contains(res.body, `"status":"success"`) || !strings.Contains(res.body, `"finished_at":"`) || !strings.Contains(res.body, `"duration":`) {
			t.Fatalf("running→success = %d %s", res.status, res.body)
		}
		wantStatus(t, e.rnUpdate(t, first, job.JobToken, `{"status":"running"}`), http.StatusConflict, `{"message":"the pipeline has already finished (success)"}`)
		wantStatus(t, e.rnUpdate(t, first, job.JobToken, `{"status":"failed"}`), http.StatusConflict, "")

		res = e.rnUpdate(t, second, other.JobToken, `{"status":"failed","failure_reason":"script_failure"}`)
		if res.status != http.StatusOK {
			t.Fatalf("pending→failed = %d %s", res.status, res.body)
		}
		if row := e.rnRow(t, second); row.Status != "failed" || row.FailureReason == nil || *row.FailureReason != "script_failure" || row.FinishedAt == nil || row.StartedAt != nil {
			t.Errorf("failed row = %+v", row)
		}
		data := e.tpGQL(t, e.pat, fmt.Sprintf(`{ project(fullPath: "grp/app") { pipeline(iid: "%d") { status failureReason startedAt finishedAt } } }`, other.Pipeline.IID))
		if !strings.Contains(string(data), `"status":"FAILED","failureReason":"script_failure","startedAt":null,"finishedAt":"`) {
			t.Errorf("GraphQL pipeline = %s", data)
		}
		// Three moves, three entries, each naming the job token, never the secret.
		events, err := db.Client.AuditEvent.Query().Where(auditevent.Action("pipeline.status_changed"), auditevent.ActorTokenKind("job_token")).All(context.Background())
		if err != nil || len(events) != 3 {
			t.Fatalf("%d job-token pipeline.status_changed entries (%v), want 3", len(events), err)
		}
		for _, ev := range events {
			if len(ev.ActorShortToken) != 4 || strings.Contains(ev.Reason, job.JobToken) {
				t.Errorf("audit entry %+v", ev)
			}
		}
	})
}

func TestPipelineCancelRetry(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		for _, u := range []struct{ name, level string }{{"dev", "DEVELOPER"}, {"rep", "REPORTER"}} {
			e.createUser(t, u.name, false)
			e.tpMember(t, u.name, u.level)
		}
		pats := map[string]string{}
		for _, name := range []string{"dev", "rep"} {
			u, err := db.Client.User.Query().All(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range u {
				if x.Username == name {
					_, pats[name] = e.createPAT(t, x)
				}
			}
		}
		outsider := e.createUser(t, "outsider", false)
		_, pats["outsider"] = e.createPAT(t, outsider)
		_, runnerToken := e.rnCreateRunner(t, e.pat, "grp/app")
		id := e.rnTrigger(t, "grp/app")
		job := e.rnClaim(t, runnerToken)
		wantStatus(t, e.rnUpdate(t, id, job.JobToken, `{"status":"running"}`), http.StatusOK, "")

		cancel := fmt.Sprintf(`mutation { pipelineCancel(input: {id: "gid://kickoff/Pipeline/%d"}) { pipeline { id status finishedAt } errors } }`, id)
		retry := fmt.Sprintf(`mutation { pipelineRetry(input: {id: "gid://kickoff/Pipeline/%d"}) { pipeline { id iid status startedAt finishedAt failureReason variables { key value } } errors } }`, id)
		audits := e.rnAuditTotal(t)
		for _, tc := range []struct{ name, pat, query, code string }{
			{"reporter cancels", pats["rep"], cancel, "FORBIDDEN"},
			{"outsider cancels", pats["outsider"], cancel, "NOT_FOUND"},
			{"reporter retries", pats["rep"], retry, "FORBIDDEN"},
			{"outsider retries", pats["outsider"], retry, "NOT_FOUND"},
			{"unknown pipeline", pats["dev"], `mutation { pipelineCancel(input: {id: "gid://kickoff/Pipeline/99999999"}) { errors } }`, "NOT_FOUND"},
			{"bad ID", pats["dev"], `mutation { pipelineCancel(input: {id: "x"}) { errors } }`, "BAD_USER_INPUT"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, errs := e.tpGQLErrors(t, tc.pat, tc.query)
				if len(errs) != 1 || !strings.HasPrefix(errs[0], tc.code+":") {
					t.Fatalf("errors = %v, want one %s", errs, tc.code)
				}
			})
		}
		res := e.graphQL(t, cancel, nil)
		if !strings.Contains(res.body, "UNAUTHENTICATED") {
			t.Errorf("anonymous cancel = %s", res.body)
		}
		_, errs := e.tpGQLErrors(t, pats["dev"], retry)
		if len(errs) != 1 || !strings.Contains(errs[0], "only failed or canceled pipelines can be retried") {
			t.Fatalf("retrying a running pipeline: %v", errs)
		}
		if row := e.rnRow(t, id); row.Status != "running" || e.rnAuditTotal(t) != audits {
			t.Fatalf("refused mutations wrote: %s", row.Status)
		}

		data := e.tpGQL(t, pats["dev"], cancel)
		if !strings.Contains(string(data), `"status":"CANCELED","finishedAt":"`) {
			t.Fatalf("pipelineCancel = %s", data)
		}
		_, errs = e.tpGQLErrors(t, pats["dev"], cancel)
		if len(errs) != 1 || !strings.Contains(errs[0], "already canceled") {
			t.Fatalf("canceling twice: %v", errs)
		}
		wantStatus(t, e.rnUpdate(t, id, job.JobToken, `{"status":"success"}`), http.StatusConflict, `{"message":"the pipeline has been canceled"}`)
		wantStatus(t, e.rnTriggerCall(t, "grp/app", job.JobToken), http.StatusNotFound, `{"message":"404 Not Found"}`)

		data = e.tpGQL(t, pats["dev"], retry)
		var out struct {
			PipelineRetry struct {
				Pipeline struct {
					ID, Status string
					IID        int
					StartedAt  *string
					FinishedAt *string
					Variables  []struct{ Key string }
				}
			}
		}
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatal(err)
		}
		got := out.PipelineRetry.Pipeline
		if got.ID != globalID("Pipeline", id) || got.IID != job.Pipeline.IID || got.Status != "CREATED" || got.FinishedAt != nil || !strings.Contains(string(data), `"key":"FOO"`) {
			t.Fatalf("pipelineRetry = %s", data)
		}
		row := e.rnRow(t, id)
		cleared := count(db.Client.Pipeline.Query().Where(pipeline.ID(id), pipeline.JobTokenDigestIsNil()).Count(context.Background()))
		if row.RunnerID != nil || row.ClaimedAt != nil || cleared != 1 || row.StartedAt != nil || row.FinishedAt != nil || row.FailureReason != nil {
			t.Fatalf("retried row keeps its run: runner %v claimed %v job token %v started %v finished %v reason %v",
				row.RunnerID, row.ClaimedAt, row.JobTokenDigest, row.StartedAt, row.FinishedAt, row.FailureReason)
		}
		wantStatus(t, e.rnUpdate(t, id, job.JobToken, `{"status":"running"}`), http.StatusUnauthorized, `{"message":"401 Unauthorized"}`)
		again := e.rnClaim(t, runnerToken)
		if again.Pipeline.ID != id || again.JobToken == job.JobToken {
			t.Fatalf("claim after retry = %+v", again)
		}
		wantStatus(t, e.rnUpdate(t, id, again.JobToken, `{"status":"failed"}`), http.StatusOK, "")
		if r := e.rnRow(t, id); r.FailureReason == nil || *r.FailureReason != "unknown_failure" {
			t.Errorf("failure_reason = %v, want unknown_failure", r.FailureReason)
		}
		e.tpGQL(t, pats["dev"], retry) // failed pipelines are retried too
		if c, r := e.rnAudit(t, "pipeline.canceled"), e.rnAudit(t, "pipeline.retried"); c != 1 || r != 2 {
			t.Errorf("audit: %d pipeline.canceled, %d pipeline.retried, want 1 and 2", c, r)
		}
		// A created pipeline can be canceled too, and then claims skip it.
		e.tpGQL(t, pats["dev"], cancel)
		e.rnWantNoJob(t, runnerToken)
	})
}

func TestRunnerStaleClaimsFail(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		ctx := context.Background()
		_, runnerToken := e.rnCreateRunner(t, e.pat, "grp/app")
		var jobs []rnJob
		for range 3 {
			e.rnTrigger(t, "grp/app")
			jobs = append(jobs, e.rnClaim(t, runnerToken))
		}
		waiting := e.rnTrigger(t, "grp/app") // created: not claimed, never stale
		wantStatus(t, e.rnUpdate(t, jobs[1].Pipeline.ID, jobs[1].JobToken, `{"status":"running"}`), http.StatusOK, "")
		old := time.Now().Add(-11 * time.Minute).UTC()
		for _, id := range []int{jobs[0].Pipeline.ID, jobs[1].Pipeline.ID, waiting} {
			if err := db.Client.Pipeline.UpdateOneID(id).SetUpdatedAt(old).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}

		// Two replicas reaping at once fail each stale pipeline once.
		var wg sync.WaitGroup
		counts := make([]int, 2)
		for i := range counts {
			wg.Go(func() {
				n, err := e.set.Pipelines.FailStale(ctx, 10*time.Minute)
				if err != nil {
					t.Error(err)
				}
				counts[i] = n
			})
		}
		wg.Wait()
		if counts[0]+counts[1] != 2 {
			t.Fatalf("FailStale failed %v pipelines, want 2 in all", counts)
		}
		for _, j := range jobs[:2] {
			row := e.rnRow(t, j.Pipeline.ID)
			if row.Status != "failed" || row.FailureReason == nil || *row.FailureReason != "runner_system_failure" || row.FinishedAt == nil {
				t.Errorf("stale pipeline = %+v", row)
			}
			wantStatus(t, e.rnUpdate(t, j.Pipeline.ID, j.JobToken, `{"status":"success"}`), http.StatusConflict, "")
		}
		if row := e.rnRow(t, jobs[2].Pipeline.ID); row.Status != "pending" {
			t.Errorf("a fresh claim was failed: %s", row.Status)
		}
		if row := e.rnRow(t, waiting); row.Status != "created" {
			t.Errorf("a waiting pipeline was failed: %s", row.Status)
		}
		n := count(db.Client.AuditEvent.Query().Where(auditevent.Action("pipeline.status_changed"),
			auditevent.ReasonContains("runner_system_failure")).Count(ctx))
		if n != 2 {
			t.Errorf("%d audit entries for stale pipelines, want 2", n)
		}
		if n, err := e.set.Pipelines.FailStale(ctx, 10*time.Minute); n != 0 || err != nil {
			t.Errorf("second FailStale = %d, %v", n, err)
		}
	})
}

func TestJobTokenTriggersDownstream(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		ctx := context.Background()
		e.rnProject(t, "grp/down")
		// grp/locked belongs to carol; owner is only a Reporter there.
		carol := e.createUser(t, "carol", false)
		_, carolPAT := e.createPAT(t, carol)
		e.tpGQL(t, carolPAT, `mutation { projectCreate(input: {name: "l", path: "grp/locked"}) { project { id } errors } }`)
		e.tpGQL(t, carolPAT, `mutation { projectMemberAdd(input: {projectPath: "grp/locked", username: "owner", accessLevel: REPORTER}) { errors } }`)
		e.tpGQL(t, carolPAT, `mutation { projectCreate(input: {name: "h", path: "grp/hidden"}) { project { id } errors } }`)

		admin := e.createUser(t, "root", true)
		_, adminPAT := e.createPAT(t, admin)
		// Every target lets grp/app's job tokens in, so what is refused
		// below is the user (TestJobTokenAllowlistStopsCrossProjectTriggers
		// covers the allowlist).
		for _, target := range []string{"grp/down", "grp/locked", "grp/hidden"} {
			e.jsAllow(t, adminPAT, target, "grp/app")
		}
		_, runnerToken := e.rnCreateRunner(t, adminPAT, "")
		upstream := e.rnTrigger(t, "grp/app")
		job := e.rnClaim(t, runnerToken)
		if job.Pipeline.ID != upstream {
			t.Fatal("claimed the wrong pipeline")
		}

		pipelines, audits := e.tpPipelineCount(t), e.rnAuditTotal(t)
		unknown, _ := tokens.New(tokens.Job)
		refusals := []struct{ name, project, token string }{
			{"user is only Reporter there", "grp/locked", job.JobToken},
			{"user is no member there", "grp/hidden", job.JobToken},
			{"unknown project", "grp/nope", job.JobToken},
			{"unknown job token", "grp/down", unknown},
			{"bad checksum", "grp/down", tokenstest.BadChecksum(job.JobToken)},
		}
		for _, tc := range refusals {
			t.Run(tc.name, func(t *testing.T) {
				wantStatus(t, e.rnTriggerCall(t, tc.project, tc.token), http.StatusNotFound, `{"message":"404 Not Found"}`)
			})
		}
		wantStatus(t, e.send(t, http.MethodPost, "/api/trigger/"+job.JobToken, "", nil), http.StatusNotFound, `{"message":"404 Not Found"}`)
		if e.tpPipelineCount(t) != pipelines {
			t.Fatal("a refused job-token trigger created a pipeline")
		}
		rejected := count(db.Client.AuditEvent.Query().Where(auditevent.Action("trigger.rejected"), auditevent.ActorTokenKind("job_token")).Count(ctx))
		if rejected != len(refusals)+1 || e.rnAuditTotal(t) != audits+len(refusals)+1 { // + the one-URL form
			t.Errorf("%d job-token trigger.rejected entries, %d new entries in all", rejected, e.rnAuditTotal(t)-audits)
		}

		// Same project and another project both work; the pipeline runs as the upstream's user.
		for _, project := range []string{"grp/down", "grp/app"} {
			res := e.rnTriggerCall(t, project, job.JobToken)
			var p tpJSON
			if res.status != http.StatusCreated || json.Unmarshal([]byte(res.body), &p) != nil || p.Source != "pipeline" || p.User == nil || p.User.Username != "owner" {
				t.Fatalf("job-token trigger in %s = %d %s", project, res.status, res.body)
			}
			row := e.rnRow(t, p.ID)
			if row.UpstreamID == nil || *row.UpstreamID != upstream || row.TriggerID != nil {
				t.Errorf("downstream row = %+v", row)
			}
		}
		downstream, err := db.Client.Pipeline.Query().Where(pipeline.UpstreamID(upstream), pipeline.ProjectIDNEQ(e.project.ID)).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		data := e.tpGQL(t, e.pat, fmt.Sprintf(`{ project(fullPath: "grp/down") { pipeline(iid: "%d") { source upstream { id project { fullPath } } variables { key value } } } }`, downstream.Iid))
		if !strings.Contains(string(data), fmt.Sprintf(`"source":"pipeline","upstream":{"id":"gid://kickoff/Pipeline/%d","project":{"fullPath":"grp/app"}}`, upstream)) ||
			!strings.Contains(string(data), `{"key":"CI_PIPELINE_SOURCE","value":"pipeline"}`) {
			t.Errorf("downstream in GraphQL = %s", data)
		}
		data = e.tpGQL(t, e.pat, fmt.Sprintf(`{ project(fullPath: "grp/app") { pipeline(iid: "%d") { downstream { totalCount nodes { project { fullPath } } } } } }`, job.Pipeline.IID))
		if !strings.Contains(string(data), `"totalCount":2`) || !strings.Contains(string(data), `"fullPath":"grp/down"`) {
			t.Errorf("upstream's downstream = %s", data)
		}
		created := count(db.Client.AuditEvent.Query().Where(auditevent.Action("pipeline.created"), auditevent.ActorTokenKind("job_token")).Count(ctx))
		if created != 2 {
			t.Errorf("%d pipeline.created entries by job token, want 2", created)
		}

		// Once the upstream finishes, its job token starts nothing.
		wantStatus(t, e.rnUpdate(t, upstream, job.JobToken, `{"status":"failed"}`), http.StatusOK, "")
		wantStatus(t, e.rnTriggerCall(t, "grp/down", job.JobToken), http.StatusNotFound, `{"message":"404 Not Found"}`)
	})
}
