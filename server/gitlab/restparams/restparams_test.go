package restparams

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

const (
	triggerURL = "https://kickoff.example/api/v4/projects/123/trigger/pipeline"
	token      = "kot_abcdefghijklmnopqrstuvwxyz012345ABCDEF"
)

// newRequest builds a POST as a client would send it; contentType "" sends
// no Content-Type header. The query string is taken as is, even when
// httptest.NewRequest would refuse it.
func newRequest(target, contentType, body string) *http.Request {
	target, query, _ := strings.Cut(target, "?")
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if body == "" {
		r = httptest.NewRequest(http.MethodPost, target, nil)
	}
	r.URL.RawQuery = query
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// formRequest builds a multipart/form-data POST like curl --form does; each
// field is "name=value".
func formRequest(t testing.TB, target string, fields ...string) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		name, value, _ := strings.Cut(f, "=")
		if err := mw.WriteField(name, value); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, target, &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

// fileRequest builds a multipart body with one plain field and one file part.
func fileRequest(t testing.TB, fieldName, filename, content string) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("ref", "main"); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile(fieldName, filename)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(fw, content)
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, triggerURL, &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func mustParse(t *testing.T, r *http.Request) *Params {
	t.Helper()
	p, err := Parse(r, DefaultMaxBody)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

func payload(t *testing.T, p *Params, omit ...string) string {
	t.Helper()
	b, err := p.Payload(omit...)
	if err != nil {
		t.Fatalf("Payload: %v", err)
	}
	return string(b)
}

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

// TestRackBrackets pins the bracket syntax to what Rack 3 builds.
func TestRackBrackets(t *testing.T) {
	tests := []struct {
		query string
		want  string
	}{
		{"variables[KEY]=value", `{"variables":{"KEY":"value"}}`},
		{"variables[a%20b.c-d[e]=1", `{"variables":{"a b.c-d[e":"1"}}`},
		{"a[]=x&a[]=y", `{"a":["x","y"]}`},
		{"a[b][c]=v&a[b][d]=w", `{"a":{"b":{"c":"v","d":"w"}}}`},
		{"a[][b]=1&a[][c]=2&a[][b]=3", `{"a":[{"b":"1","c":"2"},{"b":"3"}]}`},
		{"a[][b][c]=1&a[][b][d]=2", `{"a":[{"b":{"c":"1","d":"2"}}]}`},
		{"a[][]=1&a[][]=2", `{"a":[["1"],["2"]]}`},
		{"a=1&a=2", `{"a":"2"}`},
		{"a[b]=1&a=2", `{"a":"2"}`},
		{"a", `{"a":null}`},
		{"a[]", `{"a":[null]}`},
		{"a=", `{"a":""}`},
		{"=x&&&", `{}`},
		{"a=1& b=2", `{"a":"1","b":"2"}`},
		{"a=1;b=2", `{"a":"1;b=2"}`},
		{"a[=x", `{"a[":"x"}`},
		{"[a]=x", `{"[a]":"x"}`},
		{"[a][b]=x", `{"[a]":{"b":"x"}}`},
		{"a[b]c=x", `{"a":{"b":{"c":"x"}}}`},
		{"a[b[c]=x", `{"a":{"b[c":"x"}}`},
		{"a[]]=x", `{"a":[{"]":"x"}]}`},
		{"a[][]x=1", `{"a":[{"[]":{"x":"1"}}]}`},
		{"a%5Bb%5D=%2B+", `{"a":{"b":"+ "}}`},
		{"a=%F0%9F%9A%80", `{"a":"🚀"}`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			p := mustParse(t, newRequest("/x?"+tt.query, "", ""))
			if got := payload(t, p); got != tt.want {
				t.Errorf("query %q\n got %s\nwant %s", tt.query, got, tt.want)
			}
			// The same fields in a urlencoded body give the same result.
			p = mustParse(t, newRequest("/x", "application/x-www-form-urlencoded", tt.query))
			if got := payload(t, p); got != tt.want {
				t.Errorf("body %q\n got %s\nwant %s", tt.query, got, tt.want)
			}
		})
	}
}

func TestMultipartFiles(t *testing.T) {
	t.Run("file part content is the value", func(t *testing.T) {
		p := mustParse(t, fileRequest(t, "variables[CONFIG]", "config.json", `{"a":1}`))
		vars, err := p.Variables()
		if err != nil || vars["CONFIG"] != `{"a":1}` {
			t.Fatalf("Variables() = %v, %v", vars, err)
		}
	})
	t.Run("file input left empty is skipped", func(t *testing.T) {
		p := mustParse(t, fileRequest(t, "token", "", "ignored"))
		if p.Has("token") {
			t.Error("empty-filename part was kept")
		}
		if ref, _ := p.String("ref"); ref != "main" {
			t.Errorf("ref = %q", ref)
		}
	})
	t.Run("binary file content is rejected", func(t *testing.T) {
		_, err := Parse(fileRequest(t, "blob", "b.bin", "\x00\xff"), DefaultMaxBody)
		wantError(t, err, 400, `{"error":"parameters must be valid UTF-8 without NUL characters"}`)
	})
	t.Run("parts without a name or disposition are skipped", func(t *testing.T) {
		body := "--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n" +
			"--B\r\nContent-Type: text/plain\r\n\r\ny\r\n" +
			"--B\r\nContent-Disposition: form-data; name=\"ref\"\r\n\r\nmain\r\n--B--\r\n"
		p := mustParse(t, newRequest(triggerURL, "multipart/form-data; boundary=B", body))
		if got := payload(t, p); got != `{"ref":"main"}` {
			t.Errorf("Payload() = %s", got)
		}
	})
	t.Run("quoted-printable and RFC 2231 names", func(t *testing.T) {
		body := "--B\r\nContent-Disposition: form-data; name*=UTF-8''variables%5B%C3%89%5D\r\n" +
			"Content-Transfer-Encoding: quoted-printable\r\n\r\nd=C3=A9j=C3=A0\r\n--B--\r\n"
		p := mustParse(t, newRequest(triggerURL, `multipart/form-data; boundary="B"`, body))
		vars, err := p.Variables()
		if err != nil || vars["É"] != "déjà" {
			t.Errorf("Variables() = %v, %v", vars, err)
		}
	})
}

// TestString pins how non-string JSON values read as strings.
func TestString(t *testing.T) {
	p := mustParse(t, newRequest("/x?q=1", "application/json",
		`{"s":"main","n":123,"f":1.50,"big":12345678901234567890,"t":true,"b":false,"null":null,"o":{"a":"b"},"arr":["x"],"e":""}`))
	tests := []struct {
		name    string
		value   string
		present bool
	}{
		{"s", "main", true},
		{"q", "1", true},
		{"n", "123", true},
		{"f", "1.50", true},
		{"big", "12345678901234567890", true},
		{"t", "true", true},
		{"b", "false", true},
		{"null", "", true},
		{"o", "", true},
		{"arr", "", true},
		{"e", "", true},
		{"absent", "", false},
	}
	for _, tt := range tests {
		v, present := p.String(tt.name)
		if v != tt.value || present != tt.present {
			t.Errorf("String(%q) = %q, %v; want %q, %v", tt.name, v, present, tt.value, tt.present)
		}
		if p.Has(tt.name) != tt.present {
			t.Errorf("Has(%q) = %v", tt.name, !tt.present)
		}
	}
}

func TestPayload(t *testing.T) {
	t.Run("omits names, keeps numbers and HTML as sent", func(t *testing.T) {
		r := newRequest("/api/v4/projects/1/ref/main/trigger/pipeline?token=SECRET",
			"application/json", `{"token":"SECRET2","id":12345678901234567890123,"html":"<a href='x'>&</a>","n":1e3,"nested":{"token":"kept"}}`)
		p := mustParse(t, r)
		got := payload(t, p, "token", "absent")
		want := `{"html":"<a href='x'>&</a>","id":12345678901234567890123,"n":1e3,"nested":{"token":"kept"}}`
		if got != want {
			t.Errorf("Payload(token)\n got %s\nwant %s", got, want)
		}
		if strings.Contains(got, "SECRET") {
			t.Error("token leaked into the payload")
		}
	})
	t.Run("forms become nested objects", func(t *testing.T) {
		p := mustParse(t, formRequest(t, "/x?token=T", "ref=main", "variables[A]=1", "list[]=x", "list[]=y", "flag"))
		got := payload(t, p, "token")
		want := `{"flag":"","list":["x","y"],"ref":"main","variables":{"A":"1"}}`
		if got != want {
			t.Errorf("Payload(token)\n got %s\nwant %s", got, want)
		}
	})
	t.Run("empty", func(t *testing.T) {
		if got := payload(t, mustParse(t, newRequest("/x?token=T", "", "")), "token"); got != `{}` {
			t.Errorf("Payload = %s", got)
		}
	})
	t.Run("deterministic", func(t *testing.T) {
		body := `{"b":1,"a":{"d":2,"c":3},"e":[{"g":1,"f":2}]}`
		first := payload(t, mustParse(t, newRequest("/x", "application/json", body)))
		for range 20 {
			if got := payload(t, mustParse(t, newRequest("/x", "application/json", body))); got != first {
				t.Fatalf("Payload changed: %s vs %s", got, first)
			}
		}
	})
}

func TestVariablesErrors(t *testing.T) {
	invalid := `{"error":"variables is invalid"}`
	notStrings := `{"message":"variables needs to be a map of key-valued strings"}`
	tests := []struct {
		name, contentType, body, want string
	}{
		{"form string", "application/x-www-form-urlencoded", "variables=x", invalid},
		{"form array", "application/x-www-form-urlencoded", "variables[]=x", invalid},
		{"JSON string", "application/json", `{"variables":"x"}`, invalid},
		{"JSON array", "application/json", `{"variables":["A","1"]}`, invalid},
		{"JSON empty array", "application/json", `{"variables":[]}`, invalid},
		{"JSON number", "application/json", `{"variables":1}`, invalid},
		{"JSON bool", "application/json", `{"variables":true}`, invalid},
		{"JSON number value", "application/json", `{"variables":{"A":1}}`, notStrings},
		{"JSON bool value", "application/json", `{"variables":{"A":"1","B":true}}`, notStrings},
		{"JSON null value", "application/json", `{"variables":{"A":null}}`, notStrings},
		{"JSON object value", "application/json", `{"variables":{"A":{"B":"x"}}}`, notStrings},
		{"JSON array value", "application/json", `{"variables":{"A":["x"]}}`, notStrings},
		{"form nested map", "application/x-www-form-urlencoded", "variables[A][B]=x", notStrings},
		{"form nested array", "application/x-www-form-urlencoded", "variables[A][]=x", notStrings},
		{"form value without =", "application/x-www-form-urlencoded", "variables[A]", notStrings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, newRequest(triggerURL+"?token=T&ref=main", tt.contentType, tt.body))
			vars, err := p.Variables()
			if vars != nil {
				t.Errorf("Variables() returned %v with an error", vars)
			}
			wantError(t, err, 400, tt.want)
		})
	}
	t.Run("multipart nested", func(t *testing.T) {
		p := mustParse(t, formRequest(t, triggerURL, "variables[A][B]=x"))
		_, err := p.Variables()
		wantError(t, err, 400, notStrings)
	})
	t.Run("absent", func(t *testing.T) {
		vars, err := mustParse(t, newRequest(triggerURL+"?ref=main", "", "")).Variables()
		if vars != nil || err != nil {
			t.Errorf("Variables() = %v, %v; want nil, nil", vars, err)
		}
	})
}

