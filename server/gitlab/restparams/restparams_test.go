package restparams

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
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
