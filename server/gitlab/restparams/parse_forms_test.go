package restparams

// Every request form of GitLab's trigger docs.

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

// TestParseGitLabForms sends every request form of GitLab's trigger docs (and
// the one-URL forms of the Clonio seed) and checks what a handler reads.
func TestParseGitLabForms(t *testing.T) {
	githubPush := `{"ref":"refs/heads/main","before":"0000000000000000000000000000000000000000",` +
		`"after":"91e2711a93e5d9e8dddfeb6d003b636b25bf6fc9","created":true,"forced":false,` +
		`"repository":{"id":1296269,"full_name":"octocat/Hello-World","private":false,"size":0.5},` +
		`"commits":[{"id":"91e2711a","message":"Fix <b>all</b> & more","added":["a.go"],"removed":[],"modified":[]}],` +
		`"head_commit":null,"token":"` + token + `"}`

	tests := []struct {
		name    string
		req     func(t *testing.T) *http.Request
		vars    map[string]string
		payload string // every parameter, as JSON
	}{
		{
			name: "curl --form token --form ref (multipart)",
			req: func(t *testing.T) *http.Request {
				return formRequest(t, triggerURL, "token="+token, "ref=main")
			},
			payload: `{"ref":"main","token":"` + token + `"}`,
		},
		{
			name: `curl --form "variables[UPLOAD_TO_S3]=true"`,
			req: func(t *testing.T) *http.Request {
				return formRequest(t, triggerURL, "token=TOKEN", "ref=main", "variables[UPLOAD_TO_S3]=true")
			},
			vars:    map[string]string{"UPLOAD_TO_S3": "true"},
			payload: `{"ref":"main","token":"TOKEN","variables":{"UPLOAD_TO_S3":"true"}}`,
		},
		{
			name: "curl --request POST with token and ref in the query string, no body",
			req: func(t *testing.T) *http.Request {
				return newRequest(triggerURL+"?token=TOKEN&ref=main", "", "")
			},
			payload: `{"ref":"main","token":"TOKEN"}`,
		},
		{
			name: "pipeline_triggers API example: form variables, query token and ref",
			req: func(t *testing.T) *http.Request {
				return formRequest(t, triggerURL+"?token=2cb1840fb9dfc9fb0b7b1609cd29cb&ref=main",
					"variables[VAR1]=value1", "variables[VAR2]=value2")
			},
			vars:    map[string]string{"VAR1": "value1", "VAR2": "value2"},
			payload: `{"ref":"main","token":"2cb1840fb9dfc9fb0b7b1609cd29cb","variables":{"VAR1":"value1","VAR2":"value2"}}`,
		},
		{
			name: "JSON body",
			req: func(t *testing.T) *http.Request {
				return newRequest(triggerURL, "application/json", `{"ref":"main","token":"TOKEN","variables":{"A":"1"}}`)
			},
			vars:    map[string]string{"A": "1"},
			payload: `{"ref":"main","token":"TOKEN","variables":{"A":"1"}}`,
		},
		{
			name: "JSON body with charset, odd case and whitespace",
			req: func(t *testing.T) *http.Request {
				return newRequest(triggerURL, "Application/JSON ; charset=UTF-8", "\n { \"ref\" : \"main\" } \n")
			},
			payload: `{"ref":"main"}`,
		},
		{
			name: "application/*+json body",
			req: func(t *testing.T) *http.Request {
				return newRequest(triggerURL, "application/vnd.api+json", `{"ref":"main"}`)
			},
			payload: `{"ref":"main"}`,
		},
		{
			name: `wget --post-data="" (empty urlencoded body)`,
			req: func(t *testing.T) *http.Request {
				return newRequest("https://kickoff.example/api/trigger/"+token, "application/x-www-form-urlencoded", "")
			},
			payload: `{}`,
		},
		{
			name: "curl --fail -X POST (no body, no Content-Type)",
			req: func(t *testing.T) *http.Request {
				return newRequest("https://kickoff.example/api/trigger/"+token, "", "")
			},
			payload: `{}`,
		},
		{
			name: "empty body with any Content-Type",
			req: func(t *testing.T) *http.Request {
				return newRequest(triggerURL+"?ref=main", "text/plain", "")
			},
			payload: `{"ref":"main"}`,
		},
		{
			name: "whitespace-only JSON body counts as empty",
			req: func(t *testing.T) *http.Request {
				return newRequest(triggerURL+"?ref=main", "application/json", " \r\n\t")
			},
			payload: `{"ref":"main"}`,
		},
		{
			name: `curl -d "token=…&ref=main" (urlencoded)`,
			req: func(t *testing.T) *http.Request {
				return newRequest(triggerURL, "application/x-www-form-urlencoded", "token="+token+"&ref=main")
			},
			payload: `{"ref":"main","token":"` + token + `"}`,
		},
		{
			name: "urlencoded body without Content-Type",
			req: func(t *testing.T) *http.Request {
				return newRequest(triggerURL, "", "token=TOKEN&ref=main&variables[A]=1")
			},
			vars:    map[string]string{"A": "1"},
			payload: `{"ref":"main","token":"TOKEN","variables":{"A":"1"}}`,
		},
		{
			name: "curl --data-urlencode: escapes, + and percent-encoded brackets",
			req: func(t *testing.T) *http.Request {
				return newRequest(triggerURL, "application/x-www-form-urlencoded",
					"ref=release%2F1.0&variables%5BMSG%5D=hello+world%21&variables[EQ]=a%3Db%26c&variables[UTF]=%C3%A9t%C3%A9")
			},
			vars:    map[string]string{"MSG": "hello world!", "EQ": "a=b&c", "UTF": "été"},
			payload: `{"ref":"release/1.0","variables":{"EQ":"a=b&c","MSG":"hello world!","UTF":"été"}}`,
		},
		{
			name: "body overrides query, top-level names replaced whole (Rack's GET.merge(POST))",
			req: func(t *testing.T) *http.Request {
				return newRequest(triggerURL+"?token=QUERY&ref=query&variables[A]=1&page=2",
					"application/x-www-form-urlencoded", "ref=body&variables[B]=2")
			},
			vars:    map[string]string{"B": "2"},
			payload: `{"page":"2","ref":"body","token":"QUERY","variables":{"B":"2"}}`,
		},
		{
			name: "multipart body overrides query",
			req: func(t *testing.T) *http.Request {
				return formRequest(t, triggerURL+"?token=QUERY&ref=query", "ref=body")
			},
			payload: `{"ref":"body","token":"QUERY"}`,
		},
		{
			name: "JSON body overrides query",
			req: func(t *testing.T) *http.Request {
				return newRequest(triggerURL+"?token=QUERY&ref=query&variables[A]=1",
					"application/json", `{"ref":"body","variables":{"B":"2"}}`)
			},
			vars:    map[string]string{"B": "2"},
			payload: `{"ref":"body","token":"QUERY","variables":{"B":"2"}}`,
		},
		{
			name: "repeated scalars: last one wins, in query, body and multipart",
			req: func(t *testing.T) *http.Request {
				return formRequest(t, triggerURL+"?token=a&token=b", "ref=x", "ref=y", "variables[V]=1", "variables[V]=2")
			},
			vars:    map[string]string{"V": "2"},
			payload: `{"ref":"y","token":"b","variables":{"V":"2"}}`,
		},
		{
			name: "webhook: GitHub-like push event as JSON, token in the query",
			req: func(t *testing.T) *http.Request {
				r := newRequest("https://kickoff.example/api/v4/projects/1/ref/main/trigger/pipeline?token=QTOKEN",
					"application/json", githubPush)
				r.Header.Set("X-GitHub-Event", "push")
				return r
			},
			payload: `{"after":"91e2711a93e5d9e8dddfeb6d003b636b25bf6fc9","before":"0000000000000000000000000000000000000000",` +
				`"commits":[{"added":["a.go"],"id":"91e2711a","message":"Fix <b>all</b> & more","modified":[],"removed":[]}],` +
				`"created":true,"forced":false,"head_commit":null,"ref":"refs/heads/main",` +
				`"repository":{"full_name":"octocat/Hello-World","id":1296269,"private":false,"size":0.5},"token":"` + token + `"}`,
		},
		{
			name: "webhook: GitHub form-encoded delivery (payload=<json>)",
			req: func(t *testing.T) *http.Request {
				return newRequest(triggerURL+"?token=T&ref=main", "application/x-www-form-urlencoded",
					"payload=%7B%22ref%22%3A%22refs%2Fheads%2Fmain%22%7D")
			},
			payload: `{"payload":"{\"ref\":\"refs/heads/main\"}","ref":"main","token":"T"}`,
		},
		{
			name: "variables= (empty) is an empty map",
			req: func(t *testing.T) *http.Request {
				return newRequest(triggerURL, "application/x-www-form-urlencoded", "ref=main&variables=")
			},
			vars:    map[string]string{},
			payload: `{"ref":"main","variables":""}`,
		},
		{
			name: "JSON variables null is absent",
			req: func(t *testing.T) *http.Request {
				return newRequest(triggerURL, "application/json", `{"ref":"main","variables":null}`)
			},
			payload: `{"ref":"main","variables":null}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, tt.req(t))
			if got := payload(t, p); got != tt.payload {
				t.Errorf("Payload()\n got %s\nwant %s", got, tt.payload)
			}
			vars, err := p.Variables()
			if err != nil {
				t.Fatalf("Variables: %v", err)
			}
			if !reflect.DeepEqual(vars, tt.vars) {
				t.Errorf("Variables() = %#v, want %#v", vars, tt.vars)
			}
			if !json.Valid([]byte(payload(t, p))) {
				t.Error("Payload is not valid JSON")
			}
		})
	}
}
