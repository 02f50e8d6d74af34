package server_test

// Refused sign-ins: their answers and audit events.

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/server"
)

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
