package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/coder/websocket"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/events"
	"github.com/kickoff-ci/kickoff/internal/events/eventstest"
	"github.com/kickoff-ci/kickoff/server"
	"github.com/kickoff-ci/kickoff/services"
	"github.com/kickoff-ci/kickoff/services/servicestest"
)

// withEventBus serves with the bus kickoff serve uses on db (LISTEN/NOTIFY
// on PostgreSQL, in-process on SQLite), running for the test's duration.
func withEventBus(t *testing.T, db *database.DB) envOption {
	t.Helper()
	bus := events.New(db, nil)
	if err := bus.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Stop)
	return func(c *testConfig) {
		c.set = servicestest.New(t, db.Client, services.WithEvents(bus))
	}
}

// newSubEnv is a runner environment (owner, PAT, project grp/app) whose
// server publishes pipeline events.
func newSubEnv(t *testing.T, db *database.DB) *rnEnv {
	t.Helper()
	return &rnEnv{newTPEnv(t, db, withEventBus(t, db))}
}

// wsMessage is a graphql-transport-ws message.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// subClient is one graphql-transport-ws connection.
type subClient struct {
	c *websocket.Conn
}

// dialSub opens a socket to the server at baseURL with the headers,
// completes connection_init → connection_ack, and fails the test otherwise.
func dialSub(t *testing.T, baseURL string, h http.Header) *subClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(baseURL, "http")+"/api/graphql",
		&websocket.DialOptions{HTTPHeader: h, Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatalf("websocket upgrade: %v", err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	s := &subClient{c: c}
	s.send(t, wsMessage{Type: "connection_init"})
	if m, err := s.read(); err != nil || m.Type != "connection_ack" {
		t.Fatalf("connection_init answered %+v, %v; want connection_ack", m, err)
	}
	return s
}

func patHeader(pat string) http.Header { return http.Header{"Private-Token": {pat}} }

func (s *subClient) send(t *testing.T, m wsMessage) {
	t.Helper()
	b, _ := json.Marshal(m)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.c.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatalf("websocket write: %v", err)
	}
}

// read returns the next message that is not a keep-alive. The timeout only
// keeps a broken test from hanging; no test relies on it passing.
func (s *subClient) read() (wsMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		_, b, err := s.c.Read(ctx)
		if err != nil {
			return wsMessage{}, err
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return wsMessage{}, fmt.Errorf("decoding %s: %w", b, err)
		}
		if m.Type != "ping" && m.Type != "pong" && m.Type != "ka" {
			return m, nil
		}
	}
}

// subscribe starts pipelineUpdated(projectPath) as operation id.
func (s *subClient) subscribe(t *testing.T, id, projectPath string) {
	t.Helper()
	payload, _ := json.Marshal(map[string]any{
		"query":     `subscription($p: ID!) { pipelineUpdated(projectPath: $p) { id iid status project { fullPath } user { username } } }`,
		"variables": map[string]string{"p": projectPath},
	})
	s.send(t, wsMessage{ID: id, Type: "subscribe", Payload: payload})
}

// subPipeline is what the subscription selects.
type subPipeline struct {
	ID      string
	IID     int `json:"iid"`
	Status  string
	Project struct{ FullPath string }
}

