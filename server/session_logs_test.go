package server_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/tokens/tokenstest"
)

// TestNoSecretsInLogs runs the sign-in and token flows with every kind of
// credential in every place a client might put one, logging at debug
// level, and checks that no password, token or JWT reaches the log or the
// audit table. The log here is not redacted, so the test also shows that
// the code does not log secrets in the first place.
func TestNoSecretsInLogs(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		logs := &syncBuffer{}
		e := newAuthEnv(t, db, logTo(logs))
		alice := e.createUser(t, "alice", false)
		const wrongPassword = "wrong-password-Zq8XkP3v"
		secrets := map[string]string{"password": testPassword, "wrong password": wrongPassword}

		// Sign-in: success, failures, rate limit, malformed bodies.
		_, session := e.login(t, "alice", testPassword)
		secrets["session JWT"] = session
		for range 6 {
			e.login(t, "alice", wrongPassword)
		}
		e.login(t, testPassword, wrongPassword) // the password typed as the username
		e.send(t, "POST", "/api/session", `{"username":"alice","password":"`+testPassword+`"`, map[string]string{"Content-Type": "application/json"})
		e.send(t, "POST", "/api/session", `{"username":"alice","password":"`+testPassword+`"}`, map[string]string{"Content-Type": "text/plain"})
		e.send(t, "POST", "/api/session", `{"username":"`+testPassword+`","password":7}`, map[string]string{"Content-Type": "application/json"})

		// A PAT created over GraphQL with the session, and one made directly.
		res := e.graphQL(t, createPAT, csrf(session))
		var created struct {
			Data struct {
				PersonalAccessTokenCreate struct{ Token string } `json:"personalAccessTokenCreate"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(res.body), &created); err != nil || created.Data.PersonalAccessTokenCreate.Token == "" {
			t.Fatalf("personalAccessTokenCreate = %d %s", res.status, truncate(res.body))
		}
		viaGraphQL := created.Data.PersonalAccessTokenCreate.Token
		_, direct := e.createPAT(t, alice)
		secrets["PAT from GraphQL"], secrets["PAT"] = viaGraphQL, direct
		kid, key := e.kr.SigningKey()
		forged := forgeJWT(t, jwt.SigningMethodHS256, sessionClaims(alice.ID, "", func(c jwt.MapClaims) { c["aud"] = "x" }), map[string]any{"kid": kid}, key)
		secrets["forged JWT"] = forged
		badPAT := tokenstest.BadChecksum(direct)
		secrets["bad PAT"] = badPAT

		// Tokens in headers, good and bad.
		e.graphQL(t, currentUserQuery, map[string]string{"PRIVATE-TOKEN": viaGraphQL})
		e.graphQL(t, currentUserQuery, map[string]string{"Authorization": "Bearer " + direct})
		e.graphQL(t, currentUserQuery, map[string]string{"PRIVATE-TOKEN": badPAT})
		e.graphQL(t, currentUserQuery, csrf(forged))
		e.graphQL(t, createProject, map[string]string{"Cookie": session}) // CSRF refusal
		// Tokens in query strings and paths.
		q := url.Values{"query": {currentUserQuery}, "private_token": {direct}, "token": {session}}
		e.send(t, "GET", "/api/graphql?"+q.Encode(), "", nil)
		e.send(t, "POST", "/api/trigger/"+direct+"?token="+viaGraphQL, "", nil)
		e.send(t, "GET", "/api/v4/projects?private_token="+direct, "", nil)
		// Tokens in bodies: variables, literals in failing queries, syntax errors.
		body, _ := json.Marshal(map[string]any{
			"query":     `query($t: String) { project(fullPath: "` + direct + `") { id } }`,
			"variables": map[string]any{"t": viaGraphQL, "password": testPassword},
		})
		e.send(t, "POST", "/api/graphql", string(body), map[string]string{"Content-Type": "application/json", "PRIVATE-TOKEN": direct})
		e.send(t, "POST", "/api/graphql", `{"query":"{ \"`+direct+`"}`, map[string]string{"Content-Type": "application/json"})
		e.send(t, "POST", "/api/graphql", `{"query": 5, "token": "`+session+`"}`, map[string]string{"Content-Type": "application/json"})
		e.send(t, "POST", "/api/graphql", "query="+direct, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		// A websocket carrying a token in connection_init.
		wsInit(t, e, `{"type":"connection_init","payload":{"Authorization":"Bearer `+direct+`","token":"`+session+`"}}`)
		e.send(t, "DELETE", "/api/session", "", map[string]string{"Cookie": session})

		e.srv.Close() // waits for in-flight requests, so every line is written
		out := logs.String()
		if strings.Count(out, "http request") < 20 {
			t.Fatalf("expected debug request logs, got:\n%s", out)
		}
		audited := auditTexts(t, db)
		for name, secret := range secrets {
			if strings.Contains(out, secret) {
				t.Errorf("the log contains the %s", name)
			}
			for _, text := range audited {
				if strings.Contains(text, secret) {
					t.Errorf("the audit table contains the %s: %s", name, truncate(text))
				}
			}
		}
		if t.Failed() {
			t.Logf("log:\n%s", out)
		}
	})
}

func wsInit(t *testing.T, e *authEnv, init string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, wsURL(e), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatalf("websocket: %v", err)
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageText, []byte(init)); err != nil {
		t.Fatal(err)
	}
	_, _, _ = c.Read(ctx)
	_ = c.Close(websocket.StatusNormalClosure, "")
}
