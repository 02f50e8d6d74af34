package server_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/server"
	"github.com/kickoff-ci/kickoff/services/servicestest"
)

var webApp = fstest.MapFS{
	"index.html":         {Data: []byte("<!doctype html><title>Kickoff</title>")},
	"assets/app-abc1.js": {Data: []byte("console.log(1)")},
	"favicon.svg":        {Data: []byte("<svg/>")},
}

func newServer(t *testing.T, db *database.DB) *httptest.Server {
	t.Helper()
	set := servicestest.New(t, db.Client)
	logger := slog.New(slog.DiscardHandler)
	srv := httptest.NewServer(server.New(server.Config{
		DB: db, Logger: logger, WebApp: webApp,
		Services: set.HTTP(), GraphQL: set.GraphQL(logger),
	}))
	t.Cleanup(srv.Close)
	return srv
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, method, url, contentType, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, string(b)}
}

func TestHTTPSurface(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		srv := newServer(t, db)
		tests := []struct {
			name, method, path, contentType, body string
			wantStatus                            int
			wantBody                              string // substring
			wantHeader                            map[string]string
		}{
			{"healthz", "GET", "/healthz", "", "", 200, `{"status":"ok"}`, nil},
			{"readyz", "GET", "/readyz", "", "", 200, `{"status":"ok"}`, nil},
			{"metrics", "GET", "/metrics", "", "", 200, "go_goroutines", nil},
			{"graphql typename", "POST", "/api/graphql", "application/json", `{"query":"{ __typename }"}`,
				200, `{"data":{"__typename":"Query"}}`, nil},
			{"graphql GET", "GET", "/api/graphql?query=%7B__typename%7D", "", "", 200, `"__typename":"Query"`, nil},
			{"anonymous currentUser is null", "POST", "/api/graphql", "application/json", `{"query":"{ currentUser { id } }"}`,
				200, `{"data":{"currentUser":null}}`, nil},
			{"anonymous sees no projects", "POST", "/api/graphql", "application/json",
				`{"query":"{ projects(first: 10) { totalCount edges { node { id } } } }"}`,
				200, `{"data":{"projects":{"totalCount":0,"edges":[]}}}`, nil},
			{"graphql body not JSON", "POST", "/api/graphql", "application/json", `{"query": 5, "token": "kot_secret"}`,
				400, `"code":"BAD_REQUEST"`, nil},
			{"graphql wrong content type", "POST", "/api/graphql", "text/plain", `{"query":"{ __typename }"}`,
				415, `"code":"UNSUPPORTED_MEDIA_TYPE"`, nil},
			{"graphql body too large", "POST", "/api/graphql", "application/json",
				`{"query":"{ __typename }","variables":{"x":"` + strings.Repeat("a", server.MaxBodyBytes) + `"}}`,
				413, `"code":"REQUEST_TOO_LARGE"`, nil},
			{"graphql syntax error", "POST", "/api/graphql", "application/json", `{"query":"{ nope"}`,
				422, `"code":"GRAPHQL_PARSE_FAILED"`, nil},
			{"graphql method not allowed", "DELETE", "/api/graphql", "", "", 405, `{"message":"405 Method Not Allowed"}`,
				map[string]string{"Content-Type": "application/json"}},
			{"unknown API path is JSON 404", "GET", "/api/v4/nope", "", "", 404, `{"message":"404 Not Found"}`,
				map[string]string{"Content-Type": "application/json"}},
			{"SPA root", "GET", "/", "", "", 200, "<title>Kickoff</title>",
				map[string]string{"Cache-Control": "no-cache"}},
			{"SPA fallback for app routes", "GET", "/group/project/-/pipelines", "", "", 200, "<title>Kickoff</title>",
				map[string]string{"Cache-Control": "no-cache", "Content-Type": "text/html; charset=utf-8"}},
			{"hashed asset cached for a year", "GET", "/assets/app-abc1.js", "", "", 200, "console.log",
				map[string]string{"Cache-Control": "public, max-age=31536000, immutable"}},
			{"missing asset is 404, not the app", "GET", "/assets/missing.js", "", "", 404, "404 page not found", nil},
			{"static file", "GET", "/favicon.svg", "", "", 200, "<svg/>", nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res := do(t, tc.method, srv.URL+tc.path, tc.contentType, tc.body)
				if res.status != tc.wantStatus || !strings.Contains(res.body, tc.wantBody) {
					t.Fatalf("%s %s = %d %q, want %d containing %q", tc.method, tc.path, res.status, truncate(res.body), tc.wantStatus, tc.wantBody)
				}
				for k, v := range tc.wantHeader {
					if got := res.header.Get(k); got != v {
						t.Errorf("header %s = %q, want %q", k, got, v)
					}
				}
				if strings.Contains(res.body, "kot_secret") {
					t.Errorf("response echoes the request body: %s", truncate(res.body))
				}
			})
		}
	})
}

func TestReadyzFailsWhenMigrationsPending(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			db, _ := dbtest.OpenUnmigrated(t, d)
			srv := newServer(t, db)
			res := do(t, "GET", srv.URL+"/readyz", "", "")
			var body map[string]string
			_ = json.Unmarshal([]byte(res.body), &body)
			if res.status != http.StatusServiceUnavailable || body["status"] != "unavailable" {
				t.Fatalf("readyz on an unmigrated database = %d %s, want 503", res.status, res.body)
			}
		})
	}
}

func truncate(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// TestMetricsNameTheRoute: requests are counted (and logged) under the route
// pattern they matched, never the raw path.
func TestMetricsNameTheRoute(t *testing.T) {
	srv := newServer(t, dbtest.Open(t, dbtest.Dialects()[0]))
	do(t, "GET", srv.URL+"/healthz", "", "")
	do(t, "GET", srv.URL+"/api/v4/kot_notarealtoken", "", "")
	metrics := do(t, "GET", srv.URL+"/metrics", "", "").body
	for _, want := range []string{`route="GET /healthz"`, `route="/api/"`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(metrics, "kot_notarealtoken") {
		t.Error("/metrics holds a request path")
	}
}
