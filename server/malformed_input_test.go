package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/server"
)

// The malformed-input corpus. Every route the server registers (walked from
// its router, so a new route is covered without editing this test) gets
// every malformed path segment, query string, body and header below, as an
// anonymous client, with a personal access token and with a session cookie.
// Whatever arrives: no 5xx, an API error body is JSON, and nothing is
// written but audit records and sign-in failures.

// badSegments replace one path wildcard at a time. "VALID" stands for the
// wildcard's working value, so damage next to a real id or token is tried too.
var badSegments = []string{
	"%00", "VALID%00", "%FF", "VALID%FF", "%C0%AF", "%ED%A0%80", "-1", "0", "1e3", "0x10",
	"99999999999999999999999", "%20", "VALID%0A", "%E2%80%AE", strings.Repeat("9", 5000),
	"no-such-ref%00/trigger/pipeline", "%FF/trigger/pipeline",
}

var badQueries = []string{
	"token=%00", "token=TOKEN%00", "token=TOKEN&ref=%FF", "token=TOKEN&ref=main%00",
	"token=TOKEN&variables[%00]=x", "token=TOKEN&variables[A]=%FF",
	"page=%00&per_page=-5", "page=99999999999999999999&per_page=1e9", "per_page=%FF",
	"query=%00", "query=%7B__typename%7D&variables=%FF", "query=%7Bnode(id:%22%00%22)%7Bid%7D%7D",
	"%zz=1", "a=%",
}

// badBody is one request body with its Content-Type.
type badBody struct{ contentType, body string }

var badBodies = []badBody{
	{"application/json", `{"token":"TOKEN","ref":"main\u0000"}`},
	{"application/json", "{\"token\":\"TOKEN\",\"ref\":\"\xff\xfe\"}"},
	{"application/json", `{"token":"TOKEN","variables":{"A\u0000":"x"}}`},
	{"application/json", `{"token":"TOKEN","variables":{"A":"\u0000"}}`},
	{"application/json", `{"token":"TOKEN","variables":"nope"}`},
	{"application/json", `{"token":"TOKEN","ref":["main"]}`},
	{"application/json", `{"token":"\u0000"}`},
	{"application/json", `{"token":"TOKEN\u0000","ref":"main"}`},
	{"application/json", `{"description":"\u0000","ref":"main","expires_at":"\u0000"}`},
	{"application/json", "{\"description\":\"\xff\",\"owner_id\":\"\u0000\"}"},
	{"application/json", `{"status":"\u0000","failure_reason":"\u0000","token":"RUNNER"}`},
	{"application/json", `{"username":"\u0000","password":"x"}`},
	{"application/json", "{\"username\":\"\xff\xfe\",\"password\":\"\xff\"}"},
	{"application/json", `{"token":`},
	{"application/json", strings.Repeat("[", 100_000)},
	{"application/json", `null`},
	{"application/json", `[]`},
	{"application/json", "\xff\xfe\x00"},
	{"application/json", `{"query":"{ node(id: \"\\u0000\") { id } }"}`},
	{"application/json", `{"query":"{ nodes(ids: [\"\\u0000\", \"-1\", \"99999999999999999999\"]) { id } }"}`},
	{"application/json", `{"query":"{ projects(first: 5, after: \"!!\") { nodes { id } } }"}`},
	{"application/json", `{"query":"{ currentUser { personalAccessTokens(after: \"garbage\") { nodes { id } } } }"}`},
	{"application/json", `{"query":"{ project(fullPath: \"grp/app\\u0000\") { id } }"}`},
	{"application/json", `{"query":"mutation { projectCreate(input: {name: \"x\\u0000\", path: \"grp/y\"}) { errors } }"}`},
	{"application/json", `{"query":"mutation { pipelineTriggerCreate(input: {projectPath: \"grp/app\", description: \"\\u0000\"}) { errors } }"}`},
	{"application/json", `{"query":"mutation { pipelineCreate(input: {projectPath: \"grp/app\", ref: \"main\\u0000\"}) { errors } }"}`},
	{"application/json", `{"query":"query($a: Int) { __typename }","variables":{"a":"x"}}`},
	{"application/json", `{"query":"{ __typename }","operationName":"\u0000"}`},
	{"application/json", "{\"query\":\"\xff\"}"},
	{"application/json", `{"query":5}`},
	{"application/json", `[{"query":"{ __typename }"},{"query":"{ __typename }"}]`},
	{"application/json", `{"query":"subscription { pipelineUpdated(projectPath: \"grp/app\") { id } }"}`},
	{"application/x-www-form-urlencoded", "token=TOKEN&ref=%00"},
	{"application/x-www-form-urlencoded", "token=TOKEN&ref=%FF"},
	{"application/x-www-form-urlencoded", "token=TOKEN&variables[%00]=x"},
	{"application/x-www-form-urlencoded", "token=TOKEN&variables[A]=%00"},
	{"application/x-www-form-urlencoded", "token=TOKEN&variables[A=1"},
	{"application/x-www-form-urlencoded", "token=%00"},
	{"application/x-www-form-urlencoded", "%zz=1&token=TOKEN"},
	{"application/x-www-form-urlencoded", "token=TOKEN&ref=main&TRIGGER_PAYLOAD=%00"},
	{"multipart/form-data; boundary=", "--\r\n\r\n"},
	{"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nTOKEN\x00\r\n--x--\r\n"},
	{"application/json; charset=\xff", `{"token":"TOKEN","ref":"no-such-ref"}`},
	{"text/plain", "token=TOKEN"},
	{"", "\x00\x00\x00"},
}

