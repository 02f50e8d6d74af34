package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// TestGraphQLMalformedCursors: a cursor the client made up is the client's
// mistake, answered BAD_USER_INPUT, never an internal error.
func TestGraphQLMalformedCursors(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		auth := map[string]string{"PRIVATE-TOKEN": e.adminPAT(t)}
		for _, q := range []string{
			`{ projects(after: "!!!") { nodes { id } } }`,
			`{ projects(before: "AAAA", last: 1) { nodes { id } } }`,
			`{ projects(after: "") { nodes { id } } }`,
			`{ projects(first: 1, after: "gqtzb21ldGhpbmc") { nodes { id } } }`,
			`{ currentUser { personalAccessTokens(after: "%%%") { nodes { id } } } }`,
			`{ auditEvents(after: "////") { nodes { id } } }`,
		} {
			t.Run(q, func(t *testing.T) {
				res := e.graphQL(t, q, auth)
				var body struct {
					Errors []struct {
						Message    string
						Extensions struct{ Code string }
					}
				}
				if err := json.Unmarshal([]byte(res.body), &body); err != nil || res.status >= 500 {
					t.Fatalf("%d %s", res.status, res.body)
				}
				if len(body.Errors) == 0 {
					return // a cursor that happens to decode is a valid page
				}
				if c := body.Errors[0].Extensions.Code; c != "BAD_USER_INPUT" || strings.Contains(res.body, "internal error") {
					t.Errorf("got %d %s, want BAD_USER_INPUT", res.status, res.body)
				}
			})
		}
	})
}

// TestGraphQLWrongTransport: upgrades on POST, h2c upgrades and subscriptions
// over plain HTTP get a JSON 4xx saying what to do instead.
func TestGraphQLWrongTransport(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		pat := e.adminPAT(t)
		query := `{"query":"{ currentUser { id } }"}`
		subscription := `{"query":"subscription { pipelineUpdated(projectPath: \"a/b\") { id } }"}`
		for _, c := range []struct {
			name, method, body string
			headers            map[string]string
		}{
			{"POST upgrading to a websocket", "POST", query, map[string]string{"Upgrade": "websocket", "Connection": "Upgrade"}},
			{"POST upgrading to h2c", "POST", query, map[string]string{"Upgrade": "h2c", "Connection": "Upgrade, HTTP2-Settings"}},
			{"GET upgrading to h2c", "GET", "", map[string]string{"Upgrade": "h2c", "Connection": "Upgrade"}},
			{"subscription over POST", "POST", subscription, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				h := map[string]string{"PRIVATE-TOKEN": pat, "Content-Type": "application/json"}
				for k, v := range c.headers {
					h[k] = v
				}
				res := e.send(t, c.method, "/api/graphql", c.body, h)
				var body struct {
					Errors []struct{ Extensions struct{ Code string } }
				}
				if err := json.Unmarshal([]byte(res.body), &body); err != nil || res.status < 400 || res.status >= 500 ||
					len(body.Errors) != 1 || body.Errors[0].Extensions.Code != "BAD_REQUEST" {
					t.Fatalf("got %d %s, want a 4xx JSON error with code BAD_REQUEST", res.status, res.body)
				}
				if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type = %q", ct)
				}
			})
		}
	})
}

// TestNULAndInvalidUTF8 on the paths and bodies that reached PostgreSQL
// with them: a 400 JSON body, never a 500, and nothing written.
func TestNULAndInvalidUTF8(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		auth := map[string]string{"PRIVATE-TOKEN": e.adminPAT(t)}
		form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
		before := e.patCount(t) + e.projectCount(t)
		for _, c := range []struct {
			name, method, path, body string
			headers                  map[string]string
		}{
			{"sign-in username", "POST", "/api/session", `{"username":"ad\u0000min","password":"x"}`, map[string]string{"Content-Type": "application/json"}},
			{"project id path", "GET", "/api/v4/projects/1%00/triggers", "", auth},
			{"project path", "GET", "/api/v4/projects/a%2Fb%00/triggers", "", auth},
			{"invalid UTF-8 path", "GET", "/api/v4/projects/a%2F%ff%fe/triggers", "", auth},
			{"trigger id path", "GET", "/api/v4/projects/1/triggers/1%00", "", auth},
			{"query string", "POST", "/api/v4/projects/1/trigger/pipeline?token=kot_x%00&ref=main", "", form},
			{"webhook ref path", "POST", "/api/v4/projects/1/ref/ma%00in/trigger/pipeline?token=kot_x", "", form},
			{"one-URL token", "POST", "/api/trigger/kot_%00", "", nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				res := e.send(t, c.method, c.path, c.body, c.headers)
				var body map[string]any
				if err := json.Unmarshal([]byte(res.body), &body); err != nil || res.status < 400 || res.status >= 500 {
					t.Fatalf("got %d %s, want a 4xx JSON error", res.status, res.body)
				}
			})
		}
		if after := e.patCount(t) + e.projectCount(t); after != before {
			t.Errorf("rows changed: %d → %d", before, after)
		}
	})
}

// adminPAT creates an instance admin and returns a personal access token of theirs.
func (e *authEnv) adminPAT(t *testing.T) string {
	t.Helper()
	_, pat := e.createPAT(t, e.createUser(t, "bad-input-admin", true))
	return pat
}
