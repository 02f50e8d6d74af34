package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/kickoff-ci/kickoff/ent/idempotencykey"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// lossLoad is what the clients of TestBackendTermination saw.
type lossLoad struct {
	requests, failures atomic.Int64 // failures: 5xx, GraphQL errors, transport errors
	mu                 sync.Mutex
	triggered          map[string]int // Idempotency-Key → pipeline id answered
	created            []int          // pipelines pipelineCreate answered
	unanswered         int            // pipelineCreate calls that failed: they may or may not have created one
}

// TestBackendTermination (issue 8, finding 8): while every PostgreSQL
// backend of the test database is terminated every second, at most 1 in
// 1,000 requests fails, every acknowledged pipeline is stored and none is
// stored twice. Trigger clients retry a failed call with its Idempotency-Key,
// as a careful client would.
func TestBackendTermination(t *testing.T) {
	if os.Getenv(dbtest.PostgresURLEnv) == "" {
		t.Skipf("needs PostgreSQL: set %s", dbtest.PostgresURLEnv)
	}
	const clients, duration = 8, 10 * time.Second
	db := dbtest.Open(t, dialect.Postgres)
	var logs syncBuffer // the server's errors, shown if the test fails
	e := newTPEnv(t, db, func(c *testConfig) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelError}))
	})
	defer func() {
		if t.Failed() {
			t.Logf("server errors:\n%s", logs.String())
		}
	}()
	token := e.tpTrigger(t, "")
	load := &lossLoad{triggered: map[string]int{}}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients + 2}}
	defer client.CloseIdleConnections()

	ctx, stop := context.WithTimeout(context.Background(), duration)
	defer stop()
	terminated := make(chan int)
	go func() { terminated <- terminateBackends(ctx, t, db.DataSource()) }()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				load.trigger(t, client, e.tpURL(), token, fmt.Sprintf("c%d-%d", c, i))
			}
		})
	}
	wg.Go(func() {
		for ctx.Err() == nil {
			load.graphQL(t, client, e)
		}
	})
	wg.Wait()
	kills := <-terminated

	lost, duplicated := load.check(t, e)
	requests, failures := load.requests.Load(), load.failures.Load()
	t.Logf("%d requests, %d failed, %d backends terminated; %d trigger keys, %d GraphQL pipelines acknowledged (%d calls unanswered); %d lost, %d duplicated",
		requests, failures, kills, len(load.triggered), len(load.created), load.unanswered, lost, duplicated)
	if failures*1000 > requests {
		t.Errorf("%d of %d requests failed, want at most 1 in 1,000", failures, requests)
	}
	if kills == 0 {
		t.Error("no backend was terminated: the test tested nothing")
	}
	if lost+duplicated > 0 {
		t.Errorf("%d acknowledged pipelines lost, %d duplicated", lost, duplicated)
	}
}

// TestLostCommit: a pipeline created by GraphQL or by a trigger call whose
// COMMIT loses its connection, before or after reaching the server, is
// answered as created and stored once. When the retry loses its COMMIT too,
// the answer is an internal error and nothing is stored.
func TestLostCommit(t *testing.T) {
	if os.Getenv(dbtest.PostgresURLEnv) == "" {
		t.Skipf("needs PostgreSQL: set %s", dbtest.PostgresURLEnv)
	}
	for _, c := range []struct {
		api       string
		delivered bool
		breaks    int // COMMITs to break
		pipelines int
	}{
		{api: "graphql", breaks: 1, pipelines: 1},
		{api: "graphql", delivered: true, breaks: 1, pipelines: 1},
		{api: "trigger", breaks: 1, pipelines: 1},
		{api: "trigger", delivered: true, breaks: 1, pipelines: 1},
		{api: "graphql", breaks: 2},
		{api: "trigger", breaks: 2},
	} {
		t.Run(fmt.Sprintf("%s/delivered=%v/breaks=%d", c.api, c.delivered, c.breaks), func(t *testing.T) {
			t.Parallel()
			direct := dbtest.Open(t, dialect.Postgres)
			f := dbtest.NewFault(t, direct.DataSource(), "COMMIT\x00", c.delivered)
			db, err := database.Open(context.Background(), database.Config{URL: f.URL})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			e := newTPEnv(t, db)
			token := e.tpTrigger(t, "")
			f.Arm(c.breaks)
			ok := c.pipelines > 0
			if c.api == "graphql" {
				_, errs := e.tpGQLErrors(t, e.pat, `mutation { pipelineCreate(input: {projectPath: "grp/app", ref: "main"}) { pipeline { id } errors } }`)
				if want := []string{"INTERNAL_SERVER_ERROR: internal error"}; ok && len(errs) > 0 || !ok && !slices.Equal(errs, want) {
					t.Errorf("pipelineCreate errors %q", errs)
				}
			} else {
				res := e.tpDo(t, tpCase{body: tpForm("token", token, "ref", "main")})
				if want := map[bool]int{true: http.StatusCreated, false: http.StatusInternalServerError}[ok]; res.status != want {
					t.Errorf("trigger = %d %s, want %d", res.status, res.body, want)
				}
			}
			if n := e.tpPipelineCount(t); n != c.pipelines || f.Tripped() != c.breaks {
				t.Errorf("%d pipelines, %d COMMITs broken; want %d, %d", n, f.Tripped(), c.pipelines, c.breaks)
			}
		})
	}
}