// badHeaders are added to a request with working path and body.
var badHeaders = []map[string]string{
	{"Idempotency-Key": "\xff\xfe"},
	{"Idempotency-Key": strings.Repeat("k", 1000)},
	{"X-Forwarded-For": "\xff, 1.2.3.4"},
	{"Authorization": "Bearer \xff"},
	{"Authorization": "Bearer kop_" + strings.Repeat("\xff", 38)},
	{"Private-Token": "kop_\xff"},
	{"Cookie": server.SessionCookie + "=\xff", "X-Kickoff-CSRF": "1"},
	{"Cookie": server.DeviceCookie + "=\xff"},
	{"Origin": "\xff"},
	{"Origin": "null"},
	{"Upgrade": "websocket", "Connection": "Upgrade"},
	{"Upgrade": "h2c", "Connection": "Upgrade, HTTP2-Settings"},
	{"Sec-Fetch-Site": "\xff"},
	{"Accept-Encoding": "\xff"},
	{"User-Agent": "\xff\xfe"},
	{"Content-Length": "5"},
}

// corpusEnv is a running server with working credentials and ids to
// damage.
type corpusEnv struct {
	*rnEnv
	valid   map[string]string // wildcard name → working value
	token   string            // a trigger token
	runner  string            // a runner token
	session string
}

func TestMalformedInputCorpus(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := &corpusEnv{rnEnv: &rnEnv{newTPEnv(t, db)}}
		e.token = e.tpTrigger(t, "")
		_, e.runner = e.rnCreateRunner(t, e.pat, "grp/app")
		_, e.session = e.login(t, "owner", testPassword)
		tr := e.tpTriggerRow(t, e.token)
		e.valid = map[string]string{
			"id": strconv.Itoa(e.project.ID), "trigger_id": strconv.Itoa(tr.ID),
			"token": e.token, "rest...": "main/trigger/pipeline",
			// Well-formed but unknown: a real pipeline would be deleted by
			// the first well-formed DELETE and change the row counts.
			"pipeline_id": "424242",
		}
		before := e.rowCounts(t)
		sent, failures := 0, 0
		for _, pattern := range e.routes {
			for _, req := range e.corpusFor(pattern) {
				for _, cred := range e.credentials() {
					sent++
					if msg := e.judge(t, req, cred); msg != "" {
						failures++
						if failures <= 20 {
							t.Errorf("%s %s %q [%s]: %s", req.method, req.path, truncate(req.body.body), cred.name, msg)
						}
					}
				}
			}
		}
		t.Logf("%d malformed requests over %d routes, %d failures", sent, len(e.routes), failures)
		if after := e.rowCounts(t); after != before {
			t.Errorf("malformed requests wrote rows: %s → %s", before, after)
		}
	})
}

// corpusRequest is one request of the corpus.
type corpusRequest struct {
	method, path, query string
	body                badBody
	headers             map[string]string
}