func TestParseErrors(t *testing.T) {
	const (
		tooLarge    = `{"message":"413 Request Entity Too Large"}`
		unsupported = `{"message":"415 Unsupported Media Type"}`
		notJSON     = `{"error":"body is not valid JSON"}`
		notObject   = `{"error":"body must be a JSON object"}`
		notForm     = `{"error":"body is not a valid urlencoded form"}`
		notMulti    = `{"error":"body is not valid multipart/form-data"}`
		badQuery    = `{"error":"query string is not valid"}`
		badChars    = `{"error":"parameters must be valid UTF-8 without NUL characters"}`
		tooMany     = `{"error":"too many parameters"}`
		tooDeep     = `{"error":"parameters are nested too deeply"}`
		conflict    = `{"error":"parameters have conflicting types"}`
	)
	deepForm := "a" + strings.Repeat("[x]", MaxDepth) + "=1"
	deepJSON := `{"a":` + strings.Repeat(`{"x":`, MaxDepth) + `1` + strings.Repeat(`}`, MaxDepth) + `}`
	deepArray := `{"a":` + strings.Repeat(`[`, MaxDepth) + `1` + strings.Repeat(`]`, MaxDepth) + `}`
	manyForm := strings.Repeat("a=1&", MaxFields) + "b=2"
	manyVars := make(map[string]string, MaxFields+1)
	for i := range MaxFields + 1 {
		manyVars[strings.Repeat("k", i+1)] = "v"
	}
	manyJSON, _ := json.Marshal(map[string]any{"variables": manyVars})

	tests := []struct {
		name        string
		req         *http.Request
		maxBody     int64
		status      int
		body        string
		errIs       error
		contentType string
	}{
		{name: "body over maxBody", req: newRequest(triggerURL, "application/json", `{"ref":"main","token":"T"}`), maxBody: 10, status: 413, body: tooLarge, errIs: ErrBodyTooLarge},
		{name: "form body over maxBody", req: newRequest(triggerURL, "application/x-www-form-urlencoded", "ref=0123456789"), maxBody: 10, status: 413, body: tooLarge, errIs: ErrBodyTooLarge},
		{name: "unknown length over maxBody", req: chunked(newRequest(triggerURL, "application/json", `{"ref":"main","token":"T"}`)), maxBody: 10, status: 413, body: tooLarge, errIs: ErrBodyTooLarge},
		{name: "body over outer MaxBytesReader", req: maxBytes(newRequest(triggerURL, "application/json", `{"ref":"main","token":"T"}`), 5), status: 413, body: tooLarge, errIs: ErrBodyTooLarge},
		{name: "text/plain body", req: newRequest(triggerURL, "text/plain", "ref=main"), status: 415, body: unsupported, errIs: ErrUnsupportedMediaType},
		{name: "XML body", req: newRequest(triggerURL, "application/xml", "<ref>main</ref>"), status: 415, body: unsupported, errIs: ErrUnsupportedMediaType},
		{name: "multipart/mixed body", req: newRequest(triggerURL, "multipart/mixed; boundary=B", "--B--"), status: 415, body: unsupported, errIs: ErrUnsupportedMediaType},
		{name: "gzip content encoding", req: withHeader(newRequest(triggerURL, "application/json", "\x1f\x8b"), "Content-Encoding", "gzip"), status: 415, body: unsupported, errIs: ErrUnsupportedMediaType},
		{name: "malformed JSON", req: newRequest(triggerURL, "application/json", `{"ref":"main","token":"SECRET"`), status: 400, body: notJSON},
		{name: "JSON with trailing data", req: newRequest(triggerURL, "application/json", `{"ref":"main"} {"token":"SECRET"}`), status: 400, body: notJSON},
		{name: "JSON with trailing brace", req: newRequest(triggerURL, "application/json", `{"ref":"main"}}`), status: 400, body: notJSON},
		{name: "JSON invalid UTF-8", req: newRequest(triggerURL, "application/json", "{\"ref\":\"\xff\"}"), status: 400, body: notJSON},
		{name: "JSON array body", req: newRequest(triggerURL, "application/json", `[{"ref":"main"}]`), status: 400, body: notObject},
		{name: "JSON string body", req: newRequest(triggerURL, "application/json", `"main"`), status: 400, body: notObject},
		{name: "JSON number body", req: newRequest(triggerURL, "application/json", `42`), status: 400, body: notObject},
		{name: "JSON null body", req: newRequest(triggerURL, "application/json", `null`), status: 400, body: notObject},
		{name: "JSON NUL escape", req: newRequest(triggerURL, "application/json", `{"ref":"ma\u0000in"}`), status: 400, body: badChars},
		{name: "JSON NUL in nested key", req: newRequest(triggerURL, "application/json", `{"variables":{"A\u0000":"x"}}`), status: 400, body: badChars},
		{name: "JSON too deep", req: newRequest(triggerURL, "application/json", deepJSON), status: 400, body: tooDeep},
		{name: "JSON arrays too deep", req: newRequest(triggerURL, "application/json", deepArray), status: 400, body: tooDeep},
		{name: "JSON object with too many members", req: newRequest(triggerURL, "application/json", string(manyJSON)), status: 400, body: tooMany},
		{name: "urlencoded bad escape", req: newRequest(triggerURL, "application/x-www-form-urlencoded", "token=SECRET%zz"), status: 400, body: notForm},
		{name: "urlencoded bad escape in key", req: newRequest(triggerURL, "", "tok%en=SECRET"), status: 400, body: notForm},
		{name: "urlencoded invalid UTF-8", req: newRequest(triggerURL, "application/x-www-form-urlencoded", "ref=%FF"), status: 400, body: badChars},
		{name: "urlencoded NUL", req: newRequest(triggerURL, "application/x-www-form-urlencoded", "ref=a%00b"), status: 400, body: badChars},
		{name: "urlencoded NUL in key", req: newRequest(triggerURL, "application/x-www-form-urlencoded", "re%00f=a"), status: 400, body: badChars},
		{name: "urlencoded too many fields", req: newRequest(triggerURL, "application/x-www-form-urlencoded", manyForm), status: 400, body: tooMany},
		{name: "query and body together too many fields", req: newRequest(triggerURL+"?"+strings.Repeat("q=1&", MaxFields/2), "application/x-www-form-urlencoded", strings.Repeat("b=1&", MaxFields/2+1)), status: 400, body: tooMany},
		{name: "urlencoded too deep", req: newRequest(triggerURL, "application/x-www-form-urlencoded", deepForm), status: 400, body: tooDeep},
		{name: "urlencoded arrays of hashes too deep", req: newRequest(triggerURL, "", "a"+strings.Repeat("[][x]", MaxDepth/2)+"=1"), status: 400, body: tooDeep},
		{name: "urlencoded conflicting types", req: newRequest(triggerURL, "application/x-www-form-urlencoded", "variables=1&variables[A]=2"), status: 400, body: conflict},
		{name: "urlencoded hash then array", req: newRequest(triggerURL, "application/x-www-form-urlencoded", "a[b]=1&a[]=2"), status: 400, body: conflict},
		{name: "urlencoded array then hash", req: newRequest(triggerURL, "application/x-www-form-urlencoded", "a[]=1&a[b]=2"), status: 400, body: conflict},
		{name: "query bad escape", req: newRequest(triggerURL+"?token=SECRET%2", "", ""), status: 400, body: badQuery},
		{name: "query invalid UTF-8", req: newRequest(triggerURL+"?ref=%C3", "", ""), status: 400, body: badChars},
		{name: "query too many fields", req: newRequest(triggerURL+"?"+manyForm, "", ""), status: 400, body: tooMany},
		{name: "query too deep", req: newRequest(triggerURL+"?"+deepForm, "", ""), status: 400, body: tooDeep},
		{name: "multipart without boundary", req: newRequest(triggerURL, "multipart/form-data", "--B\r\n\r\n"), status: 400, body: notMulti},
		{name: "multipart wrong boundary", req: newRequest(triggerURL, "multipart/form-data; boundary=X", "--B\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nSECRET\r\n--B--\r\n"), status: 400, body: notMulti},
		{name: "multipart truncated", req: newRequest(triggerURL, "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nSECRET"), status: 400, body: notMulti},
		{name: "multipart bad disposition", req: newRequest(triggerURL, "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=a[b]\r\n\r\nx\r\n--B--\r\n"), status: 400, body: notMulti},
		{name: "multipart garbage", req: newRequest(triggerURL, "multipart/form-data; boundary=B", "token=SECRET"), status: 400, body: notMulti},
		{name: "multipart too deep", req: formRequest(t, triggerURL, deepForm), status: 400, body: tooDeep},
		{name: "multipart conflicting types", req: formRequest(t, triggerURL, "a[]=1", "a[b]=2"), status: 400, body: conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			maxBody := tt.maxBody
			if maxBody == 0 {
				maxBody = DefaultMaxBody
			}
			p, err := Parse(tt.req, maxBody)
			if p != nil {
				t.Errorf("Parse returned params with error %v", err)
			}
			wantError(t, err, tt.status, tt.body)
			errIs := tt.errIs
			if errIs == nil {
				errIs = ErrMalformedBody
			}
			if !errors.Is(err, errIs) {
				t.Errorf("errors.Is(%v, %v) = false", err, errIs)
			}
			for _, other := range []error{ErrBodyTooLarge, ErrMalformedBody, ErrUnsupportedMediaType, ErrVariablesInvalid, ErrVariablesNotStrings} {
				if other != errIs && errors.Is(err, other) {
					t.Errorf("errors.Is(%v, %v) = true", err, other)
				}
			}
			if strings.Contains(err.Error(), "SECRET") || strings.Contains(mustMarshal(t, err.(*Error).Body), "SECRET") {
				t.Error("error echoes request data")
			}
		})
	}
}

