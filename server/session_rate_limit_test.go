package server_test

// The sign-in rate limits, per IP, user and device.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/server"
)

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
