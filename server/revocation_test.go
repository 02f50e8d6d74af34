package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kickoff-ci/kickoff/graph"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/events/eventstest"
	"github.com/kickoff-ci/kickoff/server"
)

// recheckEvery shortens the websocket credential recheck (30 s in
// production) so the tests below run in a second.
const recheckEvery = 200 * time.Millisecond

func withRecheck(d time.Duration) envOption {
	return func(c *testConfig) { c.graph = append(c.graph, graph.WithCredentialRecheck(d)) }
}

// wantClosed reads until the socket closes and checks its close code. The
// read's own timeout (20 s) is below the 30 s the revocation must take.
func (s *subClient) wantClosed(t *testing.T, code websocket.StatusCode) {
	t.Helper()
	for {
		m, err := s.read()
		if err != nil {
			if got := websocket.CloseStatus(err); got != code {
				t.Fatalf("socket ended with %v (status %d), want close code %d", err, got, code)
			}
			return
		}
		if m.Type == "next" && !strings.Contains(string(m.Payload), `"errors"`) {
			t.Fatalf("socket sent data after its credential was revoked: %s", m.Payload)
		}
	}
}

// query runs a query over the socket as operation id.
func (s *subClient) query(t *testing.T, id, query string) {
	t.Helper()
	payload, _ := json.Marshal(map[string]any{"query": query})
	s.send(t, wsMessage{ID: id, Type: "subscribe", Payload: payload})
}

func cookieSocketHeader(e *authEnv, session string) http.Header {
	return http.Header{"Cookie": {server.SessionCookie + "=" + session}, "Origin": {e.srv.URL}}
}