// TestLimitsBoundary checks that the limits let the largest allowed request
// through.
func TestLimitsBoundary(t *testing.T) {
	deepForm := "a" + strings.Repeat("[x]", MaxDepth-1) + "=1"
	deepJSON := `{"a":` + strings.Repeat(`{"x":`, MaxDepth-1) + `1` + strings.Repeat(`}`, MaxDepth-1) + `}`
	pf := mustParse(t, newRequest("/x", "", deepForm))
	pj := mustParse(t, newRequest("/x", "application/json", deepJSON))
	if a, b := payload(t, pf), payload(t, pj); a != strings.ReplaceAll(b, `:1}`, `:"1"}`) {
		t.Errorf("form and JSON of the same depth differ:\n%s\n%s", a, b)
	}
	mustParse(t, newRequest("/x", "", "a"+strings.Repeat("[][x]", MaxDepth/2-1)+"=1"))
	mustParse(t, newRequest("/x?"+strings.Repeat("a=1&", MaxFields-1), "", "b=2"))
	body := strings.Repeat("x", 100)
	if _, err := Parse(newRequest("/x", "", "a="+body[:98]), 100); err != nil {
		t.Errorf("body of exactly maxBody: %v", err)
	}
	if _, err := Parse(newRequest("/x", "", "a="+body[:99]), 100); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("body of maxBody+1: %v", err)
	}
	if _, err := Parse(newRequest("/x", "", "a="+body[:99]), 0); err != nil {
		t.Errorf("maxBody 0 means DefaultMaxBody: %v", err)
	}
}

