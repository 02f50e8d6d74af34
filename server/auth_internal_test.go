package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/identity"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/keyring"
	"github.com/kickoff-ci/kickoff/internal/sessionjwt"
)

// TestRESTAuthentication covers authREST, which the /api/v4 routes use:
// tokens only, GitLab's error body.
func TestRESTAuthentication(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		kr, err := keyring.New("rest-test-secret-rest-test-secret-rest-test")
		if err != nil {
			t.Fatal(err)
		}
		issuer := sessionjwt.New(kr, "kickoff", "kickoff-web-session", 0, nil)
		ids := identity.New(db.Client, identity.Signer{Sessions: issuer})
		ctx := context.Background()
		u, err := ids.CreateUser(ctx, identity.NewUser{Username: "alice", Email: "a@example.com", Password: "password1"})
		if err != nil {
			t.Fatal(err)
		}
		_, pat, err := ids.CreatePersonalAccessToken(ctx, u, "t", nil)
		if err != nil {
			t.Fatal(err)
		}
		issued, err := issuer.Issue(u.ID)
		if err != nil {
			t.Fatal(err)
		}
		session := issued.Token
		s := &server{logger: slog.New(slog.DiscardHandler), ids: ids}
		whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name := "anonymous"
			if u := authz.UserFrom(r.Context()); u != nil {
				name = u.Username
			}
			_, _ = io.WriteString(w, name)
		})
		srv := httptest.NewServer(s.withViewer(whoami, authREST))
		defer srv.Close()

		tests := []struct {
			name       string
			header     http.Header
			wantStatus int
			wantBody   string
		}{
			{"PRIVATE-TOKEN", http.Header{"Private-Token": {pat}}, 200, "alice"},
			{"Bearer", http.Header{"Authorization": {"Bearer " + pat}}, 200, "alice"},
			{"no credentials", nil, 200, "anonymous"},
			{"cookies are ignored on REST", http.Header{"Cookie": {SessionCookie + "=" + session}}, 200, "anonymous"},
			{"forged cookie is ignored too", http.Header{"Cookie": {SessionCookie + "=x.y.z"}}, 200, "anonymous"},
			{"bad token", http.Header{"Private-Token": {pat + "x"}}, 401, `{"message":"401 Unauthorized"}`},
			{"empty token header", http.Header{"Private-Token": {""}}, 401, `{"message":"401 Unauthorized"}`},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				req, _ := http.NewRequest("GET", srv.URL, nil)
				for k, vs := range tc.header {
					req.Header[k] = vs
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				if res.StatusCode != tc.wantStatus || strings.TrimSpace(string(b)) != tc.wantBody {
					t.Fatalf("got %d %s, want %d %s", res.StatusCode, b, tc.wantStatus, tc.wantBody)
				}
				if res.Header.Get("Set-Cookie") != "" {
					t.Error("REST touched the session cookie")
				}
			})
		}
	})
}

func TestSameOrigin(t *testing.T) {
	public, _ := url.Parse("https://kickoff.example.com")
	tests := []struct {
		name      string
		public    *url.URL
		host      string
		origin    string
		fetchSite string
		want      bool
	}{
		{"no Origin", nil, "localhost:8080", "", "", true},
		{"same host over http", nil, "localhost:8080", "http://localhost:8080", "", true},
		{"same host over https (TLS ends at a proxy)", nil, "kickoff.internal", "https://kickoff.internal", "", true},
		{"host compared case-insensitively", nil, "Kickoff.Example.com", "https://kickoff.example.com", "", true},
		{"public URL behind a proxy that rewrites Host", public, "10.0.0.5:8080", "https://kickoff.example.com", "", true},
		{"public URL scheme must match", public, "10.0.0.5:8080", "http://kickoff.example.com", "", false},
		{"other host", public, "kickoff.example.com", "https://evil.example", "", false},
		{"other port", nil, "localhost:8080", "http://localhost:9090", "", false},
		{"subdomain", nil, "example.com", "https://evil.example.com", "", false},
		{"opaque origin", nil, "localhost:8080", "null", "", false},
		{"non-web scheme", nil, "localhost:8080", "file://localhost:8080", "", false},
		{"Sec-Fetch-Site same-origin", nil, "localhost:8080", "http://localhost:8080", "same-origin", true},
		{"Sec-Fetch-Site none (typed URL)", nil, "localhost:8080", "", "none", true},
		{"Sec-Fetch-Site same-site", nil, "localhost:8080", "", "same-site", false},
		{"Sec-Fetch-Site cross-site wins over a matching Origin", nil, "localhost:8080", "http://localhost:8080", "cross-site", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &server{publicURL: tc.public}
			r := httptest.NewRequest("POST", "/api/graphql", nil)
			r.Host = tc.host
			if tc.origin != "" {
				r.Header.Set("Origin", tc.origin)
			}
			if tc.fetchSite != "" {
				r.Header.Set("Sec-Fetch-Site", tc.fetchSite)
			}
			if got := s.sameOrigin(r); got != tc.want {
				t.Errorf("sameOrigin(Host %q, Origin %q, Sec-Fetch-Site %q) = %v, want %v", tc.host, tc.origin, tc.fetchSite, got, tc.want)
			}
		})
	}
}
