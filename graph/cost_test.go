package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

func aliased(n int, sel string) string {
	var b strings.Builder
	b.WriteString("{ ")
	for i := range n {
		fmt.Fprintf(&b, "a%d: %s ", i, sel)
	}
	b.WriteString("}")
	return b.String()
}

func ids(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("%q", fmt.Sprintf("gid://kickoff/Pipeline/%d", i+1))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func idList(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(i + 1)
	}
	return out
}

// TestGraphQLCostLimit: queries that would answer many objects are refused
// with COMPLEXITY_LIMIT_EXCEEDED (or BAD_USER_INPUT for sizes out of bounds)
// before any SQL runs; what the web app sends is admitted.
func TestGraphQLCostLimit(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		counted, statements := countingClient(db)
		admin, _, _ := seed(t, db.Client)
		srv := newGraphServer(t, counted, admin)
		nested := `{ projects { nodes { pipelines { nodes { downstream { nodes { id } } } } } } }`
		tests := []struct {
			name, query string
			vars        map[string]any
			wantCode    string
		}{
			{"dashboard", `{ project(fullPath: "stmt/proj") { pipelines(first: 100) { nodes { id iid status ref trigger { owner { username } } user { username } } } } }`, nil, ""},
			{"statements dashboard", pipelinesQuery, nil, ""},
			{"nested connections without first", nested, nil, "COMPLEXITY_LIMIT_EXCEEDED"},
			{"nested first 100", `{ projects(first: 100) { nodes { pipelines(first: 100) { nodes { id } } } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED"},
			{"aliases x40", aliased(40, `projects(first: 100) { nodes { id fullPath } }`), nil, "COMPLEXITY_LIMIT_EXCEEDED"},
			{"fragments", `{ projects(first: 100) { nodes { ...P } } } fragment P on Project { pipelines(first: 100) { nodes { id } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED"},
			{"inline fragments", `{ projects(first: 100) { nodes { ... on Project { pipelines(first: 100) { nodes { id } } } } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED"},
			{"introspection x40", aliased(40, `__schema { types { fields { name } } }`), nil, "COMPLEXITY_LIMIT_EXCEEDED"},
			{"nodes 101 ids", `{ nodes(ids: ` + ids(101) + `) { id } }`, nil, "BAD_USER_INPUT"},
			{"nodes 10000 ids", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": idList(10_000)}, "BAD_USER_INPUT"},
			{"nodes 100 ids", `{ nodes(ids: ` + ids(100) + `) { id } }`, nil, ""},
			{"first from variables", `query($n: Int) { projects(first: $n) { nodes { pipelines(first: $n) { nodes { id } } } } }`, map[string]any{"n": 100}, "COMPLEXITY_LIMIT_EXCEEDED"},
			{"first over 100", `{ projects(first: 101) { nodes { id } } }`, nil, "BAD_USER_INPUT"},
			{"last negative", `{ projects(last: -1) { nodes { id } } }`, nil, "BAD_USER_INPUT"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) { wantLimit(t, srv.URL, statements, tc.query, tc.vars, tc.wantCode) })
		}
	})
}

// TestGraphQLDefaultPageSize: a connection asked without first or last answers
// DefaultPageSize items, not every row.
func TestGraphQLDefaultPageSize(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		admin, trigger, proj := seed(t, db.Client)
		addPipelines(t, db.Client, proj, trigger, admin, 25)
		srv := newGraphServer(t, db.Client, admin)
		body := post(t, srv.URL, `{ project(fullPath: "stmt/proj") { pipelines { nodes { iid } } } }`)
		if got := strings.Count(body, `"iid"`); got != 20 {
			t.Fatalf("got %d pipelines, want 20: %.300s", got, body)
		}
		body = post(t, srv.URL, `{ project(fullPath: "stmt/proj") { pipelines(last: 3) { nodes { iid } } } }`)
		if got := strings.Count(body, `"iid"`); got != 3 {
			t.Fatalf("got %d pipelines with last: 3, want 3: %.300s", got, body)
		}
	})
}

// TestGraphQLArgumentBounds: list arguments and nested filters from
// variables are bounded before any SQL, so a huge ID filter is the
// client's BAD_USER_INPUT instead of a database error.
func TestGraphQLArgumentBounds(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		counted, statements := countingClient(db)
		admin, _, _ := seed(t, db.Client)
		srv := newGraphServer(t, counted, admin)
		nested := map[string]any{"idIn": idList(1)}
		for range 10 {
			nested = map[string]any{"and": []any{nested}}
		}
		tests := []struct {
			name     string
			query    string
			vars     map[string]any
			wantCode string
		}{
			{"filter of 70,000 ids", `query($ids: [ID!]) { projects(where: {idIn: $ids}) { nodes { id } } }`, map[string]any{"ids": idList(70_000)}, "BAD_USER_INPUT"},
			{"filter of 201 ids inside or", `query($ids: [ID!]) { projects(where: {or: [{idIn: $ids}]}) { nodes { id } } }`, map[string]any{"ids": idList(201)}, "BAD_USER_INPUT"},
			{"and nested 10 deep", `query($w: ProjectWhereInput) { projects(where: $w) { nodes { id } } }`, map[string]any{"w": nested}, "BAD_USER_INPUT"},
			{"filter of 200 ids", `query($ids: [ID!]) { projects(where: {idIn: $ids}) { nodes { id } } }`, map[string]any{"ids": idList(200)}, ""},
			{"and nested twice", `{ projects(where: {and: [{and: [{idGT: "0"}]}]}) { nodes { id } } }`, nil, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) { wantLimit(t, srv.URL, statements, tc.query, tc.vars, tc.wantCode) })
		}
	})
}

// wantLimit posts query and checks the answer: success when wantCode is
// empty, else an error with that extensions.code and no SQL run.
func wantLimit(t *testing.T, url string, statements *atomic.Int64, query string, vars map[string]any, wantCode string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	statements.Store(0)
	res, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	switch {
	case wantCode == "" && (res.StatusCode != http.StatusOK || len(body.Errors) > 0):
		t.Fatalf("got %d %+v, want success", res.StatusCode, body.Errors)
	case wantCode == "":
	case len(body.Errors) == 0 || body.Errors[0].Extensions["code"] != wantCode:
		t.Fatalf("got %d %+v, want code %s", res.StatusCode, body.Errors, wantCode)
	case statements.Load() != 0:
		t.Fatalf("refused query ran %d SQL statements", statements.Load())
	}
}
