package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/database"
	"github.com/kickoff-ci/kickoff/database/dbtest"
)

// TestGraphQLMalformedCursors: a cursor the client made up is the client's
// mistake, answered BAD_USER_INPUT, never an internal error.
func TestGraphQLMalformedCursors(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		u := e.createUser(t, "cursor-admin", true)
		_, pat := e.createPAT(t, u)
		auth := map[string]string{"PRIVATE-TOKEN": pat}
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
