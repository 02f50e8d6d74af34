package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/sessionjwt"
	"github.com/kickoff-ci/kickoff/server"
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

func TestLoginErrors(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		e.createUser(t, "alice", false)
		blocked := e.createUser(t, "blocked", false)
		e.block(t, blocked)
		tests := []struct {
			name, method, contentType, body string
			wantStatus                      int
			wantBody                        string
		}{
			{"wrong password", "POST", "application/json", `{"username":"alice","password":"wrong password"}`,
				401, `{"message":"invalid username or password"}`},
			{"unknown user", "POST", "application/json", `{"username":"nobody","password":"wrong password"}`,
				401, `{"message":"invalid username or password"}`},
			{"blocked user with the right password", "POST", "application/json", `{"username":"blocked","password":"` + testPassword + `"}`,
				401, `{"message":"invalid username or password"}`},
			{"malformed JSON", "POST", "application/json", `{"username":"alice","password":`,
				400, `{"error":"request body must be a JSON object {\"username\": string, \"password\": string}"}`},
			{"not an object", "POST", "application/json", `["alice"]`,
				400, `"error":`},
			{"password not a string", "POST", "application/json", `{"username":"alice","password":12345678}`,
				400, `"error":`},
			{"missing fields", "POST", "application/json", `{}`,
				400, `{"error":"username is missing, password is missing"}`},
			{"blank username", "POST", "application/json", `{"username":"  ","password":"x"}`,
				400, `{"error":"username is missing"}`},
			{"missing password", "POST", "application/json", `{"username":"alice"}`,
				400, `{"error":"password is missing"}`},
			{"content type with charset is fine", "POST", "application/json; charset=utf-8", `{}`,
				400, `{"error":"username is missing, password is missing"}`},
			{"wrong content type", "POST", "text/plain", `{"username":"alice","password":"` + testPassword + `"}`,
				415, `{"error":"Content-Type must be application/json"}`},
			{"form post", "POST", "application/x-www-form-urlencoded", `username=alice&password=x`,
				415, `{"error":"Content-Type must be application/json"}`},
			{"body too large", "POST", "application/json", `{"username":"alice","password":"` + strings.Repeat("a", server.MaxBodyBytes) + `"}`,
				413, `"error":`},
			{"GET", "GET", "", "", 405, `{"message":"405 Method Not Allowed"}`},
			{"PUT", "PUT", "application/json", `{}`, 405, `{"message":"405 Method Not Allowed"}`},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				h := map[string]string{}
				if tc.contentType != "" {
					h["Content-Type"] = tc.contentType
				}
				res := e.send(t, tc.method, "/api/session", tc.body, h)
				if res.status != tc.wantStatus || !strings.Contains(res.body, tc.wantBody) {
					t.Fatalf("%s /api/session = %d %s, want %d containing %s", tc.method, res.status, truncate(res.body), tc.wantStatus, tc.wantBody)
				}
				if ct := res.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q, want application/json", ct)
				}
				if c := setCookie(res); c != nil {
					t.Errorf("failed login set a cookie: %q", res.header.Get("Set-Cookie"))
				}
				if strings.Contains(res.body, testPassword) {
					t.Error("response echoes the password")
				}
			})
		}
	})
}

// TestLoginFailureAudit checks what a refused sign-in leaves in the audit
// log: the user it was aimed at when that user exists, and never the typed
// username, which is where operators paste passwords and tokens.
func TestLoginFailureAudit(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		alice := e.createUser(t, "alice", false)
		blocked := e.createUser(t, "blocked", false)
		e.block(t, blocked)
		tests := []struct {
			name, username, password, reason string
			target                           *ent.User
		}{
			{"unknown user", "nobody-Zq8XkP3v", testPassword, "invalid username or password", nil},
			{"wrong password", "Alice", "wrong password", "invalid username or password", alice},
			{"blocked user with the right password", "blocked", testPassword, "user is blocked", blocked},
			{"blocked user with a wrong password", "blocked", "wrong password", "invalid username or password", blocked},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if res, _ := e.login(t, tc.username, tc.password); res.status != http.StatusUnauthorized {
					t.Fatalf("login = %d, want 401", res.status)
				}
				ev, err := db.Client.AuditEvent.Query().Where(auditevent.Action("session.login_failed")).
					Order(ent.Desc(auditevent.FieldID)).First(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if ev.Reason != tc.reason {
					t.Errorf("reason = %q, want %q", ev.Reason, tc.reason)
				}
				switch {
				case tc.target == nil && (ev.TargetID != nil || ev.TargetType != ""):
					t.Errorf("target = %s %v, want none for an unknown user", ev.TargetType, deref(ev.TargetID))
				case tc.target != nil && (ev.TargetID == nil || *ev.TargetID != tc.target.ID || ev.TargetType != "User"):
					t.Errorf("target = %s %v, want User %d", ev.TargetType, deref(ev.TargetID), tc.target.ID)
				}
			})
		}
	})
}

