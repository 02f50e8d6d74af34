package server_test

// Long polling and concurrent claims.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

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
			e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { pipelineCancel(input: {id: "gid://kickoff/Pipeline/%d"}) { errors } }`, id))
			got := make(chan response, 1)
			go func() { got <- e.rnRequest(t, token, `{"wait_seconds": 30}`) }()
			time.Sleep(300 * time.Millisecond)
			e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { pipelineRetry(input: {id: "gid://kickoff/Pipeline/%d"}) { errors } }`, id))
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
