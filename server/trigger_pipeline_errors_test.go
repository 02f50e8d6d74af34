package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/tokens"
	"github.com/kickoff-ci/kickoff/internal/tokens/tokenstest"
)

// tpForm is an urlencoded body of key, value pairs.
func tpForm(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

// tpCase is one request to a trigger endpoint and the exact answer it must get.
type tpCase struct {
	name    string
	path    string // relative to the server; "" is grp/app's GitLab endpoint
	body    string
	ctype   string // Content-Type; "" is urlencoded when there is a body
	headers map[string]string
	status  int
	want    string // exact JSON body
}

func (e *tpEnv) tpDo(t *testing.T, c tpCase) response {
	t.Helper()
	path := c.path
	if path == "" {
		path = fmt.Sprintf("/api/v4/projects/%d/trigger/pipeline", e.project.ID)
	}
	h := map[string]string{}
	if c.body != "" {
		h["Content-Type"] = "application/x-www-form-urlencoded"
	}
	if c.ctype != "" {
		h["Content-Type"] = c.ctype
	}
	for k, v := range c.headers {
		h[k] = v
	}
	return e.send(t, http.MethodPost, path, c.body, h)
}

// tpRunRefusals checks each case's exact status and body and that no
// pipeline was written.
func (e *tpEnv) tpRunRefusals(t *testing.T, cases []tpCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.tpPipelineCount(t)
			res := e.tpDo(t, c)
			if res.status != c.status || strings.TrimSpace(res.body) != c.want {
				t.Errorf("got %d %s\nwant %d %s", res.status, truncate(res.body), c.status, c.want)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if n := e.tpPipelineCount(t); n != before {
				t.Errorf("%d pipelines after a refused request, want %d", n, before)
			}
		})
	}
}

const (
	tpNotFound     = `{"message":"404 Not Found"}`
	tpOwnerDenied  = `{"message":"403 Forbidden - Trigger owner has insufficient permissions to project"}`
	tpRefNotFound  = `{"message":{"base":["Reference not found"]}}`
	tpRefAmbiguous = `{"message":{"base":["Ref is ambiguous"]}}`
	tpDupPayload   = `{"message":{"base":["Duplicate variable name: TRIGGER_PAYLOAD"]}}`
	tpRateLimited  = `{"message":"Too many pipelines created in the last minute. Try again later."}`
)

