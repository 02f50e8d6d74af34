package restparams

// Reading values: Rack brackets, files, strings, payloads, variables.

import (
	"strings"
	"testing"
)

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
