package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/domain/identity"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/user"
	"github.com/kickoff-ci/kickoff/graph"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/keyring"
	"github.com/kickoff-ci/kickoff/internal/tokens"
	"github.com/kickoff-ci/kickoff/internal/tokens/tokenstest"
	"github.com/kickoff-ci/kickoff/server"
	"github.com/kickoff-ci/kickoff/services"
	"github.com/kickoff-ci/kickoff/services/servicestest"
)

// The session issuer and audience the tests' server uses (as kickoff serve does).
const (
	testIssuer   = services.SessionIssuer
	testAudience = services.SessionAudience
	testPassword = "correct horse battery staple"
)

// authEnv is a running server with identity wired in, on one test database.
type authEnv struct {
	db  *database.DB
	srv *httptest.Server
	ids *identity.Service
	kr  *keyring.Keyring
	set services.Set
	// routes are the server's route patterns.
	routes []string
}

// testConfig is what an envOption may change: the server's settings, the
// services it runs (built on the test database unless replaced) and the
// GraphQL handler's options.
type testConfig struct {
	server.Config
	set   services.Set
	graph []graph.HandlerOption
}

type envOption func(*testConfig)

func secureCookies(c *testConfig) { c.SecureCookies = true }

func logTo(w io.Writer) envOption {
	return func(c *testConfig) {
		c.Logger = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
}

func trustProxies(prefixes ...string) envOption {
	return func(c *testConfig) {
		for _, p := range prefixes {
			c.TrustedProxies = append(c.TrustedProxies, netip.MustParsePrefix(p))
		}
	}
}

func newAuthEnv(t *testing.T, db *database.DB, opts ...envOption) *authEnv {
	t.Helper()
	kr := servicestest.Keyring(t)
	cfg := testConfig{
		Config: server.Config{DB: db, Logger: slog.New(slog.DiscardHandler), WebApp: webApp},
		set:    servicestest.New(t, db.Client),
	}
	for _, o := range opts {
		o(&cfg)
	}
	// An option may have replaced the services (e.g. withEventBus).
	cfg.Services = cfg.set.HTTP()
	cfg.GraphQL = cfg.set.GraphQL(cfg.Logger, cfg.graph...)
	h, routes := server.NewWithRoutes(cfg.Config)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &authEnv{db: db, srv: srv, ids: cfg.set.Identity, kr: kr, set: cfg.set, routes: routes}
}

func (e *authEnv) createUser(t *testing.T, username string, admin bool) *ent.User {
	t.Helper()
	u, err := e.ids.CreateUser(context.Background(), identity.NewUser{
		Username: username, Email: username + "@example.com", Password: testPassword, Admin: admin,
	})
	if err != nil {
		t.Fatalf("creating user %s: %v", username, err)
	}
	return u
}

func (e *authEnv) createPAT(t *testing.T, u *ent.User) (*ent.PersonalAccessToken, string) {
	t.Helper()
	pat, plain, err := e.ids.CreatePersonalAccessToken(context.Background(), u, "test", nil)
	if err != nil {
		t.Fatalf("creating PAT: %v", err)
	}
	return pat, plain
}

func (e *authEnv) block(t *testing.T, u *ent.User) {
	t.Helper()
	if err := e.db.Client.User.UpdateOne(u).SetState(user.StateBlocked).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// projectCount and patCount tell whether a refused mutation wrote anything.
func (e *authEnv) projectCount(t *testing.T) int {
	t.Helper()
	n, err := e.db.Client.Project.Query().Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *authEnv) patCount(t *testing.T) int {
	t.Helper()
	n, err := e.db.Client.PersonalAccessToken.Query().Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// send makes one request with the given headers ("Cookie" is a session
// token, set as the kickoff_session cookie).
func (e *authEnv) send(t *testing.T, method, path, body string, headers map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		if k == "Cookie" {
			req.AddCookie(&http.Cookie{Name: server.SessionCookie, Value: v})
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, string(b)}
}

// graphQL posts a query as JSON with extra headers.
func (e *authEnv) graphQL(t *testing.T, query string, headers map[string]string) response {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range headers {
		h[k] = v
	}
	return e.send(t, http.MethodPost, "/api/graphql", string(body), h)
}

// login signs in and returns the response and the session token from its cookie.
func (e *authEnv) login(t *testing.T, username, password string) (response, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	res := e.send(t, http.MethodPost, "/api/session", string(body), map[string]string{"Content-Type": "application/json"})
	return res, sessionCookieOf(res)
}

// sessionCookieOf returns the kickoff_session value a response sets, or "".
func sessionCookieOf(res response) string {
	c := setCookie(res)
	if c == nil {
		return ""
	}
	return c.Value
}

func setCookie(res response) *http.Cookie {
	for _, c := range (&http.Response{Header: res.header}).Cookies() {
		if c.Name == server.SessionCookie {
			return c
		}
	}
	return nil
}

// csrf are the headers the web app sends with its session cookie.
func csrf(session string) map[string]string {
	return map[string]string{"Cookie": session, server.CSRFHeader: "1"}
}

const (
	currentUserQuery = `{ currentUser { username } }`
	createProject    = `mutation { projectCreate(input: {name: "x", path: "g/x"}) { project { id } errors } }`
	createPAT        = `mutation { personalAccessTokenCreate(input: {name: "x"}) { token errors } }`
)

func wantCurrentUser(t *testing.T, res response, username string) {
	t.Helper()
	want := `{"data":{"currentUser":{"username":"` + username + `"}}}`
	if res.status != http.StatusOK || strings.TrimSpace(res.body) != want {
		t.Fatalf("currentUser = %d %s, want 200 %s", res.status, truncate(res.body), want)
	}
}

// wantGraphQLError checks a refusal in the GraphQL error shape: the status,
// extensions.code and no data (nothing executed).
func wantGraphQLError(t *testing.T, res response, status int, code string) {
	t.Helper()
	var body struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string            `json:"message"`
			Extensions map[string]string `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(res.body), &body); err != nil {
		t.Fatalf("response is not JSON: %d %s", res.status, truncate(res.body))
	}
	if res.status != status || len(body.Errors) != 1 || body.Errors[0].Extensions["code"] != code || body.Data != nil {
		t.Fatalf("got %d %s, want %d with one error of code %s and no data", res.status, truncate(res.body), status, code)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
}

func TestPersonalAccessTokenAuthentication(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		alice := e.createUser(t, "alice", false)
		_, good := e.createPAT(t, alice)

		revokedPAT, revoked := e.createPAT(t, alice)
		if err := db.Client.PersonalAccessToken.UpdateOne(revokedPAT).SetRevokedAt(time.Now()).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		expiresSoon := time.Now().Add(time.Hour)
		expiredPAT, expired, err := e.ids.CreatePersonalAccessToken(context.Background(), alice, "expired", &expiresSoon)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Client.PersonalAccessToken.UpdateOne(expiredPAT).SetExpiresAt(time.Now().Add(-time.Minute)).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		badChecksum := tokenstest.BadChecksum(good)
		unknown, err := tokens.New(tokens.PersonalAccess)
		if err != nil {
			t.Fatal(err)
		}
		mallory := e.createUser(t, "mallory", false)
		_, blocked := e.createPAT(t, mallory)
		e.block(t, mallory)

		accepted := []struct {
			name    string
			headers map[string]string
		}{
			{"PRIVATE-TOKEN", map[string]string{"PRIVATE-TOKEN": good}},
			{"Authorization Bearer", map[string]string{"Authorization": "Bearer " + good}},
			{"lower-case bearer scheme", map[string]string{"Authorization": "bearer " + good}},
			{"token wins over a foreign Origin, no CSRF header needed", map[string]string{"PRIVATE-TOKEN": good, "Origin": "https://evil.example"}},
		}
		for _, tc := range accepted {
			t.Run(tc.name, func(t *testing.T) {
				wantCurrentUser(t, e.graphQL(t, currentUserQuery, tc.headers), "alice")
			})
		}

		refused := []struct {
			name    string
			headers map[string]string
		}{
			{"revoked", map[string]string{"PRIVATE-TOKEN": revoked}},
			{"expired", map[string]string{"PRIVATE-TOKEN": expired}},
			{"bad checksum", map[string]string{"PRIVATE-TOKEN": badChecksum}},
			{"bad checksum as Bearer", map[string]string{"Authorization": "Bearer " + badChecksum}},
			{"unknown", map[string]string{"PRIVATE-TOKEN": unknown}},
			{"unknown as Bearer", map[string]string{"Authorization": "Bearer " + unknown}},
			{"blocked user", map[string]string{"PRIVATE-TOKEN": blocked}},
			{"blocked user as Bearer", map[string]string{"Authorization": "Bearer " + blocked}},
			{"garbage", map[string]string{"PRIVATE-TOKEN": "hunter2"}},
			{"empty Bearer", map[string]string{"Authorization": "Bearer "}},
			{"trigger token is not a PAT", map[string]string{"PRIVATE-TOKEN": "kot_" + good[4:]}},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				res := e.graphQL(t, createPAT, tc.headers)
				wantGraphQLError(t, res, http.StatusUnauthorized, "UNAUTHENTICATED")
				if res.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			})
		}
		if n := e.patCount(t); n != 4 {
			t.Errorf("%d personal access tokens after refused mutations, want the 4 the test made", n)
		}

		t.Run("other Authorization schemes are ignored", func(t *testing.T) {
			res := e.graphQL(t, `{ currentUser { username } }`, map[string]string{"Authorization": "Basic YWxpY2U6cGFzcw=="})
			if res.status != http.StatusOK || !strings.Contains(res.body, `"currentUser":null`) {
				t.Fatalf("Basic auth = %d %s, want anonymous", res.status, truncate(res.body))
			}
		})
		t.Run("PAT wins over a session cookie", func(t *testing.T) {
			_, session := e.login(t, "alice", testPassword)
			bob := e.createUser(t, "bob", false)
			_, bobs := e.createPAT(t, bob)
			wantCurrentUser(t, e.graphQL(t, currentUserQuery, map[string]string{"Cookie": session, "PRIVATE-TOKEN": bobs}), "bob")
		})
	})
}

// syncBuffer is a bytes.Buffer safe for the server's logging goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