// TestTriggerPipelineErrorTable covers every row of SPEC §5's error table
// and Kickoff's request limits, in the table's order of checks.
func TestTriggerPipelineErrorTable(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		e := newTPEnv(t, db)
		e.tpRef(t, "v1", "TAG")
		e.tpRef(t, "both", "BRANCH")
		e.tpRef(t, "both", "TAG")
		e.tpRef(t, "feature/x", "BRANCH")
		tok := e.tpTrigger(t, "")

		// Another project's token.
		e.tpGQL(t, e.pat, `mutation { projectCreate(input: {name: "other", path: "grp/other"}) { errors } }`)
		data := e.tpGQL(t, e.pat, `mutation { pipelineTriggerCreate(input: {projectPath: "grp/other", description: "o"}) { pipelineTrigger { token } errors } }`)
		otherTok := strings.Split(strings.Split(string(data), `"token":"`)[1], `"`)[0]

		revoked := e.tpTrigger(t, "")
		e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { pipelineTriggerDelete(input: {id: "gid://kickoff/PipelineTrigger/%d"}) { errors } }`, e.tpTriggerRow(t, revoked).ID))
		expired := e.tpTrigger(t, `expiresAt: "`+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)+`"`)
		if err := db.Client.PipelineTrigger.UpdateOne(e.tpTriggerRow(t, expired)).SetExpiresAt(time.Now().Add(-time.Second)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		badChecksum := tokenstest.BadChecksum(tok)
		unknown, err := tokens.New(tokens.Trigger)
		if err != nil {
			t.Fatal(err)
		}

		// Owners who lost access: a Maintainer demoted to Reporter, one blocked.
		demoted, blocked := e.createUser(t, "demoted", false), e.createUser(t, "blocked", false)
		_, demotedPAT := e.createPAT(t, demoted)
		_, blockedPAT := e.createPAT(t, blocked)
		e.tpMember(t, "demoted", "MAINTAINER")
		e.tpMember(t, "blocked", "MAINTAINER")
		tokenOf := func(pat string) string {
			data := e.tpGQL(t, pat, `mutation { pipelineTriggerCreate(input: {projectPath: "grp/app", description: "d"}) { pipelineTrigger { token } errors } }`)
			return strings.Split(strings.Split(string(data), `"token":"`)[1], `"`)[0]
		}
		demotedTok, blockedTok := tokenOf(demotedPAT), tokenOf(blockedPAT)
		e.tpGQL(t, e.pat, `mutation { projectMemberUpdate(input: {projectPath: "grp/app", username: "demoted", accessLevel: REPORTER}) { errors } }`)
		e.block(t, blocked)

		policy := e.tpTrigger(t, `allowedRefs: ["main", "release/*"], allowedVariables: ["DEPLOY"]`)
		cidr := e.tpTrigger(t, `allowedCidrs: ["10.0.0.0/8", "192.168.0.0/16"]`)
		limited := e.tpTrigger(t, `rateLimitPerMinute: 1`)

		id := strconv.Itoa(e.project.ID)
		hook := func(ref, token string) string {
			return "/api/v4/projects/" + id + "/ref/" + url.PathEscape(ref) + "/trigger/pipeline?token=" + url.QueryEscape(token)
		}
		oneURL := func(token string) string { return "/api/trigger/" + url.PathEscape(token) }
		const jsonType = "application/json"
		manyVars := make([]string, 0, 2*202)
		for i := range 201 {
			manyVars = append(manyVars, fmt.Sprintf("variables[V%d]", i), "x")
		}

		e.tpRunRefusals(t, []tpCase{
			// 1. Loop protection, whatever else the request holds.
			{name: "Pipeline Hook event", body: tpForm("token", tok, "ref", "main"), headers: map[string]string{"X-Gitlab-Event": "Pipeline Hook"}, status: 403, want: `{"message":"403 Forbidden"}`},
			{name: "Pipeline Hook event on webhook form", path: hook("main", tok), headers: map[string]string{"X-Gitlab-Event": "Pipeline Hook"}, status: 403, want: `{"message":"403 Forbidden"}`},
			{name: "Pipeline Hook event on one-URL form", path: oneURL(tok), headers: map[string]string{"X-Gitlab-Event": "Pipeline Hook"}, status: 403, want: `{"message":"403 Forbidden"}`},

			// 2. Missing or blank token and ref.
			{name: "nothing", status: 400, want: `{"error":"ref is missing, ref is empty, token is missing"}`},
			{name: "token only", body: tpForm("token", tok), status: 400, want: `{"error":"ref is missing, ref is empty"}`},
			{name: "ref only", body: tpForm("ref", "main"), status: 400, want: `{"error":"token is missing"}`},
			{name: "blank ref", body: tpForm("token", tok, "ref", ""), status: 400, want: `{"error":"ref is empty"}`},
			{name: "whitespace ref", body: tpForm("token", tok, "ref", "  "), status: 400, want: `{"error":"ref is empty"}`},
			{name: "blank ref, no token", body: tpForm("ref", ""), status: 400, want: `{"error":"ref is empty, token is missing"}`},
			{name: "no ref, blank token", body: tpForm("token", ""), status: 400, want: `{"error":"ref is missing, ref is empty, token is empty"}`},
			{name: "JSON null ref", body: `{"token":"` + tok + `","ref":null}`, ctype: jsonType, status: 400, want: `{"error":"ref is empty"}`},
			{name: "webhook form without token", path: "/api/v4/projects/" + id + "/ref/main/trigger/pipeline", status: 400, want: `{"error":"token is missing"}`},
			{name: "one-URL form with blank ref", path: oneURL(tok), body: tpForm("ref", ""), status: 400, want: `{"error":"ref is empty"}`},

			// 3. variables not a map.
			{name: "variables a string", body: tpForm("token", tok, "ref", "main", "variables", "A=1"), status: 400, want: `{"error":"variables is invalid"}`},
			{name: "variables a JSON array", body: `{"token":"` + tok + `","ref":"main","variables":["A"]}`, ctype: jsonType, status: 400, want: `{"error":"variables is invalid"}`},
			{name: "variables a form array", body: tpForm("token", tok, "ref", "main", "variables[]", "A"), status: 400, want: `{"error":"variables is invalid"}`},

			// 4. variables values not strings.
			{name: "variable a number", body: `{"token":"` + tok + `","ref":"main","variables":{"A":1}}`, ctype: jsonType, status: 400, want: `{"message":"variables needs to be a map of key-valued strings"}`},
			{name: "variable an object", body: `{"token":"` + tok + `","ref":"main","variables":{"A":{"B":"x"}}}`, ctype: jsonType, status: 400, want: `{"message":"variables needs to be a map of key-valued strings"}`},
			{name: "variable nested in a form", body: tpForm("token", tok, "ref", "main", "variables[A][B]", "x"), status: 400, want: `{"message":"variables needs to be a map of key-valued strings"}`},

			// 5. Unknown project or token: one answer for all.
			{name: "unknown project ID", path: "/api/v4/projects/999999/trigger/pipeline", body: tpForm("token", tok, "ref", "main"), status: 404, want: tpNotFound},
			{name: "unknown project path", path: "/api/v4/projects/grp%2Fnope/trigger/pipeline", body: tpForm("token", tok, "ref", "main"), status: 404, want: tpNotFound},
			{name: "unknown token", body: tpForm("token", unknown, "ref", "main"), status: 404, want: tpNotFound},
			{name: "bad checksum", body: tpForm("token", badChecksum, "ref", "main"), status: 404, want: tpNotFound},
			{name: "not a token", body: tpForm("token", "hunter2", "ref", "main"), status: 404, want: tpNotFound},
			{name: "a PAT", body: tpForm("token", e.pat, "ref", "main"), status: 404, want: tpNotFound},
			{name: "expired token", body: tpForm("token", expired, "ref", "main"), status: 404, want: tpNotFound},
			{name: "revoked token", body: tpForm("token", revoked, "ref", "main"), status: 404, want: tpNotFound},
			{name: "token of another project", body: tpForm("token", otherTok, "ref", "main"), status: 404, want: tpNotFound},
			{name: "token of another project by path", path: "/api/v4/projects/grp%2Fapp/trigger/pipeline", body: tpForm("token", otherTok, "ref", "main"), status: 404, want: tpNotFound},
			{name: "one-URL unknown token", path: oneURL(unknown), status: 404, want: tpNotFound},
			{name: "one-URL revoked token", path: oneURL(revoked), status: 404, want: tpNotFound},
			{name: "webhook unknown token", path: hook("main", unknown), status: 404, want: tpNotFound},

			// 6. The owner lost access.
			{name: "owner demoted to Reporter", body: tpForm("token", demotedTok, "ref", "main"), status: 403, want: tpOwnerDenied},
			{name: "owner blocked", body: tpForm("token", blockedTok, "ref", "main"), status: 403, want: tpOwnerDenied},
			{name: "one-URL owner blocked", path: oneURL(blockedTok), status: 403, want: tpOwnerDenied},

			// 7. Not a branch or tag.
			{name: "unknown ref", body: tpForm("token", tok, "ref", "nope"), status: 400, want: tpRefNotFound},
			{name: "commit SHA", body: tpForm("token", tok, "ref", tpSHA), status: 400, want: tpRefNotFound},
			{name: "refs/tags/ of a branch", body: tpForm("token", tok, "ref", "refs/tags/main"), status: 400, want: tpRefNotFound},
			{name: "refs/heads/ of a tag", body: tpForm("token", tok, "ref", "refs/heads/v1"), status: 400, want: tpRefNotFound},
			{name: "webhook unknown ref", path: hook("nope", tok), status: 400, want: tpRefNotFound},
			{name: "webhook ref not UTF-8", path: hook("\xff", tok), status: 400, want: tpRefNotFound},
			{name: "webhook ref with NUL", path: hook("a\x00b", tok), status: 400, want: tpRefNotFound},
			{name: "one-URL unknown ref", path: oneURL(tok), body: tpForm("ref", "nope"), status: 400, want: tpRefNotFound},

			// 8. Both a branch and a tag.
			{name: "ambiguous ref", body: tpForm("token", tok, "ref", "both"), status: 400, want: tpRefAmbiguous},
			{name: "webhook ambiguous ref", path: hook("both", tok), status: 400, want: tpRefAmbiguous},

			// 9. TRIGGER_PAYLOAD sent as a variable in the webhook form.
			{name: "TRIGGER_PAYLOAD in webhook form", path: hook("main", tok), body: tpForm("variables[TRIGGER_PAYLOAD]", "x"), status: 422, want: tpDupPayload},
			{name: "TRIGGER_PAYLOAD in webhook JSON", path: hook("main", tok), body: `{"variables":{"TRIGGER_PAYLOAD":"x"}}`, ctype: jsonType, status: 422, want: tpDupPayload},

			// 10. Kickoff's per-token limits.
			{name: "ref not allowed", body: tpForm("token", policy, "ref", "feature/x"), status: 403, want: `{"message":"403 Forbidden - ref feature/x is not allowed for this trigger token"}`},
			{name: "variable not allowed", body: tpForm("token", policy, "ref", "main", "variables[DEPLOY]", "1", "variables[OTHER]", "1"), status: 403, want: `{"message":"403 Forbidden - variable OTHER is not allowed for this trigger token"}`},
			{name: "CIDR not allowed", body: tpForm("token", cidr, "ref", "main"), status: 403, want: `{"message":"403 Forbidden - requests from this IP address are not allowed for this trigger token"}`},
			{name: "one-URL ref not allowed", path: oneURL(policy), body: tpForm("ref", "v1"), status: 403, want: `{"message":"403 Forbidden - ref v1 is not allowed for this trigger token"}`},

			// Request limits beyond the table: 413 and variables rules.
			{name: "body over 1 MiB", body: tpForm("token", tok, "ref", "main", "variables[A]", strings.Repeat("x", 1<<20)), status: 413, want: `{"message":"413 Request Entity Too Large"}`},
			{name: "201 variables", body: tpForm(append([]string{"token", tok, "ref", "main"}, manyVars...)...), status: 400, want: `{"error":"variables: at most 200 variables are allowed"}`},
			{name: "variable key with a dash", body: tpForm("token", tok, "ref", "main", "variables[A-B]", "x"), status: 400, want: `{"error":"variables: \"A-B\" is not a valid variable name (letters, digits and _, not starting with a digit, at most 255 characters)"}`},
			{name: "variable key starting with a digit", body: tpForm("token", tok, "ref", "main", "variables[1A]", "x"), status: 400, want: `{"error":"variables: \"1A\" is not a valid variable name (letters, digits and _, not starting with a digit, at most 255 characters)"}`},
			{name: "empty variable key", body: `{"token":"` + tok + `","ref":"main","variables":{"":"x"}}`, ctype: jsonType, status: 400, want: `{"error":"variables: \"\" is not a valid variable name (letters, digits and _, not starting with a digit, at most 255 characters)"}`},
			{name: "variable value over 64 KiB", body: tpForm("token", tok, "ref", "main", "variables[BIG]", strings.Repeat("x", 64<<10+1)), status: 400, want: `{"error":"variables: the value of BIG is longer than 65536 bytes"}`},
			{name: "Idempotency-Key over 255", body: tpForm("token", tok, "ref", "main"), headers: map[string]string{"Idempotency-Key": strings.Repeat("k", 256)}, status: 400, want: `{"error":"Idempotency-Key must be at most 255 characters"}`},
			{name: "Idempotency-Key not UTF-8", body: tpForm("token", tok, "ref", "main"), headers: map[string]string{"Idempotency-Key": "k\xff"}, status: 400, want: `{"error":"Idempotency-Key must be valid UTF-8"}`},
			{name: "unknown token, User-Agent not UTF-8", body: tpForm("token", unknown, "ref", "main"), headers: map[string]string{"User-Agent": "curl\xff"}, status: 404, want: tpNotFound},
			{name: "unsupported body type", body: "<x/>", ctype: "application/xml", status: 415, want: `{"message":"415 Unsupported Media Type"}`},
			{name: "malformed JSON", body: `{"token":`, ctype: jsonType, status: 400, want: `{"error":"body is not valid JSON"}`},
		})

		t.Run("full ref names resolve", func(t *testing.T) {
			for _, tc := range []struct {
				c      tpCase
				status int
				want   tpWant
			}{
				{tpCase{body: tpForm("token", tok, "ref", "refs/heads/both")}, 201, tpWant{ref: "both", sha: tpSHA, trigger: tok}},
				{tpCase{body: tpForm("token", tok, "ref", "refs/tags/both")}, 201, tpWant{ref: "both", tag: true, sha: tpSHA, trigger: tok}},
				{tpCase{body: tpForm("token", tok, "ref", "refs/heads/feature/x")}, 201, tpWant{ref: "feature/x", sha: tpSHA, trigger: tok}},
				{tpCase{body: tpForm("token", tok, "ref", "v1")}, 201, tpWant{ref: "v1", tag: true, sha: tpSHA, trigger: tok}},
				{tpCase{path: hook("refs/tags/both", tok)}, 201, tpWant{ref: "both", tag: true, sha: tpSHA, trigger: tok}},
				{tpCase{path: oneURL(tok), body: tpForm("ref", "refs/tags/v1")}, 200, tpWant{ref: "v1", tag: true, sha: tpSHA, trigger: tok}},
				{tpCase{path: oneURL(tok)}, 200, tpWant{ref: "main", trigger: tok}},
				{tpCase{path: oneURL(policy), body: `{"ref":"main","variables":{"DEPLOY":"1"}}`, ctype: jsonType}, 200,
					tpWant{ref: "main", trigger: policy, vars: map[string]string{"DEPLOY": "1"}}},
			} {
				res := e.tpDo(t, tc.c)
				if res.status != tc.status {
					t.Errorf("%+v = %d %s", tc.c, res.status, res.body)
					continue
				}
				e.tpCheckPipeline(t, res.body, tc.want)
			}
		})

		t.Run("rate limited", func(t *testing.T) {
			res := e.tpDo(t, tpCase{body: tpForm("token", limited, "ref", "main")})
			if res.status != 201 {
				t.Fatalf("first call = %d %s", res.status, res.body)
			}
			e.tpRunRefusals(t, []tpCase{
				{name: "second call in the minute", body: tpForm("token", limited, "ref", "main"), status: 429, want: tpRateLimited},
				{name: "second call in the minute, one-URL", path: oneURL(limited), status: 429, want: tpRateLimited},
			})
			res = e.tpDo(t, tpCase{body: tpForm("token", limited, "ref", "main")})
			if s, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
				t.Errorf("Retry-After = %q, want 1..60 seconds", res.header.Get("Retry-After"))
			}
			// Other tokens are not limited by this one's budget.
			if res := e.tpDo(t, tpCase{body: tpForm("token", tok, "ref", "main")}); res.status != 201 {
				t.Errorf("another token = %d %s", res.status, res.body)
			}
		})

		t.Run("order of checks", func(t *testing.T) {
			e.tpRunRefusals(t, []tpCase{
				{name: "loop header before missing params", headers: map[string]string{"X-Gitlab-Event": "Pipeline Hook"}, status: 403, want: `{"message":"403 Forbidden"}`},
				{name: "missing ref before unknown token", body: tpForm("token", unknown), status: 400, want: `{"error":"ref is missing, ref is empty"}`},
				{name: "missing ref before unknown project", path: "/api/v4/projects/999999/trigger/pipeline", body: tpForm("token", unknown), status: 400, want: `{"error":"ref is missing, ref is empty"}`},
				{name: "missing token before invalid variables", body: tpForm("ref", "main", "variables", "x"), status: 400, want: `{"error":"token is missing"}`},
				{name: "invalid variables before unknown token", body: tpForm("token", unknown, "ref", "main", "variables", "x"), status: 400, want: `{"error":"variables is invalid"}`},
				{name: "variables not strings before unknown token", body: `{"token":"` + unknown + `","ref":"main","variables":{"A":true}}`, ctype: jsonType, status: 400, want: `{"message":"variables needs to be a map of key-valued strings"}`},
				{name: "unknown token before owner access", path: "/api/v4/projects/999999/trigger/pipeline", body: tpForm("token", demotedTok, "ref", "main"), status: 404, want: tpNotFound},
				{name: "unknown token before unknown ref", body: tpForm("token", unknown, "ref", "nope"), status: 404, want: tpNotFound},
				{name: "owner access before unknown ref", body: tpForm("token", demotedTok, "ref", "nope"), status: 403, want: tpOwnerDenied},
				{name: "unknown ref before TRIGGER_PAYLOAD", path: hook("nope", tok), body: tpForm("variables[TRIGGER_PAYLOAD]", "x"), status: 400, want: tpRefNotFound},
				{name: "ambiguous ref before TRIGGER_PAYLOAD", path: hook("both", tok), body: tpForm("variables[TRIGGER_PAYLOAD]", "x"), status: 400, want: tpRefAmbiguous},
				{name: "unknown ref before ref not allowed", body: tpForm("token", policy, "ref", "nope"), status: 400, want: tpRefNotFound},
				{name: "TRIGGER_PAYLOAD before variable not allowed", path: hook("main", policy), body: tpForm("variables[TRIGGER_PAYLOAD]", "x"), status: 422, want: tpDupPayload},
			})
			policyLimited := e.tpTrigger(t, `allowedRefs: ["main"], rateLimitPerMinute: 1`)
			if res := e.tpDo(t, tpCase{body: tpForm("token", policyLimited, "ref", "main")}); res.status != 201 {
				t.Fatalf("first call = %d %s", res.status, res.body)
			}
			e.tpRunRefusals(t, []tpCase{
				{name: "ref not allowed before rate limit", body: tpForm("token", policyLimited, "ref", "v1"), status: 403, want: `{"message":"403 Forbidden - ref v1 is not allowed for this trigger token"}`},
				{name: "rate limit", body: tpForm("token", policyLimited, "ref", "main"), status: 429, want: tpRateLimited},
			})
		})
	})
}
