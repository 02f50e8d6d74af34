package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/sessionjwt"
)

func TestSessionLoginAndLogout(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		alice := e.createUser(t, "alice", true)

		res, session := e.login(t, "Alice", testPassword) // usernames are case-insensitive
		if res.status != http.StatusOK || session == "" {
			t.Fatalf("login = %d %s, want 200 with a session cookie", res.status, truncate(res.body))
		}
		t.Run("user JSON", func(t *testing.T) {
			var got map[string]any
			if err := json.Unmarshal([]byte(res.body), &got); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{
				"id": float64(alice.ID), "username": "alice", "name": "alice", "state": "active",
				"admin": true, "avatar_url": nil, "web_url": e.srv.URL + "/alice",
			}
			if len(got) != len(want) {
				t.Errorf("user JSON has fields %v, want exactly %v", got, want)
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("user JSON %s = %v, want %v", k, got[k], v)
				}
			}
			if strings.Contains(res.body, session) || strings.Contains(res.body, testPassword) {
				t.Error("login response body holds a secret")
			}
		})
		t.Run("cookie attributes", func(t *testing.T) {
			raw := res.header.Get("Set-Cookie")
			c := setCookie(res)
			if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure {
				t.Fatalf("Set-Cookie = %q, want HttpOnly; SameSite=Strict; Path=/ without Secure", raw)
			}
			ttl := int(sessionjwt.DefaultTTL.Seconds())
			if c.MaxAge < ttl-60 || c.MaxAge > ttl {
				t.Errorf("Max-Age = %d, want about %d (the JWT's lifetime)", c.MaxAge, ttl)
			}
		})
		t.Run("cookie with CSRF header authenticates GraphQL POST", func(t *testing.T) {
			wantCurrentUser(t, e.graphQL(t, currentUserQuery, csrf(session)), "alice")
		})
		t.Run("cookie with CSRF header authenticates GraphQL GET", func(t *testing.T) {
			res := e.send(t, http.MethodGet, "/api/graphql?query=%7BcurrentUser%7Busername%7D%7D", "", csrf(session))
			wantCurrentUser(t, res, "alice")
		})
		t.Run("same-origin Origin is accepted", func(t *testing.T) {
			h := csrf(session)
			h["Origin"] = e.srv.URL
			h["Sec-Fetch-Site"] = "same-origin"
			wantCurrentUser(t, e.graphQL(t, currentUserQuery, h), "alice")
		})
		t.Run("session is audited with the client IP", func(t *testing.T) {
			ev, err := db.Client.AuditEvent.Query().Where(auditevent.Action("session.login")).Only(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if ev.IPAddress != "127.0.0.1" || ev.UserAgent == "" {
				t.Errorf("audit ip %q user agent %q, want 127.0.0.1 and Go's user agent", ev.IPAddress, ev.UserAgent)
			}
		})
		t.Run("logout clears the cookie", func(t *testing.T) {
			res := e.send(t, http.MethodDelete, "/api/session", "", map[string]string{"Cookie": session})
			c := setCookie(res)
			if res.status != http.StatusNoContent || c == nil || c.Value != "" || c.MaxAge >= 0 || !c.HttpOnly {
				t.Fatalf("logout = %d Set-Cookie %q, want 204 clearing the cookie", res.status, res.header.Get("Set-Cookie"))
			}
			if !strings.Contains(res.header.Get("Set-Cookie"), "Max-Age=0") {
				t.Errorf("Set-Cookie %q lacks Max-Age=0", res.header.Get("Set-Cookie"))
			}
		})
		t.Run("logout without a session is fine", func(t *testing.T) {
			if res := e.send(t, http.MethodDelete, "/api/session", "", nil); res.status != http.StatusNoContent {
				t.Fatalf("logout = %d, want 204", res.status)
			}
		})
		t.Run("cross-origin logout is refused", func(t *testing.T) {
			res := e.send(t, http.MethodDelete, "/api/session", "", map[string]string{"Origin": "https://evil.example"})
			if res.status != http.StatusForbidden {
				t.Fatalf("logout = %d, want 403", res.status)
			}
		})
	})
}

func TestSessionCookieSecureWhenConfigured(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db, secureCookies)
		e.createUser(t, "alice", false)
		res, _ := e.login(t, "alice", testPassword)
		if c := setCookie(res); res.status != http.StatusOK || c == nil || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
			t.Fatalf("login = %d Set-Cookie %q, want Secure; HttpOnly; SameSite=Strict", res.status, res.header.Get("Set-Cookie"))
		}
		res = e.send(t, http.MethodDelete, "/api/session", "", nil)
		if c := setCookie(res); c == nil || !c.Secure {
			t.Fatalf("logout Set-Cookie %q, want Secure", res.header.Get("Set-Cookie"))
		}
	})
}

func TestLoginUpgradesOldPasswordHashes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		u := e.createUser(t, "olga", false)
		old, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		db.Client.User.UpdateOne(u).SetPasswordHash(string(old)).ExecX(ctx)
		if res, _ := e.login(t, "olga", testPassword); res.status != http.StatusOK {
			t.Fatalf("sign-in with a bcrypt hash = %d, want 200", res.status)
		}
		hash := db.Client.User.GetX(ctx, u.ID).PasswordHash
		if !strings.HasPrefix(hash, "$argon2id$") {
			t.Fatalf("hash after sign-in = %.10s…, want argon2id", hash)
		}
		if res, _ := e.login(t, "olga", testPassword); res.status != http.StatusOK {
			t.Fatalf("sign-in with the upgraded hash = %d, want 200", res.status)
		}
		if again := db.Client.User.GetX(ctx, u.ID).PasswordHash; again != hash {
			t.Error("a current hash was rehashed again")
		}
	})
}