// next reads the next pipeline of operation id, failing on anything else.
func (s *subClient) next(t *testing.T, id string) subPipeline {
	t.Helper()
	m, err := s.read()
	if err != nil {
		t.Fatalf("waiting for a pipeline event: %v", err)
	}
	var body struct {
		Data struct {
			PipelineUpdated *subPipeline `json:"pipelineUpdated"`
		} `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if m.Type != "next" || m.ID != id || json.Unmarshal(m.Payload, &body) != nil || len(body.Errors) > 0 || body.Data.PipelineUpdated == nil {
		t.Fatalf("got %s %s %s, want a next message of %s with a pipeline", m.Type, m.ID, m.Payload, id)
	}
	return *body.Data.PipelineUpdated
}

// wantEvent reads the next event of id and checks its pipeline and status.
func (s *subClient) wantEvent(t *testing.T, id string, pipelineID int, status string) {
	t.Helper()
	p := s.next(t, id)
	if p.ID != globalID("Pipeline", pipelineID) || p.Status != status {
		t.Fatalf("event = %+v, want pipeline %d %s", p, pipelineID, status)
	}
}

// wantRefused reads operation id's answer, checks it is an error with the
// code (graphql-transport-ws sends it as next+complete or as error) and
// returns its message.
func (s *subClient) wantRefused(t *testing.T, id, code string) string {
	t.Helper()
	m, err := s.read()
	if err != nil {
		t.Fatalf("waiting for the refusal: %v", err)
	}
	var errs []struct {
		Message    string
		Extensions struct{ Code string }
	}
	switch m.Type {
	case "next":
		var body struct {
			Data   json.RawMessage
			Errors json.RawMessage
		}
		_ = json.Unmarshal(m.Payload, &body)
		if string(body.Data) != "null" {
			t.Fatalf("refused subscription sent data: %s", m.Payload)
		}
		_ = json.Unmarshal(body.Errors, &errs)
	case "error":
		_ = json.Unmarshal(m.Payload, &errs)
	}
	if m.ID != id || len(errs) != 1 || errs[0].Extensions.Code != code {
		t.Fatalf("got %s %s %s, want an error %s for %s", m.Type, m.ID, m.Payload, code, id)
	}
	return errs[0].Message
}

func TestPipelineUpdatedSubscription(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newSubEnv(t, db)
		e.rnProject(t, "grp/other")
		_, runnerToken := e.rnCreateRunner(t, e.pat, "grp/app")
		_, sessionToken := e.login(t, "owner", testPassword)

		viaPAT := dialSub(t, e.srv.URL, patHeader(e.pat))
		viaPAT.subscribe(t, "app", "grp/app")
		// The web app's way: the session cookie with a same-origin Origin.
		viaCookie := dialSub(t, e.srv.URL, http.Header{"Cookie": {server.SessionCookie + "=" + sessionToken}, "Origin": {e.srv.URL}})
		viaCookie.subscribe(t, "app", "grp/app")
		other := dialSub(t, e.srv.URL, patHeader(e.pat))
		other.subscribe(t, "other", "grp/other")
		eventstest.WaitSubscribers(t, e.set.Events, 3)

		id := e.rnTrigger(t, "grp/app") // REST trigger
		p := viaPAT.next(t, "app")
		if p.ID != globalID("Pipeline", id) || p.Status != "CREATED" || p.Project.FullPath != "grp/app" || p.IID != 1 {
			t.Fatalf("created event = %+v", p)
		}
		viaCookie.wantEvent(t, "app", id, "CREATED")

		job := e.rnClaim(t, runnerToken)
		viaPAT.wantEvent(t, "app", id, "PENDING")
		wantStatus(t, e.rnUpdate(t, id, job.JobToken, `{"status":"running"}`), http.StatusOK, "")
		viaPAT.wantEvent(t, "app", id, "RUNNING")
		wantStatus(t, e.rnUpdate(t, id, job.JobToken, `{"status":"running"}`), http.StatusOK, "") // heartbeat: no event
		wantStatus(t, e.rnUpdate(t, id, job.JobToken, `{"status":"success"}`), http.StatusOK, "")
		viaPAT.wantEvent(t, "app", id, "SUCCESS")

		// GraphQL mutations publish after their transaction commits.
		second := e.rnTrigger(t, "grp/app")
		viaPAT.wantEvent(t, "app", second, "CREATED")
		e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { pipelineCancel(input: {id: "gid://kickoff/Pipeline/%d"}) { errors } }`, second))
		viaPAT.wantEvent(t, "app", second, "CANCELED")
		e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { pipelineRetry(input: {id: "gid://kickoff/Pipeline/%d"}) { errors } }`, second))
		viaPAT.wantEvent(t, "app", second, "CREATED")
		// The domain functions publish too (here the runner-timeout reaper).
		if _, err := e.set.Pipelines.Claim(context.Background(), e.rnRunnerRow(t)); err != nil {
			t.Fatal(err)
		}
		viaPAT.wantEvent(t, "app", second, "PENDING")
		if n, err := e.set.Pipelines.FailStale(context.Background(), -time.Hour); err != nil || n != 1 {
			t.Fatalf("FailStale = %d, %v", n, err)
		}
		viaPAT.wantEvent(t, "app", second, "FAILED")

		// The other project's subscriber saw none of that: its first event
		// is its own project's pipeline.
		mine := e.rnTrigger(t, "grp/other")
		other.wantEvent(t, "other", mine, "CREATED")

		// Completing the operation and closing sockets unsubscribe.
		viaCookie.send(t, wsMessage{ID: "app", Type: "complete"})
		eventstest.WaitSubscribers(t, e.set.Events, 2)
		_ = viaPAT.c.Close(websocket.StatusNormalClosure, "")
		_ = other.c.CloseNow()
		eventstest.WaitSubscribers(t, e.set.Events, 0)
	})
}

// rnRunnerRow is the project's only runner.
func (e *rnEnv) rnRunnerRow(t *testing.T) *ent.Runner {
	t.Helper()
	r, err := e.db.Client.Runner.Query().Only(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPipelineUpdatedSubscriptionRefusals(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newSubEnv(t, db)
		guest := e.createUser(t, "guest", false)
		_, guestPAT := e.createPAT(t, guest)
		e.tpMember(t, "guest", "GUEST")
		outsider := e.createUser(t, "outsider", false)
		_, outsiderPAT := e.createPAT(t, outsider)

		cases := []struct {
			name, path, code, message string
			h                         http.Header
		}{
			{"anonymous", "grp/app", "UNAUTHENTICATED", "sign in first", nil},
			// The same answer whether the project exists or not.
			{"guest", "grp/app", "NOT_FOUND", `project "grp/app" not found`, patHeader(guestPAT)},
			{"non-member", "grp/app", "NOT_FOUND", `project "grp/app" not found`, patHeader(outsiderPAT)},
			{"unknown project", "grp/app2", "NOT_FOUND", `project "grp/app2" not found`, patHeader(outsiderPAT)},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				s := dialSub(t, e.srv.URL, tc.h)
				s.subscribe(t, "x", tc.path)
				if msg := s.wantRefused(t, "x", tc.code); msg != tc.message {
					t.Errorf("message %q, want %q", msg, tc.message)
				}
			})
		}
		eventstest.WaitSubscribers(t, e.set.Events, 0)
	})
}

// A subscription outlives the request that authenticated it: once its user
// is blocked, the next event ends it and closes the socket.
func TestPipelineUpdatedSubscriptionEndsForBlockedUser(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newSubEnv(t, db)
		reporter := e.createUser(t, "rep", false)
		_, pat := e.createPAT(t, reporter)
		e.tpMember(t, "rep", "REPORTER")
		s := dialSub(t, e.srv.URL, patHeader(pat))
		s.subscribe(t, "app", "grp/app")
		eventstest.WaitSubscribers(t, e.set.Events, 1)
		first := e.rnTrigger(t, "grp/app")
		s.wantEvent(t, "app", first, "CREATED")

		e.block(t, reporter)
		e.rnTrigger(t, "grp/app")
		m, err := s.read()
		if err == nil && (m.Type != "error" || !strings.Contains(string(m.Payload), "UNAUTHENTICATED")) {
			t.Fatalf("after blocking: %s %s, want an UNAUTHENTICATED error", m.Type, m.Payload)
		}
		if _, err := s.read(); websocket.CloseStatus(err) == -1 && !strings.Contains(fmt.Sprint(err), "EOF") {
			t.Fatalf("socket still open after the user was blocked: %v", err)
		}
		eventstest.WaitSubscribers(t, e.set.Events, 0)
	})
}

// Several replicas on one PostgreSQL: a subscriber on one replica sees
// pipelines created and moved on through another.
func TestPipelineUpdatedAcrossReplicas(t *testing.T) {
	if !hasPostgres() {
		t.Skip("needs " + dbtest.PostgresURLEnv)
	}
	db := dbtest.Open(t, dialect.Postgres)
	a := newSubEnv(t, db)
	b := newAuthEnv(t, db, withEventBus(t, db)) // a second replica, same database
	_, runnerToken := a.rnCreateRunner(t, a.pat, "grp/app")

	onB := dialSub(t, b.srv.URL, patHeader(a.pat))
	onB.subscribe(t, "app", "grp/app")
	onA := dialSub(t, a.srv.URL, patHeader(a.pat))
	onA.subscribe(t, "app", "grp/app")
	eventstest.WaitSubscribers(t, b.set.Events, 1)
	eventstest.WaitSubscribers(t, a.set.Events, 1)

	id := a.rnTrigger(t, "grp/app") // through replica A
	onB.wantEvent(t, "app", id, "CREATED")
	onA.wantEvent(t, "app", id, "CREATED")                               // A hears its own NOTIFY, once
	res := b.send(t, http.MethodPost, "/api/v1/runner/jobs/request", "", // claimed through replica B
		map[string]string{"Authorization": "Bearer " + runnerToken})
	wantStatus(t, res, http.StatusCreated, "")
	onA.wantEvent(t, "app", id, "PENDING")
	onB.wantEvent(t, "app", id, "PENDING")
}

func hasPostgres() bool {
	for _, d := range dbtest.Dialects() {
		if d == dialect.Postgres {
			return true
		}
	}
	return false
}
