package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/server"
)

// forgeJWT signs claims the way an attacker (or a bug) would. A nil header
// value removes that header.
func forgeJWT(t *testing.T, method jwt.SigningMethod, claims jwt.MapClaims, header map[string]any, key any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("forging JWT: %v", err)
	}
	return s
}

// sessionClaims are what the server itself would issue for userID; the
// attacks alter one thing each.
func sessionClaims(userID int, sid string, change func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"iss": testIssuer, "aud": testAudience, "sub": strconv.Itoa(userID),
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "sid": sid,
	}
	if change != nil {
		change(c)
	}
	return c
}

// claimOf returns one claim of a token's payload, unverified.
func claimOf(t *testing.T, token, name string) string {
	t.Helper()
	var c jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil {
		t.Fatal(err)
	}
	v, _ := c[name].(string)
	return v
}

// tamper replaces the payload of a genuine token, keeping its signature.
func tamper(t *testing.T, token string, change func(map[string]any)) string {
	t.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var payload map[string]any
	if err := json.Unmarshal(raw, &payload); err != nil {
		t.Fatal(err)
	}
	change(payload)
	raw, _ = json.Marshal(payload)
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}

func TestSessionJWTAttacks(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		root := e.createUser(t, "root", true)
		eve := e.createUser(t, "eve", false)
		kid, key := e.kr.SigningKey()
		hs256 := func(c jwt.MapClaims, header map[string]any) string {
			if header == nil {
				header = map[string]any{}
			}
			if _, ok := header["kid"]; !ok {
				header["kid"] = kid
			}
			return forgeJWT(t, jwt.SigningMethodHS256, c, header, key)
		}
		_, eveSession := e.login(t, "eve", testPassword)
		_, rootSession := e.login(t, "root", testPassword)
		if eveSession == "" || rootSession == "" {
			t.Fatal("eve or root could not sign in")
		}
		// Forged tokens name root's open session, so each is refused for
		// the one thing it alters.
		rootSID, eveSID := claimOf(t, rootSession, "sid"), claimOf(t, eveSession, "sid")

		attacks := []struct{ name, token string }{
			{"alg none", forgeJWT(t, jwt.SigningMethodNone, sessionClaims(root.ID, rootSID, nil), map[string]any{"kid": kid}, jwt.UnsafeAllowNoneSignatureType)},
			{"alg none, signature dropped from a genuine token", func() string {
				header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"` + kid + `","typ":"JWT"}`))
				return header + "." + strings.Split(hs256(sessionClaims(root.ID, rootSID, nil), nil), ".")[1] + "."
			}()},
			{"HS256 with a wrong key", forgeJWT(t, jwt.SigningMethodHS256, sessionClaims(root.ID, rootSID, nil), map[string]any{"kid": kid}, []byte("not-the-server-key-not-the-server-key"))},
			{"HS512 with the right key", forgeJWT(t, jwt.SigningMethodHS512, sessionClaims(root.ID, rootSID, nil), map[string]any{"kid": kid}, key)},
			{"tampered payload", tamper(t, eveSession, func(p map[string]any) { p["sub"] = strconv.Itoa(root.ID) })},
			{"tampered expiry", tamper(t, eveSession, func(p map[string]any) { p["exp"] = time.Now().Add(1000 * time.Hour).Unix() })},
			{"missing exp", hs256(sessionClaims(root.ID, rootSID, func(c jwt.MapClaims) { delete(c, "exp") }), nil)},
			{"expired", hs256(sessionClaims(root.ID, rootSID, func(c jwt.MapClaims) {
				c["iat"], c["nbf"], c["exp"] = time.Now().Add(-13*time.Hour).Unix(), time.Now().Add(-13*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
			}), nil)},
			{"wrong iss", hs256(sessionClaims(root.ID, rootSID, func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }), nil)},
			{"missing iss", hs256(sessionClaims(root.ID, rootSID, func(c jwt.MapClaims) { delete(c, "iss") }), nil)},
			{"wrong aud", hs256(sessionClaims(root.ID, rootSID, func(c jwt.MapClaims) { c["aud"] = "kickoff-api" }), nil)},
			{"missing aud", hs256(sessionClaims(root.ID, rootSID, func(c jwt.MapClaims) { delete(c, "aud") }), nil)},
			{"unknown kid", hs256(sessionClaims(root.ID, rootSID, nil), map[string]any{"kid": "0123456789abcdef"})},
			{"missing kid", hs256(sessionClaims(root.ID, rootSID, nil), map[string]any{"kid": nil})},
			{"user that does not exist", hs256(sessionClaims(root.ID+1000, rootSID, nil), nil)},
			{"not a JWT", "not-a-jwt"},
			{"session id never issued", hs256(sessionClaims(root.ID, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", nil), nil)},
			{"another user's session id", hs256(sessionClaims(root.ID, eveSID, nil), nil)},
			{"no session id", hs256(sessionClaims(root.ID, rootSID, func(c jwt.MapClaims) { delete(c, "sid") }), nil)},
			{"exp as a string", hs256(sessionClaims(root.ID, rootSID, func(c jwt.MapClaims) { c["exp"] = strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10) }), nil)},
			{"far exp, iat older than the session lifetime", hs256(sessionClaims(root.ID, rootSID, func(c jwt.MapClaims) {
				c["iat"], c["nbf"], c["exp"] = time.Now().Add(-13*time.Hour).Unix(), time.Now().Add(-13*time.Hour).Unix(), time.Now().Add(1000*time.Hour).Unix()
			}), nil)},
		}
		for _, tc := range attacks {
			t.Run(tc.name, func(t *testing.T) {
				for _, mutation := range []string{createProject, createPAT} {
					res := e.graphQL(t, mutation, csrf(tc.token))
					wantGraphQLError(t, res, http.StatusUnauthorized, "UNAUTHENTICATED")
					if c := setCookie(res); c == nil || c.Value != "" || c.MaxAge >= 0 {
						t.Errorf("401 does not clear the cookie: Set-Cookie %q", res.header.Get("Set-Cookie"))
					}
				}
			})
		}
		if p, k := e.projectCount(t), e.patCount(t); p != 0 || k != 0 {
			t.Fatalf("refused sessions wrote %d projects and %d tokens", p, k)
		}

		t.Run("blocked user's genuine session", func(t *testing.T) {
			e.block(t, eve)
			wantGraphQLError(t, e.graphQL(t, createProject, csrf(eveSession)), http.StatusUnauthorized, "UNAUTHENTICATED")
			if n := e.projectCount(t); n != 0 {
				t.Fatalf("%d projects, want 0", n)
			}
		})
		// The control: the same forging code with nothing altered is a
		// working session, so the refusals above are the server's doing.
		t.Run("control: correctly signed token works", func(t *testing.T) {
			res := e.graphQL(t, createProject, csrf(hs256(sessionClaims(root.ID, rootSID, nil), nil)))
			if res.status != http.StatusOK || !strings.Contains(res.body, `"errors":[]`) || e.projectCount(t) != 1 {
				t.Fatalf("control mutation = %d %s, want a project created", res.status, truncate(res.body))
			}
		})
	})
}

func TestSessionCSRF(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		e.createUser(t, "alice", false)
		_, session := e.login(t, "alice", testPassword)
		mutation, _ := json.Marshal(map[string]string{"query": createProject})
		with := func(extra map[string]string) map[string]string {
			h := map[string]string{"Cookie": session}
			for k, v := range extra {
				h[k] = v
			}
			return h
		}
		refused := []struct {
			name, method, path, body string
			headers                  map[string]string
		}{
			{"no CSRF header", "POST", "/api/graphql", string(mutation),
				with(map[string]string{"Content-Type": "application/json"})},
			{"blank CSRF header", "POST", "/api/graphql", string(mutation),
				with(map[string]string{"Content-Type": "application/json", server.CSRFHeader: " "})},
			{"text/plain", "POST", "/api/graphql", string(mutation),
				with(map[string]string{"Content-Type": "text/plain", server.CSRFHeader: "1"})},
			{"text/plain without CSRF header (a cross-site fetch)", "POST", "/api/graphql", string(mutation),
				with(map[string]string{"Content-Type": "text/plain"})},
			{"form post", "POST", "/api/graphql", "query=" + createProject,
				with(map[string]string{"Content-Type": "application/x-www-form-urlencoded"})},
			{"form post with CSRF header", "POST", "/api/graphql", "query=" + createProject,
				with(map[string]string{"Content-Type": "application/x-www-form-urlencoded", server.CSRFHeader: "1"})},
			{"multipart post", "POST", "/api/graphql", "--x\r\n\r\n--x--",
				with(map[string]string{"Content-Type": "multipart/form-data; boundary=x", server.CSRFHeader: "1"})},
			{"foreign Origin", "POST", "/api/graphql", string(mutation),
				with(map[string]string{"Content-Type": "application/json", server.CSRFHeader: "1", "Origin": "https://evil.example"})},
			{"sibling port Origin", "POST", "/api/graphql", string(mutation),
				with(map[string]string{"Content-Type": "application/json", server.CSRFHeader: "1", "Origin": "http://127.0.0.1:1"})},
			{"opaque Origin null", "POST", "/api/graphql", string(mutation),
				with(map[string]string{"Content-Type": "application/json", server.CSRFHeader: "1", "Origin": "null"})},
			{"Sec-Fetch-Site cross-site", "POST", "/api/graphql", string(mutation),
				with(map[string]string{"Content-Type": "application/json", server.CSRFHeader: "1", "Sec-Fetch-Site": "cross-site"})},
			{"GET without CSRF header", "GET", "/api/graphql?query=%7BcurrentUser%7Busername%7D%7D", "", with(nil)},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				res := e.send(t, tc.method, tc.path, tc.body, tc.headers)
				wantGraphQLError(t, res, http.StatusForbidden, "FORBIDDEN")
			})
		}
		t.Run("websocket upgrade without Origin", func(t *testing.T) {
			wantUpgradeRefused(t, e, http.Header{"Cookie": {server.SessionCookie + "=" + session}})
		})
		t.Run("websocket upgrade from a foreign Origin", func(t *testing.T) {
			wantUpgradeRefused(t, e, http.Header{"Cookie": {server.SessionCookie + "=" + session}, "Origin": {"https://evil.example"}})
		})
		if n := e.projectCount(t); n != 0 {
			t.Fatalf("refused requests created %d projects", n)
		}

		t.Run("websocket upgrade from the same origin", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, _, err := websocket.Dial(ctx, wsURL(e), &websocket.DialOptions{
				HTTPHeader:   http.Header{"Cookie": {server.SessionCookie + "=" + session}, "Origin": {e.srv.URL}},
				Subprotocols: []string{"graphql-transport-ws"},
			})
			if err != nil {
				t.Fatalf("same-origin upgrade: %v", err)
			}
			defer c.CloseNow()
			if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_init"}`)); err != nil {
				t.Fatal(err)
			}
			_, msg, err := c.Read(ctx)
			if err != nil || !strings.Contains(string(msg), "connection_ack") {
				t.Fatalf("connection_init answered %s, %v; want connection_ack", msg, err)
			}
		})
		t.Run("control: same request with the CSRF header", func(t *testing.T) {
			res := e.send(t, "POST", "/api/graphql", string(mutation),
				with(map[string]string{"Content-Type": "application/json", server.CSRFHeader: "1", "Origin": e.srv.URL}))
			if res.status != http.StatusOK || e.projectCount(t) != 1 {
				t.Fatalf("control mutation = %d %s, want a project created", res.status, truncate(res.body))
			}
		})
	})
}

func wsURL(e *authEnv) string {
	return "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/api/graphql"
}

func wantUpgradeRefused(t *testing.T, e *authEnv, h http.Header) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, wsURL(e), &websocket.DialOptions{HTTPHeader: h, Subprotocols: []string{"graphql-transport-ws"}})
	if err == nil {
		c.CloseNow()
		t.Fatal("upgrade accepted")
	}
	if res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("upgrade refused with %v, want 403", err)
	}
}
