package restparams

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const fuzzMaxBody = 4096

// errorBodies is every body an error may have: a fixed set, so no error can
// echo request data.
var errorBodies = func() map[string]bool {
	m := map[string]bool{}
	for _, e := range []*Error{
		ErrBodyTooLarge, ErrUnsupportedMediaType, ErrVariablesInvalid, ErrVariablesNotStrings,
		errBodyNotJSON, errBodyNotObject, errBodyNotForm, errBodyNotMulti, errQueryInvalid,
		ErrUnreadableBody, errInvalidChars, errTooManyFields, errTooDeep, errConflictingType,
	} {
		b, _ := json.Marshal(e.Body)
		m[string(b)] = true
	}
	return m
}()

func multipartSeed(fields ...string) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		name, value, _ := strings.Cut(f, "=")
		mw.WriteField(name, value)
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func FuzzParse(f *testing.F) {
	const form = "application/x-www-form-urlencoded"
	add := func(body []byte, contentType, query string) { f.Add(body, contentType, query) }

	b, ct := multipartSeed("token=TOKEN", "ref=main")
	add(b, ct, "")
	b, ct = multipartSeed("token=TOKEN", "ref=main", "variables[UPLOAD_TO_S3]=true")
	add(b, ct, "")
	b, ct = multipartSeed("variables[VAR1]=value1", "variables[VAR2]=value2")
	add(b, ct, "token=2cb1840fb9dfc9fb0b7b1609cd29cb&ref=main")
	b, ct = multipartSeed("a[][b]=1", "a[][c]=2", "a[][b]=3")
	add(b, ct, "a=1")
	add(nil, "", "token=TOKEN&ref=main")
	add(nil, form, "")
	add([]byte("token=TOKEN&ref=main"), form, "")
	add([]byte("token=TOKEN&ref=main&variables[A]=1"), "", "")
	add([]byte(`{"ref":"main","token":"TOKEN","variables":{"A":"1"}}`), "application/json", "")
	add([]byte(`{"ref":"refs/heads/main","commits":[{"id":"1","added":["a"]}],"repository":{"id":1}}`), "application/json; charset=utf-8", "token=T")
	add([]byte(`{"variables":{"A":1,"B":null,"C":[]}}`), "application/vnd.api+json", "")
	add([]byte(`{"variables":"x"}`), "application/json", "variables[A]=1")
	add([]byte(`[1,2]`), "application/json", "")
	add([]byte(`{"a":`), "application/json", "")
	add([]byte("variables[A][B]=x&variables=1"), form, "a[]=1&a[b]=2")
	add([]byte("ref=%zz"), form, "x=%C3")
	add([]byte("<xml/>"), "text/xml", "")
	add([]byte("--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx"), "multipart/form-data; boundary=B", "")
	add([]byte(strings.Repeat("a", fuzzMaxBody+1)), form, "")

	f.Fuzz(func(t *testing.T, body []byte, contentType, query string) {
		newReq := func() *http.Request {
			r := &http.Request{
				Method:        http.MethodPost,
				URL:           &url.URL{Path: "/api/v4/projects/1/trigger/pipeline", RawQuery: query},
				Header:        http.Header{},
				Body:          io.NopCloser(bytes.NewReader(body)),
				ContentLength: int64(len(body)),
			}
			if contentType != "" {
				r.Header.Set("Content-Type", contentType)
			}
			return r
		}
		p, err := Parse(newReq(), fuzzMaxBody)
		if err != nil {
			checkFuzzError(t, err, ErrBodyTooLarge, ErrMalformedBody, ErrUnsupportedMediaType)
			if p != nil {
				t.Fatal("params returned with an error")
			}
			return
		}

		vars, err := p.Variables()
		if err != nil {
			checkFuzzError(t, err, ErrVariablesInvalid, ErrVariablesNotStrings)
			if vars != nil {
				t.Fatal("variables returned with an error")
			}
		}
		for k, v := range vars {
			if !validString(k) || !validString(v) {
				t.Fatalf("variable %q=%q is not a clean string", k, v)
			}
		}
		for _, name := range []string{"token", "ref", "variables", ""} {
			if v, _ := p.String(name); !validString(v) {
				t.Fatalf("String(%q) = %q", name, v)
			}
		}

		all, err := p.Payload()
		if err != nil {
			t.Fatalf("Payload: %v", err)
		}
		var obj map[string]any
		if err := json.Unmarshal(all, &obj); err != nil || obj == nil {
			t.Fatalf("Payload is not a JSON object: %q (%v)", all, err)
		}
		noToken, err := p.Payload("token")
		if err != nil {
			t.Fatalf("Payload: %v", err)
		}
		obj = nil
		if err := json.Unmarshal(noToken, &obj); err != nil || obj == nil {
			t.Fatalf("Payload(token) is not a JSON object: %q (%v)", noToken, err)
		}
		if _, ok := obj["token"]; ok {
			t.Fatal("Payload(token) kept token")
		}

		// Parsing is deterministic.
		again, err := Parse(newReq(), fuzzMaxBody)
		if err != nil {
			t.Fatalf("second Parse failed: %v", err)
		}
		if a, _ := again.Payload(); !bytes.Equal(a, all) {
			t.Fatalf("Payload differs between two parses:\n%s\n%s", all, a)
		}

		// The payload, sent back as a JSON body, reads the same.
		r := jsonRequest(all)
		back, err := Parse(r, int64(len(all))+1)
		if err != nil {
			t.Fatalf("Payload %s does not parse back: %v", all, err)
		}
		if b, _ := back.Payload(); !bytes.Equal(b, all) {
			t.Fatalf("Payload round trip differs:\n%s\n%s", all, b)
		}
	})
}

func jsonRequest(jsonBody []byte) *http.Request {
	r := &http.Request{
		Method:        http.MethodPost,
		URL:           &url.URL{Path: "/"},
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(jsonBody)),
		ContentLength: int64(len(jsonBody)),
	}
	return r
}

func checkFuzzError(t *testing.T, err error, allowed ...error) {
	t.Helper()
	var perr *Error
	if !errors.As(err, &perr) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if perr.Status < 400 || perr.Status > 499 {
		t.Fatalf("status %d outside 4xx", perr.Status)
	}
	b, merr := json.Marshal(perr.Body)
	if merr != nil || !errorBodies[string(b)] {
		t.Fatalf("unexpected error body %s (%v)", b, merr)
	}
	for _, a := range allowed {
		if errors.Is(err, a) {
			return
		}
	}
	t.Fatalf("error %v is none of %v", err, allowed)
}
