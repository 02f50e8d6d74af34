package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// tpAnswer is one concurrent call's outcome.
type tpAnswer struct {
	status   int
	id, iid  int
	replayed string
	// retryAfter is the Retry-After header.
	retryAfter string
	body       string
	err        error
}

// tpConcurrently sends n trigger calls at once (released together) and
// returns their answers.
func (e *tpEnv) tpConcurrently(t *testing.T, n int, body func(i int) string, header http.Header) []tpAnswer {
	t.Helper()
	return tpConcurrentlyAt(t, []string{e.tpURL()}, n, body, header)
}

// tpConcurrentlyAt is tpConcurrently sending call i to urls[i%len(urls)].
func tpConcurrentlyAt(t *testing.T, urls []string, n int, body func(i int) string, header http.Header) []tpAnswer {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	defer client.CloseIdleConnections()
	answers := make([]tpAnswer, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, err := http.NewRequest(http.MethodPost, urls[i%len(urls)], strings.NewReader(body(i)))
			if err != nil {
				answers[i].err = err
				return
			}
			req.Header = header.Clone()
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			<-start
			res, err := client.Do(req)
			if err != nil {
				answers[i].err = err
				return
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			var p struct{ ID, IID int }
			_ = json.Unmarshal(b, &p)
			answers[i] = tpAnswer{
				status: res.StatusCode, id: p.ID, iid: p.IID, body: string(b),
				replayed: res.Header.Get("Idempotent-Replayed"), retryAfter: res.Header.Get("Retry-After"),
			}
		})
	}
	close(start)
	wg.Wait()
	return answers
}

// TestTriggerPipelineConcurrentIIDs: 64 triggers at once on one project get
// 64 pipelines numbered exactly 1..64.
func TestTriggerPipelineConcurrentIIDs(t *testing.T) {
	const n = 64
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newTPEnv(t, db)
		token := e.tpTrigger(t, "")
		answers := e.tpConcurrently(t, n, func(int) string { return tpForm("token", token, "ref", "main") }, http.Header{})
		var iids []int
		for i, a := range answers {
			if a.err != nil || a.status != http.StatusCreated {
				t.Fatalf("call %d = %d %s %v", i, a.status, truncate(a.body), a.err)
			}
			iids = append(iids, a.iid)
		}
		rows, err := db.Client.Pipeline.Query().Where(pipeline.ProjectID(e.project.ID)).Order(pipeline.ByIid()).All(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var stored []int
		for _, p := range rows {
			stored = append(stored, p.Iid)
		}
		slices.Sort(iids)
		want := make([]int, n)
		for i := range want {
			want[i] = i + 1
		}
		if !slices.Equal(iids, want) || !slices.Equal(stored, want) {
			t.Fatalf("answered iids %v, stored %v; want 1..%d once each", iids, stored, n)
		}
	})
}

// TestTriggerPipelineIdempotencyKey: concurrent retries with one
// Idempotency-Key create one pipeline; every answer names it.
func TestTriggerPipelineIdempotencyKey(t *testing.T) {
	const n = 20
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newTPEnv(t, db)
		token, other := e.tpTrigger(t, ""), e.tpTrigger(t, "")
		key := http.Header{"Idempotency-Key": {"deploy-2024-05-01"}}
		body := func(int) string { return tpForm("token", token, "ref", "main", "variables[RUN]", "1") }

		answers := e.tpConcurrently(t, n, body, key)
		replays := 0
		for i, a := range answers {
			if a.err != nil || a.status != http.StatusCreated || a.id != answers[0].id || a.id == 0 {
				t.Fatalf("call %d = %d %s %v, want 201 with pipeline %d", i, a.status, truncate(a.body), a.err, answers[0].id)
			}
			switch a.replayed {
			case "true":
				replays++
			case "":
			default:
				t.Errorf("Idempotent-Replayed: %q", a.replayed)
			}
		}
		if replays != n-1 {
			t.Errorf("%d answers with Idempotent-Replayed: true, want %d", replays, n-1)
		}
		if c := e.tpPipelineCount(t); c != 1 {
			t.Fatalf("%d pipelines after %d retries with one key, want 1", c, n)
		}
		e.tpCheckPipeline(t, answers[0].body, tpWant{ref: "main", trigger: token, vars: map[string]string{"RUN": "1"}})

		// A later retry still replays it; the replayed entity is the same.
		res := e.tpDo(t, tpCase{body: body(0), headers: map[string]string{"Idempotency-Key": "deploy-2024-05-01"}})
		if res.status != 201 || res.header.Get("Idempotent-Replayed") != "true" || res.body != answers[0].body {
			t.Errorf("later retry = %d %q %s\nwant 201 replayed %s", res.status, res.header.Get("Idempotent-Replayed"), res.body, answers[0].body)
		}
		// The key is scoped to the token: another token creates its own pipeline.
		res = e.tpDo(t, tpCase{body: tpForm("token", other, "ref", "main"), headers: map[string]string{"Idempotency-Key": "deploy-2024-05-01"}})
		if res.status != 201 || res.header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("other token = %d %q %s", res.status, res.header.Get("Idempotent-Replayed"), res.body)
		}
		p := e.tpCheckPipeline(t, res.body, tpWant{ref: "main", trigger: other, vars: map[string]string{}})
		if p.ID == answers[0].id {
			t.Error("another token with the same key got the first token's pipeline")
		}
		// Without the key, or with another one, calls create new pipelines.
		for _, h := range []map[string]string{nil, {"Idempotency-Key": "other-key"}} {
			if res := e.tpDo(t, tpCase{body: body(0), headers: h}); res.status != 201 || res.header.Get("Idempotent-Replayed") != "" {
				t.Errorf("headers %v = %d %q", h, res.status, res.header.Get("Idempotent-Replayed"))
			}
		}
		if c := e.tpPipelineCount(t); c != 4 {
			t.Errorf("%d pipelines, want 4", c)
		}
	})
}

// TestTriggerRateLimitAcrossReplicas: a trigger's rateLimitPerMinute holds
// for all replicas together. Two servers, each with its own services and
// in-memory state, on one database: of 30 concurrent calls alternating
// between them exactly 10 create pipelines, not 10 per replica.
func TestTriggerRateLimitAcrossReplicas(t *testing.T) {
	const limit, calls = 10, 30
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newTPEnv(t, db)
		token := e.tpTrigger(t, fmt.Sprintf("rateLimitPerMinute: %d", limit))
		replica := newAuthEnv(t, db)
		urls := []string{e.tpURL(), tpURLOn(replica.srv.URL, e.project.ID)}

		answers := tpConcurrentlyAt(t, urls, calls, func(int) string { return tpForm("token", token, "ref", "main") }, http.Header{})
		created := 0
		for i, a := range answers {
			switch {
			case a.err != nil:
				t.Fatalf("call %d: %v", i, a.err)
			case a.status == http.StatusCreated:
				created++
			case a.status != http.StatusTooManyRequests || strings.TrimSpace(a.body) != tpRateLimited:
				t.Errorf("call %d = %d %s, want 201 or 429", i, a.status, truncate(a.body))
			default:
				if s, err := strconv.Atoi(a.retryAfter); err != nil || s < 1 || s > 60 {
					t.Errorf("call %d: Retry-After %q, want 1..60 seconds", i, a.retryAfter)
				}
			}
		}
		if created != limit {
			t.Errorf("%d calls answered 201, want %d", created, limit)
		}
		if n := e.tpPipelineCount(t); n != limit {
			t.Errorf("%d pipelines across both replicas, want %d", n, limit)
		}
	})
}
