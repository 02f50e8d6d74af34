package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// waitAnswer is a trigger call's answer and when it arrived.
type waitAnswer struct {
	response
	at  time.Time
	err error
}

// triggerAsync posts a trigger call in the background (the test goroutine
// meanwhile moves the pipeline on) and delivers its answer.
func triggerAsync(target, contentType, body string) <-chan waitAnswer {
	out := make(chan waitAnswer, 1)
	go func() {
		res, err := http.Post(target, contentType, strings.NewReader(body))
		if err != nil {
			out <- waitAnswer{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		out <- waitAnswer{response: response{res.StatusCode, res.Header, string(b)}, at: time.Now(), err: err}
	}()
	return out
}

// awaitAnswer returns the answer, failing the test after a minute.
func awaitAnswer(t *testing.T, c <-chan waitAnswer) waitAnswer {
	t.Helper()
	select {
	case a := <-c:
		if a.err != nil {
			t.Fatal(a.err)
		}
		return a
	case <-time.After(time.Minute):
		t.Fatal("the trigger call with wait did not answer within a minute")
	}
	return waitAnswer{}
}

// finishWhenCreated claims, through the replica via, the pipeline the
// pending call created and reports it running, then status: what a runner
// does. It returns when the final report was acknowledged.
func finishWhenCreated(t *testing.T, via *authEnv, runnerToken, status string) time.Time {
	t.Helper()
	res := via.send(t, http.MethodPost, "/api/v1/runner/jobs/request", `{"wait_seconds": 30}`,
		map[string]string{"Authorization": "Bearer " + runnerToken, "Content-Type": "application/json"})
	wantStatus(t, res, http.StatusCreated, "")
	var job rnJob
	if err := json.Unmarshal([]byte(res.body), &job); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"running", status} {
		res := via.send(t, http.MethodPut, fmt.Sprintf("/api/v1/runner/pipelines/%d", job.Pipeline.ID),
			fmt.Sprintf(`{"status": %q}`, s), map[string]string{"Authorization": "Bearer " + job.JobToken, "Content-Type": "application/json"})
		wantStatus(t, res, http.StatusOK, "")
	}
	return time.Now()
}

func wantFinal(t *testing.T, a waitAnswer, status int, final, pipelineStatus string) {
	t.Helper()
	var p tpJSON
	if err := json.Unmarshal([]byte(a.body), &p); err != nil {
		t.Fatalf("answer %d %s: %v", a.status, a.body, err)
	}
	if a.status != status || a.header.Get("X-Kickoff-Pipeline-Final") != final || p.Status != pipelineStatus {
		t.Fatalf("answer %d final=%q status %q, want %d final=%s %s: %s",
			a.status, a.header.Get("X-Kickoff-Pipeline-Final"), p.Status, status, final, pipelineStatus, a.body)
	}
}

// TestTriggerWait: with wait, a trigger call is answered once its pipeline
// finishes (X-Kickoff-Pipeline-Final: true), within a second of the runner's
// final report, or with the pipeline as it is when the wait is over (false).
// Every trigger form takes it; a bad wait is refused before anything is
// written.
func TestTriggerWait(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newSubEnv(t, db)
		_, runnerToken := e.rnCreateRunner(t, e.pat, "grp/app")
		token := e.tpTrigger(t, "")
		form := "application/x-www-form-urlencoded"

		t.Run("finished while waiting", func(t *testing.T) {
			for _, tc := range []struct {
				name, target, contentType, body string
				status                          int
			}{
				{"GitLab form", e.tpURL(), form, url.Values{"token": {token}, "ref": {"main"}, "wait": {"30"}}.Encode(), http.StatusCreated},
				{"GitLab form, JSON", e.tpURL(), "application/json", fmt.Sprintf(`{"token":%q,"ref":"main","wait":30}`, token), http.StatusCreated},
				{"one-URL, query", e.srv.URL + "/api/trigger/" + token + "?wait=30", "", "", http.StatusOK},
				{"webhook form, query", fmt.Sprintf("%s/api/v4/projects/%d/ref/main/trigger/pipeline?token=%s&wait=30", e.srv.URL, e.project.ID, token),
					"application/json", `{"event":"push"}`, http.StatusCreated},
			} {
				t.Run(tc.name, func(t *testing.T) {
					answer := triggerAsync(tc.target, tc.contentType, tc.body)
					finished := finishWhenCreated(t, e.authEnv, runnerToken, "failed")
					a := awaitAnswer(t, answer)
					wantFinal(t, a, tc.status, "true", "failed")
					if late := a.at.Sub(finished); late > time.Second {
						t.Errorf("answered %v after the pipeline finished, want within 1s", late)
					}
				})
			}
		})

		t.Run("the wait ends first", func(t *testing.T) {
			a := awaitAnswer(t, triggerAsync(e.tpURL(), form, url.Values{"token": {token}, "ref": {"main"}, "wait": {"1"}}.Encode()))
			wantFinal(t, a, http.StatusCreated, "false", "created")
		})

		t.Run("wait 0 answers at once", func(t *testing.T) {
			a := awaitAnswer(t, triggerAsync(e.tpURL(), form, url.Values{"token": {token}, "ref": {"main"}, "wait": {"0"}}.Encode()))
			wantFinal(t, a, http.StatusCreated, "false", "created")
		})

		t.Run("without wait there is no final header", func(t *testing.T) {
			a := awaitAnswer(t, triggerAsync(e.tpURL(), form, url.Values{"token": {token}, "ref": {"main"}}.Encode()))
			if a.status != http.StatusCreated || a.header.Values("X-Kickoff-Pipeline-Final") != nil {
				t.Fatalf("answer %d %v", a.status, a.header)
			}
		})

		t.Run("a webhook payload's own wait is payload", func(t *testing.T) {
			target := fmt.Sprintf("%s/api/v4/projects/%d/ref/main/trigger/pipeline?token=%s", e.srv.URL, e.project.ID, token)
			a := awaitAnswer(t, triggerAsync(target, "application/json", `{"wait":"forever"}`))
			var p tpJSON
			if err := json.Unmarshal([]byte(a.body), &p); err != nil || a.status != http.StatusCreated || a.header.Values("X-Kickoff-Pipeline-Final") != nil {
				t.Fatalf("answer %d %s", a.status, a.body)
			}
			vars := e.rnRow(t, p.ID).QueryVariables().AllX(t.Context())
			if len(vars) != 1 || vars[0].Key != "TRIGGER_PAYLOAD" || vars[0].Value != `{"wait":"forever"}` {
				t.Fatalf("variables %+v, want the payload as sent", vars)
			}
		})

		t.Run("the query's wait is not payload", func(t *testing.T) {
			target := fmt.Sprintf("%s/api/v4/projects/%d/ref/main/trigger/pipeline?token=%s&wait=0", e.srv.URL, e.project.ID, token)
			a := awaitAnswer(t, triggerAsync(target, "application/json", `{"event":"push"}`))
			var p tpJSON
			if err := json.Unmarshal([]byte(a.body), &p); err != nil || a.status != http.StatusCreated {
				t.Fatalf("answer %d %s", a.status, a.body)
			}
			vars := e.rnRow(t, p.ID).QueryVariables().AllX(t.Context())
			if len(vars) != 1 || vars[0].Value != `{"event":"push"}` {
				t.Fatalf("variables %+v, want only the body as TRIGGER_PAYLOAD", vars)
			}
		})

		t.Run("bad waits write nothing", func(t *testing.T) {
			before, audits := e.tpPipelineCount(t), e.rnAuditTotal(t)
			for _, tc := range []struct{ wait, body string }{
				{"abc", `{"error":"wait is invalid"}`},
				{"1.5", `{"error":"wait is invalid"}`},
				{"", `{"error":"wait is invalid"}`},
				{"99999999999999999999", `{"error":"wait is invalid"}`},
				{"-1", `{"error":"wait does not have a valid value (0 to 600 seconds)"}`},
				{"601", `{"error":"wait does not have a valid value (0 to 600 seconds)"}`},
			} {
				a := awaitAnswer(t, triggerAsync(e.tpURL(), form, url.Values{"token": {token}, "ref": {"main"}, "wait": {tc.wait}}.Encode()))
				if a.status != http.StatusBadRequest || strings.TrimSpace(a.body) != tc.body {
					t.Errorf("wait=%q: %d %s, want 400 %s", tc.wait, a.status, a.body, tc.body)
				}
				a = awaitAnswer(t, triggerAsync(e.srv.URL+"/api/trigger/"+token+"?wait="+url.QueryEscape(tc.wait), "", ""))
				if a.status != http.StatusBadRequest || strings.TrimSpace(a.body) != tc.body {
					t.Errorf("one-URL wait=%q: %d %s, want 400 %s", tc.wait, a.status, a.body, tc.body)
				}
			}
			if n, m := e.tpPipelineCount(t), e.rnAuditTotal(t); n != before || m != audits {
				t.Fatalf("pipelines %d → %d, audit events %d → %d: bad waits wrote something", before, n, audits, m)
			}
		})
	})
}

// TestTriggerWaitAcrossReplicas: a caller waiting on replica A is answered
// when the pipeline finishes through replica B on the same PostgreSQL.
func TestTriggerWaitAcrossReplicas(t *testing.T) {
	if !hasPostgres() {
		t.Skip("needs " + dbtest.PostgresURLEnv)
	}
	db := dbtest.Open(t, dialect.Postgres)
	a := newSubEnv(t, db)
	b := newAuthEnv(t, db, withEventBus(t, db))
	_, runnerToken := a.rnCreateRunner(t, a.pat, "grp/app")
	token := a.tpTrigger(t, "")
	answer := triggerAsync(a.tpURL(), "application/x-www-form-urlencoded",
		url.Values{"token": {token}, "ref": {"main"}, "wait": {"30"}}.Encode())
	finished := finishWhenCreated(t, b, runnerToken, "success")
	got := awaitAnswer(t, answer)
	wantFinal(t, got, http.StatusCreated, "true", "success")
	if late := got.at.Sub(finished); late > time.Second {
		t.Errorf("answered %v after the pipeline finished through the other replica, want within 1s", late)
	}
}