// Every way a credential ends closes the websockets that use it, with the
// GraphQL-over-websocket close code for the reason, within the recheck
// interval and with no event on a quiet project needed to notice.
func TestRevocationEndsWebsockets(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newTPEnv(t, db, withEventBus(t, db), withRecheck(recheckEvery))
		cases := []struct {
			name string
			// open returns the socket's headers; revoke ends its credential.
			open   func(t *testing.T, username string) http.Header
			revoke func(t *testing.T, username string, h http.Header)
			code   websocket.StatusCode
		}{
			{
				name: "sign-out", code: 4401,
				open: e.sessionSocket,
				revoke: func(t *testing.T, _ string, h http.Header) {
					session := strings.TrimPrefix(h.Get("Cookie"), server.SessionCookie+"=")
					res := e.send(t, http.MethodDelete, "/api/session", "", map[string]string{"Cookie": session})
					wantStatus(t, res, http.StatusNoContent, "")
				},
			},
			{
				name: "sign out everywhere from another browser", code: 4401,
				open: e.sessionSocket,
				revoke: func(t *testing.T, username string, _ http.Header) {
					_, other := e.login(t, username, testPassword)
					res := e.graphQL(t, `mutation { signOutEverywhere { endedSessions errors } }`, csrf(other))
					if !strings.Contains(res.body, `"endedSessions":2`) {
						t.Fatalf("signOutEverywhere = %d %s, want 2 sessions ended", res.status, res.body)
					}
				},
			},
			{
				name: "personal access token revoked", code: 4401,
				open: e.patSocket,
				revoke: func(t *testing.T, _ string, h http.Header) {
					id := e.patIDOf(t, h.Get("Private-Token"))
					e.tpGQL(t, h.Get("Private-Token"), fmt.Sprintf(`mutation { personalAccessTokenRevoke(input: {id: "gid://kickoff/PersonalAccessToken/%d"}) { errors } }`, id))
				},
			},
			{
				name: "user blocked", code: 4401,
				open: e.patSocket,
				revoke: func(t *testing.T, username string, _ http.Header) {
					u, err := e.ids.UserByUsername(context.Background(), username)
					if err != nil {
						t.Fatal(err)
					}
					e.block(t, u)
				},
			},
			{
				name: "removed from the project", code: 4403,
				open: e.patSocket,
				revoke: func(t *testing.T, username string, _ http.Header) {
					e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { projectMemberRemove(input: {projectPath: "grp/app", username: %q}) { errors } }`, username))
				},
			},
		}
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				username := fmt.Sprintf("viewer%d", i)
				e.createUser(t, username, false)
				e.tpMember(t, username, "REPORTER")
				h := tc.open(t, username)
				eventstest.WaitSubscribers(t, e.set.Events, 0)
				s := dialSub(t, e.srv.URL, h)
				s.subscribe(t, "app", "grp/app")
				eventstest.WaitSubscribers(t, e.set.Events, 1)
				s.query(t, "me", `{ currentUser { username } }`)
				if m, err := s.read(); err != nil || !strings.Contains(string(m.Payload), username) {
					t.Fatalf("query before revocation = %+v, %v", m, err)
				}
				start := time.Now()
				tc.revoke(t, username, h)
				s.wantClosed(t, tc.code)
				t.Logf("socket closed %v after the revocation", time.Since(start).Round(time.Millisecond))
			})
		}
	})
}

// Between rechecks, an operation sent on the socket is checked itself: a
// revoked token's next query is refused and the socket closes.
func TestWebsocketOperationRechecksCredential(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newTPEnv(t, db, withRecheck(time.Hour))
		e.createUser(t, "viewer", false)
		h := e.patSocket(t, "viewer")
		s := dialSub(t, e.srv.URL, h)
		s.query(t, "1", `{ currentUser { username } }`)
		if m, err := s.read(); err != nil || !strings.Contains(string(m.Payload), `"viewer"`) {
			t.Fatalf("first query = %+v, %v", m, err)
		}
		if m, err := s.read(); err != nil || m.Type != "complete" {
			t.Fatalf("first query not completed: %+v, %v", m, err)
		}
		id := e.patIDOf(t, h.Get("Private-Token"))
		e.tpGQL(t, h.Get("Private-Token"), fmt.Sprintf(`mutation { personalAccessTokenRevoke(input: {id: "gid://kickoff/PersonalAccessToken/%d"}) { errors } }`, id))
		s.query(t, "2", `mutation { projectCreate(input: {name: "x", path: "grp/x"}) { errors } }`)
		m, err := s.read()
		if err != nil || !strings.Contains(string(m.Payload), "UNAUTHENTICATED") {
			t.Fatalf("operation after revocation = %+v, %v; want UNAUTHENTICATED", m, err)
		}
		s.wantClosed(t, 4401)
		if n := e.projectCount(t); n != 1 {
			t.Fatalf("%d projects, want only grp/app", n)
		}
	})
}

// Signing out ends the session on the server: the same cookie, replayed,
// is refused, while the user's other sessions go on.
func TestSignOutEndsTheSession(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		e.createUser(t, "alice", false)
		_, first := e.login(t, "alice", testPassword)
		_, second := e.login(t, "alice", testPassword)
		res := e.send(t, http.MethodDelete, "/api/session", "", map[string]string{"Cookie": first})
		wantStatus(t, res, http.StatusNoContent, "")
		wantGraphQLError(t, e.graphQL(t, currentUserQuery, csrf(first)), http.StatusUnauthorized, "UNAUTHENTICATED")
		wantCurrentUser(t, e.graphQL(t, currentUserQuery, csrf(second)), "alice")
		// Signing out again with the dead cookie is harmless.
		wantStatus(t, e.send(t, http.MethodDelete, "/api/session", "", map[string]string{"Cookie": first}), http.StatusNoContent, "")

		res = e.graphQL(t, `mutation { signOutEverywhere { endedSessions errors } }`, csrf(second))
		if !strings.Contains(res.body, `"endedSessions":1`) {
			t.Fatalf("signOutEverywhere = %s, want 1 session ended", res.body)
		}
		wantGraphQLError(t, e.graphQL(t, currentUserQuery, csrf(second)), http.StatusUnauthorized, "UNAUTHENTICATED")
	})
}

func TestSignOutEverywhereAuthorization(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		root := e.createUser(t, "root", true)
		alice := e.createUser(t, "alice", false)
		bob := e.createUser(t, "bob", false)
		_, rootPAT := e.createPAT(t, root)
		_, bobPAT := e.createPAT(t, bob)
		_, aliceSession := e.login(t, "alice", testPassword)
		mutation := fmt.Sprintf(`mutation { signOutEverywhere(input: {userId: "gid://kickoff/User/%d"}) { endedSessions errors } }`, alice.ID)

		res := e.graphQL(t, mutation, map[string]string{"PRIVATE-TOKEN": bobPAT})
		if !strings.Contains(res.body, "user not found") {
			t.Fatalf("bob signs alice out = %s, want user not found", res.body)
		}
		wantCurrentUser(t, e.graphQL(t, currentUserQuery, csrf(aliceSession)), "alice")
		if res := e.graphQL(t, `mutation { signOutEverywhere { endedSessions } }`, nil); !strings.Contains(res.body, `"code":"UNAUTHENTICATED"`) {
			t.Fatalf("anonymous signOutEverywhere = %s, want UNAUTHENTICATED", res.body)
		}

		res = e.graphQL(t, mutation, map[string]string{"PRIVATE-TOKEN": rootPAT})
		if !strings.Contains(res.body, `"endedSessions":1`) {
			t.Fatalf("admin signs alice out = %s, want 1 session ended", res.body)
		}
		wantGraphQLError(t, e.graphQL(t, currentUserQuery, csrf(aliceSession)), http.StatusUnauthorized, "UNAUTHENTICATED")
	})
}

func TestDefaultCredentialRecheckIsAtMost30s(t *testing.T) {
	if graph.DefaultCredentialRecheck > 30*time.Second {
		t.Fatalf("DefaultCredentialRecheck = %v, want at most 30s", graph.DefaultCredentialRecheck)
	}
}

func (e *authEnv) sessionSocket(t *testing.T, username string) http.Header {
	t.Helper()
	_, session := e.login(t, username, testPassword)
	return cookieSocketHeader(e, session)
}

func (e *authEnv) patSocket(t *testing.T, username string) http.Header {
	t.Helper()
	u, err := e.ids.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	_, pat := e.createPAT(t, u)
	return patHeader(pat)
}

func (e *authEnv) patIDOf(t *testing.T, pat string) int {
	t.Helper()
	v, err := e.ids.AuthenticateToken(context.Background(), pat)
	if err != nil {
		t.Fatal(err)
	}
	return v.CredentialID
}

// Changing the password ends every other session of the user; the one that
// changed it stays, and a wrong current password changes nothing.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		e.createUser(t, "alice", false)
		_, here := e.login(t, "alice", testPassword)
		_, elsewhere := e.login(t, "alice", testPassword)
		change := func(current, next string) response {
			return e.graphQL(t, fmt.Sprintf(`mutation { currentUserPasswordUpdate(input: {currentPassword: %q, newPassword: %q}) { errors } }`, current, next), csrf(here))
		}
		if res := change("wrong password", "a new password"); !strings.Contains(res.body, "the current password is wrong") {
			t.Fatalf("wrong current password = %s", res.body)
		}
		if res := change(testPassword, "short"); !strings.Contains(res.body, "at least 8 characters") {
			t.Fatalf("short new password = %s", res.body)
		}
		wantCurrentUser(t, e.graphQL(t, currentUserQuery, csrf(elsewhere)), "alice")

		if res := change(testPassword, "a new password"); !strings.Contains(res.body, `"errors":[]`) {
			t.Fatalf("password change = %s", res.body)
		}
		wantCurrentUser(t, e.graphQL(t, currentUserQuery, csrf(here)), "alice")
		wantGraphQLError(t, e.graphQL(t, currentUserQuery, csrf(elsewhere)), http.StatusUnauthorized, "UNAUTHENTICATED")
		if res, _ := e.login(t, "alice", testPassword); res.status != http.StatusUnauthorized {
			t.Errorf("old password = %d, want 401", res.status)
		}
		if res, _ := e.login(t, "alice", "a new password"); res.status != http.StatusOK {
			t.Errorf("new password = %d, want 200", res.status)
		}
	})
}