// TestReadsAtMostMaxBody sends an endless body of unknown length.
func TestReadsAtMostMaxBody(t *testing.T) {
	src := &countingReader{}
	r := httptest.NewRequest(http.MethodPost, triggerURL, nil)
	r.Body = io.NopCloser(src)
	r.ContentLength = -1
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, err := Parse(r, 1000)
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if src.n > 1001 {
		t.Errorf("read %d bytes, want at most 1001", src.n)
	}

	// A declared length over the limit is refused without reading.
	src = &countingReader{}
	r.Body = io.NopCloser(src)
	r.ContentLength = 1 << 30
	if _, err := Parse(r, 1000); !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if src.n != 0 {
		t.Errorf("read %d bytes of an over-long declared body", src.n)
	}
}

func TestUnreadableBody(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, triggerURL, nil)
	r.Body = io.NopCloser(io.MultiReader(strings.NewReader("ref=ma"), errReader{}))
	_, err := Parse(r, DefaultMaxBody)
	wantError(t, err, 400, `{"error":"could not read body"}`)
}

func TestErrorValues(t *testing.T) {
	tests := []struct {
		err    *Error
		status int
		body   string
	}{
		{ErrBodyTooLarge, 413, `{"message":"413 Request Entity Too Large"}`},
		{ErrUnsupportedMediaType, 415, `{"message":"415 Unsupported Media Type"}`},
		{ErrVariablesInvalid, 400, `{"error":"variables is invalid"}`},
		{ErrVariablesNotStrings, 400, `{"message":"variables needs to be a map of key-valued strings"}`},
		{ErrMalformedBody, 400, `{"error":"malformed request"}`},
	}
	for _, tt := range tests {
		wantError(t, tt.err, tt.status, tt.body)
		if !strings.HasPrefix(tt.err.Error(), "restparams: ") {
			t.Errorf("Error() = %q", tt.err.Error())
		}
	}
	if errors.Is(errors.New("x"), ErrMalformedBody) || errors.Is(ErrMalformedBody, &Error{}) {
		t.Error("Is matches foreign errors")
	}
}

func TestNilURLAndGET(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/api/v4/projects/1/triggers?page=2&per_page=20", nil)
	p := mustParse(t, r)
	if v, _ := p.String("per_page"); v != "20" {
		t.Errorf("per_page = %q", v)
	}
	r.URL = nil
	if p := mustParse(t, r); p.Has("page") {
		t.Error("nil URL gave params")
	}
}

func wantError(t *testing.T, err error, status int, body string) {
	t.Helper()
	var perr *Error
	if !errors.As(err, &perr) {
		t.Fatalf("err = %v (%T), want *Error", err, err)
	}
	if perr.Status != status {
		t.Errorf("Status = %d, want %d", perr.Status, status)
	}
	if got := mustMarshal(t, perr.Body); got != body {
		t.Errorf("Body = %s, want %s", got, body)
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func chunked(r *http.Request) *http.Request {
	r.ContentLength = -1
	return r
}

func maxBytes(r *http.Request, n int64) *http.Request {
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, n)
	r.ContentLength = -1
	return r
}

func withHeader(r *http.Request, key, value string) *http.Request {
	r.Header.Set(key, value)
	return r
}

type countingReader struct{ n int }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	c.n += len(p)
	return len(p), nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }
