package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// introspectionQuery is what GraphiQL sends (graphql-js getIntrospectionQuery
// with descriptions); the explorer needs it to pass every limit.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`

func TestGraphQLLimits(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		inner := "id"
		for range 6 { // 3 levels each: 19 in all, over the limit of 15
			inner = "pipelines { nodes { project { " + inner + " } } }"
		}
		deep := `{ project(fullPath: "a/b") { ` + inner + " } }"
		var wide strings.Builder // 110 × complexity 2: over 200 (anonymous), under 250
		wide.WriteString("{ ")
		for i := range 110 {
			fmt.Fprintf(&wide, "u%d: currentUser { id } ", i)
		}
		wide.WriteString("}")
		admin := e.createUser(t, "limits", false)
		_, pat := e.createPAT(t, admin)
		tests := []struct {
			name     string
			query    string
			headers  map[string]string
			wantCode string // "" means success
		}{
			{"introspection passes the limits", introspectionQuery, nil, ""},
			{"too deep", deep, nil, "QUERY_TOO_DEEP"},
			{"too long", "{ __typename " + strings.Repeat(" ", 10_001) + "}", nil, "QUERY_TOO_LONG"},
			{"too complex for anonymous", wide.String(), nil, "COMPLEXITY_LIMIT_EXCEEDED"},
			{"within the signed-in limit", wide.String(), map[string]string{"PRIVATE-TOKEN": pat}, ""},
			{"too many parser tokens", "{" + strings.Repeat("a ", 2_001) + "}", nil, "GRAPHQL_PARSE_FAILED"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res := e.graphQL(t, tc.query, tc.headers)
				var body struct {
					Data   json.RawMessage `json:"data"`
					Errors []struct {
						Message    string         `json:"message"`
						Extensions map[string]any `json:"extensions"`
					} `json:"errors"`
				}
				if err := json.Unmarshal([]byte(res.body), &body); err != nil {
					t.Fatalf("not JSON: %d %s", res.status, truncate(res.body))
				}
				if tc.wantCode == "" {
					if res.status != http.StatusOK || len(body.Errors) > 0 || len(body.Data) < 100 {
						t.Fatalf("got %d %s, want success", res.status, truncate(res.body))
					}
					return
				}
				if res.status != http.StatusUnprocessableEntity || len(body.Errors) == 0 || body.Errors[0].Extensions["code"] != tc.wantCode {
					t.Fatalf("got %d %s, want 422 with error code %s", res.status, truncate(res.body), tc.wantCode)
				}
			})
		}
	})
}

// TestGraphQLRejectsNUL: PostgreSQL cannot store NUL characters, so any
// argument holding one is refused as bad input, not an internal error.
func TestGraphQLRejectsNUL(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		u := e.createUser(t, "nul", false)
		_, pat := e.createPAT(t, u)
		res := e.graphQL(t, `mutation { projectCreate(input: {name: "a\u0000b", path: "g/nul"}) { project { id } errors } }`,
			map[string]string{"PRIVATE-TOKEN": pat})
		if !strings.Contains(res.body, `"code":"BAD_USER_INPUT"`) || !strings.Contains(res.body, "NUL") {
			t.Fatalf("got %d %s, want BAD_USER_INPUT about NUL", res.status, truncate(res.body))
		}
		if n := e.projectCount(t); n != 0 {
			t.Fatalf("%d projects written, want 0", n)
		}
	})
}