// terminateBackends ends every other backend of the test database once a
// second until ctx is done, through a connection of its own, and returns how
// many it ended. Only this database's backends: other tests share the server.
func terminateBackends(ctx context.Context, t *testing.T, dsn string) int {
	conn, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Errorf("opening the terminating connection: %v", err)
		return 0
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	total := 0
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return total
		case <-tick.C:
		}
		var n int
		err := conn.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n)
		if err != nil && ctx.Err() == nil {
			t.Errorf("terminating backends: %v", err)
		}
		total += n
	}
}

// trigger sends one trigger call with key, retrying it with the same key
// after a failure (at most 3 times, each failure counted), and records the
// pipeline the answer names.
func (l *lossLoad) trigger(t *testing.T, client *http.Client, url, token, key string) {
	for range 3 {
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(tpForm("token", token, "ref", "main")))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Idempotency-Key", key)
		status, body := l.send(client, req)
		var p struct{ ID int }
		if status == http.StatusCreated && json.Unmarshal(body, &p) == nil && p.ID != 0 {
			l.mu.Lock()
			l.triggered[key] = p.ID
			l.mu.Unlock()
			return
		}
		l.failures.Add(1)
		t.Logf("trigger call %s: %d %s", key, status, truncate(string(body)))
	}
}

// graphQL creates a pipeline with a GraphQL mutation, then reads the list.
func (l *lossLoad) graphQL(t *testing.T, client *http.Client, e *tpEnv) {
	var created struct {
		PipelineCreate struct {
			Pipeline struct{ ID string }
		}
	}
	if l.gql(t, client, e, `mutation { pipelineCreate(input: {projectPath: "grp/app", ref: "main"}) { pipeline { id } errors } }`, &created) {
		id := rowID(t, created.PipelineCreate.Pipeline.ID)
		l.mu.Lock()
		l.created = append(l.created, id)
		l.mu.Unlock()
	} else {
		l.mu.Lock()
		l.unanswered++
		l.mu.Unlock()
	}
	l.gql(t, client, e, `{ project(fullPath: "grp/app") { pipelines(first: 5) { nodes { id iid status } } } }`, nil)
}

// gql sends a GraphQL operation and reports whether it succeeded, decoding
// its data into v.
func (l *lossLoad) gql(t *testing.T, client *http.Client, e *tpEnv, query string, v any) bool {
	b, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/api/graphql", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("PRIVATE-TOKEN", e.pat)
	status, body := l.send(client, req)
	var res struct {
		Data   json.RawMessage
		Errors []json.RawMessage
	}
	if status == http.StatusOK && json.Unmarshal(body, &res) == nil && len(res.Errors) == 0 &&
		(v == nil || json.Unmarshal(res.Data, v) == nil) {
		return true
	}
	l.failures.Add(1)
	t.Logf("GraphQL %s: %d %s", truncate(query), status, truncate(string(body)))
	return false
}

// send counts and sends req; status 0 means no answer.
func (l *lossLoad) send(client *http.Client, req *http.Request) (int, []byte) {
	l.requests.Add(1)
	res, err := client.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, body
}

// check compares the answers with the database: every acknowledged pipeline
// is stored (lost counts those that are not), each Idempotency-Key has one
// pipeline, and there are no more pipelines than calls that may have
// created one (duplicated counts the excess).
func (l *lossLoad) check(t *testing.T, e *tpEnv) (lost, duplicated int) {
	ctx := context.Background()
	c := e.db.Client
	for key, id := range l.triggered {
		rec, err := c.IdempotencyKey.Query().Where(idempotencykey.Key(key)).Only(ctx)
		if err != nil || rec.PipelineID != id {
			t.Errorf("key %s answered pipeline %d; stored: %v %v", key, id, rec, err)
			lost++
		}
	}
	for _, id := range l.created {
		if ok, err := c.Pipeline.Query().Where(pipeline.ID(id)).Exist(ctx); err != nil || !ok {
			t.Errorf("pipeline %d was acknowledged but is not stored (%v)", id, err)
			lost++
		}
	}
	triggered, err := c.Pipeline.Query().Where(pipeline.SourceEQ(pipeline.SourceTrigger)).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := c.IdempotencyKey.Query().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	created, err := c.Pipeline.Query().Where(pipeline.SourceNEQ(pipeline.SourceTrigger)).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A key whose every attempt failed may still have its pipeline, once.
	duplicated = max(0, triggered-keys) + max(0, created-len(l.created)-l.unanswered)
	return lost, duplicated
}