// signInFrom signs in as a client at ip (through the trusted proxy of a
// proxiedEnv), with a device cookie when device is not empty, and returns
// the answer and the device cookie it sets.
func (e *authEnv) signInFrom(t *testing.T, ip, username, password, device string) (response, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/api/session", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	if device != "" {
		req.AddCookie(&http.Cookie{Name: server.DeviceCookie, Value: device})
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, c := range res.Cookies() {
		if c.Name == server.DeviceCookie {
			return response{res.StatusCode, res.Header, string(b)}, c.Value
		}
	}
	return response{res.StatusCode, res.Header, string(b)}, ""
}

// proxiedEnv trusts the loopback proxy, so each test client can have its
// own address in X-Forwarded-For.
func proxiedEnv(t *testing.T, db *database.DB) *authEnv {
	return newAuthEnv(t, db, trustProxies("127.0.0.0/8", "::1/128"))
}

func TestLoginRateLimit(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		// The limits are counted in the database the subtests share, so
		// each uses its own usernames and addresses.
		e := proxiedEnv(t, db)
		t.Run("per account for unknown clients, checked before the password", func(t *testing.T) {
			e.createUser(t, "alice", false)
			for i := range 5 {
				if res, _ := e.signInFrom(t, "198.51.100."+strconv.Itoa(i+1), "alice", "wrong password", ""); res.status != http.StatusUnauthorized {
					t.Fatalf("failure %d = %d, want 401", i+1, res.status)
				}
			}
			audited := loginAudits(t, db)
			res, _ := e.signInFrom(t, "198.51.100.99", "ALICE", testPassword, "") // right password, other spelling
			wantTooMany(t, res)
			if setCookie(res) != nil {
				t.Fatal("a locked account signed in")
			}
			if n := loginAudits(t, db); n != audited {
				t.Errorf("a refused attempt reached the password check (%d audit events, want %d)", n, audited)
			}
		})
		t.Run("unknown usernames are limited like real ones", func(t *testing.T) {
			for i := range 5 {
				if res, _ := e.signInFrom(t, "198.51.101."+strconv.Itoa(i+1), "nobody", "wrong password", ""); res.status != http.StatusUnauthorized {
					t.Fatalf("failure %d = %d, want 401", i+1, res.status)
				}
			}
			wantTooMany(t, first(e.signInFrom(t, "198.51.101.99", "nobody", "wrong password", "")))
		})
		t.Run("per client IP across usernames", func(t *testing.T) {
			e.createUser(t, "carol", false)
			for i := range 10 {
				if res, _ := e.signInFrom(t, "203.0.113.1", "guess"+strconv.Itoa(i), "wrong password", ""); res.status != http.StatusUnauthorized {
					t.Fatalf("failure %d = %d, want 401", i+1, res.status)
				}
			}
			wantTooMany(t, first(e.signInFrom(t, "203.0.113.1", "carol", testPassword, "")))
			// IPv6 clients are counted per /64.
			for i := range 10 {
				e.signInFrom(t, "2001:db8:1:1::"+strconv.Itoa(i+1), "guess6-"+strconv.Itoa(i), "wrong password", "")
			}
			wantTooMany(t, first(e.signInFrom(t, "2001:db8:1:1:ffff::1", "carol", testPassword, "")))
			if res, _ := e.signInFrom(t, "2001:db8:1:2::1", "carol", testPassword, ""); res.status != http.StatusOK {
				t.Fatalf("another /64 = %d %s, want 200", res.status, truncate(res.body))
			}
		})
		// OWASP's device cookies: an attacker who uses up the account's
		// allowance for unknown clients does not lock its owner out.
		t.Run("20 failures from 20 addresses do not lock out a known browser", func(t *testing.T) {
			e.createUser(t, "dave", false)
			res, device := e.signInFrom(t, "192.0.2.1", "dave", testPassword, "")
			if res.status != http.StatusOK || device == "" {
				t.Fatalf("first sign-in = %d, device cookie %q", res.status, device)
			}
			refused := 0
			for i := range 20 {
				res, _ := e.signInFrom(t, "198.18.0."+strconv.Itoa(i+1), "dave", "wrong password", "")
				switch res.status {
				case http.StatusUnauthorized:
				case http.StatusTooManyRequests:
					refused++
				default:
					t.Fatalf("attack %d = %d", i+1, res.status)
				}
			}
			if refused != 15 {
				t.Errorf("%d of 20 attacks refused, want 15 (5 allowed for unknown clients)", refused)
			}
			wantTooMany(t, first(e.signInFrom(t, "192.0.2.2", "dave", testPassword, ""))) // a new browser waits
			res, next := e.signInFrom(t, "192.0.2.1", "dave", testPassword, device)
			if res.status != http.StatusOK || next == "" || next == device {
				t.Fatalf("owner's known browser = %d %s, want 200 with a new device cookie", res.status, truncate(res.body))
			}
		})
		t.Run("a device cookie counts only for its account", func(t *testing.T) {
			e.createUser(t, "erin", false)
			_, erinDevice := e.signInFrom(t, "192.0.2.10", "erin", testPassword, "")
			for i := range 5 {
				e.signInFrom(t, "198.18.1."+strconv.Itoa(i+1), "frank", "wrong password", "")
			}
			wantTooMany(t, first(e.signInFrom(t, "192.0.2.10", "frank", "wrong password", erinDevice)))
		})
		t.Run("a known browser has its own allowance", func(t *testing.T) {
			e.createUser(t, "gina", false)
			_, device := e.signInFrom(t, "192.0.2.20", "gina", testPassword, "")
			for i := range 10 {
				if res, _ := e.signInFrom(t, "192.0.2.2"+strconv.Itoa(i), "gina", "wrong password", device); res.status != http.StatusUnauthorized {
					t.Fatalf("failure %d = %d, want 401", i+1, res.status)
				}
			}
			wantTooMany(t, first(e.signInFrom(t, "192.0.2.40", "gina", testPassword, device)))
			// Its failures were not the account's: an unknown client may still try.
			if res, _ := e.signInFrom(t, "192.0.2.41", "gina", testPassword, ""); res.status != http.StatusOK {
				t.Fatalf("unknown client after the known browser's failures = %d, want 200", res.status)
			}
		})
		t.Run("the audit log records the forwarded client", func(t *testing.T) {
			hank := e.createUser(t, "hank", false)
			res, _ := e.signInFrom(t, "203.0.113.9, 198.51.100.7", "hank", testPassword, "")
			if res.status != http.StatusOK {
				t.Fatalf("sign-in = %d %s, want 200", res.status, truncate(res.body))
			}
			ev, err := db.Client.AuditEvent.Query().
				Where(auditevent.Action("session.login"), auditevent.TargetID(hank.ID)).Only(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if ev.IPAddress != "198.51.100.7" {
				t.Errorf("audited IP %q, want the forwarded client 198.51.100.7", ev.IPAddress)
			}
		})
		// Two replicas on one database share the counts: the account's
		// allowance is 5 in total, not 5 per replica.
		t.Run("limits hold across replicas", func(t *testing.T) {
			other := proxiedEnv(t, db)
			e.createUser(t, "ivan", false)
			replicas := []*authEnv{e, other}
			for i := range 5 {
				if res, _ := replicas[i%2].signInFrom(t, "198.18.2."+strconv.Itoa(i+1), "ivan", "wrong password", ""); res.status != http.StatusUnauthorized {
					t.Fatalf("failure %d = %d, want 401", i+1, res.status)
				}
			}
			wantTooMany(t, first(other.signInFrom(t, "198.18.2.99", "ivan", testPassword, "")))
			wantTooMany(t, first(e.signInFrom(t, "198.18.2.98", "ivan", testPassword, "")))
		})
	})
}

func first(res response, _ string) response { return res }

func wantTooMany(t *testing.T, res response) {
	t.Helper()
	want := `{"message":"Too many failed sign-in attempts. Try again later."}`
	if res.status != http.StatusTooManyRequests || strings.TrimSpace(res.body) != want {
		t.Fatalf("got %d %s, want 429 %s", res.status, truncate(res.body), want)
	}
	if s, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || s < 1 || s > 300 {
		t.Errorf("Retry-After = %q, want whole seconds", res.header.Get("Retry-After"))
	}
}

func loginAudits(t *testing.T, db *database.DB) int {
	t.Helper()
	n, err := db.Client.AuditEvent.Query().Where(auditevent.ActionHasPrefix("session.")).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A password stored as an older hash (bcrypt, imported from another system)
// is rehashed with argon2id the first time it is used to sign in.
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
