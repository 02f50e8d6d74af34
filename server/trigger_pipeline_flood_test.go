package server_test

// The trigger endpoints under a flood of unknown tokens.

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/tokens"
	"github.com/kickoff-ci/kickoff/services/servicestest"
)

// countStatements serves with services on an ent client that counts the SQL
// statements it sends, in transactions too.
func countStatements(t *testing.T, db *database.DB) (envOption, *atomic.Int64) {
	t.Helper()
	statements := new(atomic.Int64)
	counted := ent.NewClient(ent.Driver(dialect.DebugWithContext(entsql.OpenDB(db.Dialect, db.SQL),
		func(context.Context, ...any) { statements.Add(1) })))
	return func(c *testConfig) { c.set = servicestest.New(t, counted) }, statements
}

// TestTriggerPipelineFailedTokenFlood: one IP guessing tokens gets 429 with
// Retry-After once past its threshold, and from then on its calls cost no
// SQL statement and write no audit row each (SPEC §10). Valid tokens from
// other IPs still start pipelines, and so does, from the flooding IP, a token
// that started one before; a token never seen is refused there unlooked-at.
func TestTriggerPipelineFailedTokenFlood(t *testing.T) {
	const guesses, threshold = 400, 60
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		counting, statements := countStatements(t, db)
		e := newTPEnv(t, db, counting, trustProxies("127.0.0.1/32"))
		token, fresh := e.tpTrigger(t, ""), e.tpTrigger(t, "")
		if res := e.tpDo(t, tpCase{path: "/api/trigger/" + token}); res.status != 200 {
			t.Fatalf("first use = %d %s", res.status, res.body)
		}
		attacker := map[string]string{"X-Forwarded-For": "203.0.113.7"}
		start := time.Now()
		lookedUp := 0
		var last response
		for i := range guesses {
			guess, err := tokens.New(tokens.Trigger)
			if err != nil {
				t.Fatal(err)
			}
			c := tpCase{body: tpForm("token", guess, "ref", "main"), headers: attacker}
			if i%2 == 0 {
				c = tpCase{path: "/api/trigger/" + guess, headers: attacker}
			}
			before := statements.Load()
			last = e.tpDo(t, c)
			switch n := statements.Load() - before; last.status {
			case http.StatusNotFound:
				lookedUp++
			case http.StatusTooManyRequests:
				if n != 0 {
					t.Fatalf("refused guess %d cost %d SQL statements, want 0", i+1, n)
				}
			default:
				t.Fatalf("guess %d = %d %s", i+1, last.status, last.body)
			}
		}
		// The allowance comes back at one a second, so a slow run looks up a few more.
		if slack := int(time.Since(start)/time.Second) + 1; lookedUp < threshold || lookedUp > threshold+slack {
			t.Errorf("%d guesses looked up, want %d (+%d for the time the test took)", lookedUp, threshold, slack)
		}
		if s, err := strconv.Atoi(last.header.Get("Retry-After")); err != nil || s < 1 {
			t.Errorf("Retry-After = %q", last.header.Get("Retry-After"))
		}
		if want := `{"message":"Too many requests with invalid trigger tokens. Try again later."}`; strings.TrimSpace(last.body) != want {
			t.Errorf("429 body %s, want %s", last.body, want)
		}
		// One audit row per looked-up guess; the refused ones are summarized
		// once their window ends (TestFloodGuardOneSummaryPerWindow).
		if n := e.tpAuditCount(t, "trigger.rejected"); n != lookedUp {
			t.Errorf("%d trigger.rejected audit events, want %d", n, lookedUp)
		}

		// Only the database could tell this valid token from a guess.
		if res := e.tpDo(t, tpCase{path: "/api/trigger/" + fresh, headers: attacker}); res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") == "" {
			t.Errorf("never-seen token from the flooding IP = %d %s", res.status, res.body)
		}
		before := e.tpPipelineCount(t)
		for _, c := range []tpCase{
			{name: "never used, another IP", body: tpForm("token", fresh, "ref", "main")},
			{name: "used before, another IP", path: "/api/trigger/" + token},
			{name: "used before, the flooding IP", body: tpForm("token", token, "ref", "main"), headers: attacker},
		} {
			if res := e.tpDo(t, c); res.status != 201 && res.status != 200 {
				t.Errorf("%s = %d %s", c.name, res.status, res.body)
			}
		}
		if n := e.tpPipelineCount(t); n != before+3 {
			t.Errorf("%d pipelines, want %d", n, before+3)
		}
	})
}

func (e *tpEnv) tpAuditCount(t *testing.T, action string) int {
	t.Helper()
	n, err := e.db.Client.AuditEvent.Query().Where(auditevent.Action(action)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
