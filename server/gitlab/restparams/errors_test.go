package restparams

// Refused requests and the limits: statuses and exact bodies.

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

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