// corpusFor builds the requests for one route pattern: each bad segment in
// each wildcard, each bad query, body and header with the rest working.
func (e *corpusEnv) corpusFor(pattern string) []corpusRequest {
	method, path, ok := strings.Cut(pattern, " ")
	methods := []string{method}
	if !ok { // a method-less pattern answers any method itself
		path, methods = pattern, []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete}
	}
	if path == "/" || strings.HasSuffix(path, "/") && strings.Count(path, "/") <= 2 {
		path += "x" // the catch-alls: any path under them
	}
	var out []corpusRequest
	for _, m := range methods {
		// The base request works up to a ref that does not exist, so what
		// each case damages is checked with everything else valid.
		base := corpusRequest{method: m, path: e.fill(path, "", ""), body: badBody{"application/json", `{"token":"TOKEN","ref":"no-such-ref"}`}}
		for _, w := range wildcards(path) {
			for _, seg := range badSegments {
				r := base
				r.path = e.fill(path, w, strings.ReplaceAll(seg, "VALID", e.valid[w]))
				out = append(out, r)
			}
		}
		for _, q := range badQueries {
			r := base
			r.query = q
			out = append(out, r)
		}
		if m == http.MethodPost || m == http.MethodPut {
			for _, b := range badBodies {
				r := base
				r.body = b
				out = append(out, r)
			}
		}
		for _, h := range badHeaders {
			r := base
			r.headers = h
			out = append(out, r)
		}
	}
	return out
}

// wildcards lists a pattern's {name} segments.
func wildcards(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}

// fill replaces every wildcard with its working value, except bad, which
// gets value.
func (e *corpusEnv) fill(path, bad, value string) string {
	for _, w := range wildcards(path) {
		v := e.valid[w]
		if w == bad {
			v = value
		}
		path = strings.Replace(path, "{"+w+"}", v, 1)
	}
	return path
}

type credential struct {
	name    string
	headers map[string]string
}

func (e *corpusEnv) credentials() []credential {
	return []credential{
		{"anonymous", nil},
		{"personal access token", map[string]string{"Private-Token": e.pat}},
		{"session cookie", map[string]string{"Cookie": server.SessionCookie + "=" + e.session, "X-Kickoff-CSRF": "1"}},
	}
}

// judge sends one request and says what is wrong with the answer, or "".
func (e *corpusEnv) judge(t *testing.T, c corpusRequest, cred credential) string {
	t.Helper()
	url := e.srv.URL + c.path
	if c.query != "" {
		url += "?" + strings.NewReplacer("TOKEN", e.token).Replace(c.query)
	}
	body := strings.NewReplacer("TOKEN", e.token, "RUNNER", e.runner).Replace(c.body.body)
	if c.method != http.MethodPost && c.method != http.MethodPut {
		body = ""
	}
	req, err := http.NewRequest(c.method, url, strings.NewReader(body))
	if err != nil {
		return "" // not a request a client can send (the URL does not parse)
	}
	if body != "" && c.body.contentType != "" {
		req.Header.Set("Content-Type", c.body.contentType)
	}
	for _, h := range []map[string]string{cred.headers, c.headers} {
		for k, v := range h {
			if k == "Content-Length" {
				req.ContentLength = int64(len(body) + 5) // promises more than it sends
				continue
			}
			req.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "" // the client gave up on it (e.g. the Content-Length lie)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	switch {
	case res.StatusCode >= 500:
		return fmt.Sprintf("answered %d %s", res.StatusCode, truncate(string(b)))
	case !strings.HasPrefix(c.path, "/api/") || res.StatusCode < 200 || res.StatusCode == http.StatusNoContent || res.StatusCode/100 == 3:
		return ""
	case !json.Valid(b):
		return fmt.Sprintf("answered %d with a body that is not JSON: %s", res.StatusCode, truncate(string(b)))
	}
	return ""
}

// rowCounts is every table's row count that a refused request must not
// change (audit records and sign-in failures are expected).
func (e *corpusEnv) rowCounts(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	c := e.db.Client
	counts := []func(context.Context) (int, error){
		c.User.Query().Count, c.Project.Query().Count, c.ProjectMember.Query().Count, c.Ref.Query().Count,
		c.Pipeline.Query().Count, c.PipelineVariable.Query().Count, c.PipelineTrigger.Query().Count,
		c.PersonalAccessToken.Query().Count, c.Runner.Query().Count, c.Session.Query().Count,
		c.IdempotencyKey.Query().Count,
	}
	var out []string
	for _, count := range counts {
		n, err := count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, strconv.Itoa(n))
	}
	return strings.Join(out, "/")
}
