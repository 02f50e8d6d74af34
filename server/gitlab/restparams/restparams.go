// Package restparams reads GitLab-style API parameters, merged from the query
// string and from urlencoded, multipart or JSON bodies, the way GitLab's Grape
// API merges them.
//
// GitLab's clients (curl --form, curl -d, wget --post-data, webhooks posting
// JSON) must work against Kickoff unchanged, so this package follows Rack and
// Grape rather than net/http's ParseForm, which knows neither bracket keys nor
// JSON.
//
// # Sources
//
// The query string, then the body. A body parameter replaces a query parameter
// of the same top-level name whole (Rack's GET.merge(POST) is shallow:
// "?variables[A]=1" with a body "variables[B]=2" gives variables {"B":"2"}).
// Bodies are read by Content-Type, whose parameters (charset) are ignored:
//
//   - application/x-www-form-urlencoded, and a body with no Content-Type at all
//     (Rack reads a POST without one as a form; curl -d and wget --post-data
//     send this type anyway);
//   - multipart/form-data: a file part's content is its field's string value,
//     a file part with an empty filename (an empty file input) is skipped, as
//     are parts without a name;
//   - application/json and application/*+json: one object, whose members are
//     the parameters as they are (no bracket expansion); numbers keep their
//     exact text; a body of only whitespace counts as empty.
//
// An empty body is fine with any Content-Type. Any other type with a non-empty
// body, or a Content-Encoding other than identity, is 415.
//
// # Form fields
//
// Field names follow Rack 3's bracket syntax ("&" separates fields, ";" does
// not; "+" is a space; a bad %-escape is malformed):
//
//	variables[KEY]=v   {"variables":{"KEY":"v"}}   KEY may hold any character but "]"
//	a[]=x&a[]=y        {"a":["x","y"]}
//	a[b][c]=v          {"a":{"b":{"c":"v"}}}
//	a[][b]=1&a[][c]=2  {"a":[{"b":"1","c":"2"}]}   a new element when "b" repeats
//	a=1&a=2            {"a":"2"}                   the last one wins
//	a                  {"a":null}                  no "=": null
//	a=1&a[b]=2         400                         conflicting types
//
// # Limits and errors
//
// The body is read up to maxBody bytes and no further (413 beyond). Each of
// these is a 400: more than MaxFields form fields (query string and body
// together) or members in one object; a value nested MaxDepth or more levels
// below its top-level parameter; a key or string that is not valid UTF-8 or
// holds a NUL character (PostgreSQL can store neither; GitLab refuses them
// too). Memory use stays within a small multiple of maxBody.
//
// Every error is an *Error carrying the status and JSON body to answer with.
// Malformed requests answer 400 {"error": reason}, reason being one of "body
// is not valid JSON", "body must be a JSON object", "body is not a valid
// urlencoded form", "body is not valid multipart/form-data", "query string is
// not valid", "could not read body", "parameters must be valid UTF-8 without
// NUL characters", "too many parameters", "parameters are nested too deeply",
// "parameters have conflicting types". No error repeats request data: a body
// or a query string may hold a secret token.
package restparams

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

const (
	// DefaultMaxBody is the body limit Parse uses when given maxBody <= 0.
	DefaultMaxBody = 1 << 20
	// MaxFields bounds the form fields of a request and the members of any
	// one object.
	MaxFields = 1000
	// MaxDepth bounds nesting: a[1][2]…[31] is the deepest form field
	// accepted, and a JSON value may nest as deep below a top-level member.
	MaxDepth = 32
)

// Params holds a request's merged parameters. Values are string, nil (a form
// field without "=" or a JSON null), bool, json.Number, []any and
// map[string]any.
type Params struct {
	values map[string]any
	body   []byte
}

// Parse reads r's query string and body (at most maxBody bytes) and merges
// them. It consumes r.Body. Every error is an *Error (see its variables for
// the status and body each one maps to).
func Parse(r *http.Request, maxBody int64) (*Params, error) {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	var fields fieldCounter
	values := map[string]any{}
	if r.URL != nil {
		if err := parseURLEncoded(r.URL.RawQuery, values, &fields, errQueryInvalid); err != nil {
			return nil, err
		}
	}

	body, err := ReadBody(r, maxBody)
	if err != nil {
		return nil, err
	}
	if len(body) > 0 {
		if ce := strings.TrimSpace(r.Header.Get("Content-Encoding")); ce != "" && !strings.EqualFold(ce, "identity") {
			return nil, ErrUnsupportedMediaType
		}
		contentType := r.Header.Get("Content-Type")
		bodyValues := map[string]any{}
		switch mt := mediaType(contentType); {
		case mt == "" || mt == "application/x-www-form-urlencoded":
			err = parseURLEncoded(string(body), bodyValues, &fields, errBodyNotForm)
		case mt == "multipart/form-data":
			err = parseMultipart(body, contentType, bodyValues, &fields)
		case isJSON(mt):
			bodyValues, err = parseJSON(body)
		default:
			err = ErrUnsupportedMediaType
		}
		if err != nil {
			return nil, err
		}
		for k, v := range bodyValues {
			values[k] = v
		}
	}
	// One check of the merged tree states the limits in its terms whatever
	// the source: "a[][b]" nests two levels in one bracket pair.
	if err := checkTree(values, -1); err != nil {
		return nil, err
	}
	return &Params{values: values, body: body}, nil
}

// Body is the request body as it was sent (signatures are computed over it).
func (p *Params) Body() []byte { return p.body }

// ReadBody reads the whole body, or fails with ErrBodyTooLarge as soon as it
// is known to be larger than maxBody (or ErrUnreadableBody). It never reads
// more than maxBody+1 bytes. Every handler that reads a body reads it here.
func ReadBody(r *http.Request, maxBody int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > maxBody {
		return nil, ErrBodyTooLarge
	}
	limit := maxBody
	if limit < math.MaxInt64 {
		limit++
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit))
	if err != nil {
		// http.MaxBytesReader set by an outer handler.
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, ErrBodyTooLarge
		}
		return nil, ErrUnreadableBody
	}
	if int64(len(body)) > maxBody {
		return nil, ErrBodyTooLarge
	}
	return body, nil
}

// mediaType is Rack's Request#media_type: the Content-Type before any
// parameter, lower-cased.
func mediaType(contentType string) string {
	if i := strings.IndexAny(contentType, ";,"); i >= 0 {
		contentType = contentType[:i]
	}
	return strings.ToLower(strings.TrimSpace(contentType))
}

func isJSON(mt string) bool {
	return mt == "application/json" ||
		strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

func parseJSON(body []byte) (map[string]any, error) {
	if len(bytes.TrimLeft(body, " \t\r\n")) == 0 {
		return map[string]any{}, nil
	}
	// encoding/json would turn invalid bytes into U+FFFD; JSON is UTF-8.
	if !utf8.Valid(body) {
		return nil, errBodyNotJSON
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errBodyNotJSON
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errBodyNotJSON // trailing data
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errBodyNotObject
	}
	return obj, nil
}

// checkTree applies the limits and the string rules to v, found at depth:
// the top-level object is at -1, its members at 0, and no value may sit at
// MaxDepth or deeper (as in Rack, where a[1]…[31] is the deepest field).
// Rack's own recursion limit in normalize already stops deep forms early.
func checkTree(v any, depth int) error {
	switch t := v.(type) {
	case string:
		if !validString(t) {
			return errInvalidChars
		}
	case []any:
		for _, e := range t {
			if err := checkChild(e, depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		if len(t) > MaxFields {
			return errTooManyFields
		}
		for k, e := range t {
			if !validString(k) {
				return errInvalidChars
			}
			if err := checkChild(e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkChild(v any, depth int) error {
	if depth >= MaxDepth {
		return errTooDeep
	}
	return checkTree(v, depth)
}

// Has reports whether the request sent the named parameter, whatever its
// value.
func (p *Params) Has(name string) bool {
	_, ok := p.values[name]
	return ok
}

// String returns a scalar parameter as a string; present reports whether the
// request sent it at all. Like Grape's coercion of a String parameter, a JSON
// number or boolean gives its JSON text ("ref":123 gives "123") and null gives
// "". An object or array has no string value: String returns "", true, so a
// caller that rejects blank values ("ref is empty") rejects it too; use Value
// to tell the two apart.
func (p *Params) String(name string) (value string, present bool) {
	v, ok := p.values[name]
	if s, scalar := scalarString(v); scalar {
		return s, true
	}
	return "", ok
}

// scalarString is Grape's String coercion of a scalar: a string as it is, a
// JSON number or boolean as its JSON text. scalar is false for anything else.
func scalarString(v any) (_ string, scalar bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		if t {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// TypedVariable is one element of GitLab's variables array,
// {"key", "value", "variable_type"}; a member not sent is "".
type TypedVariable struct{ Key, Value, Type string }

// VariableArray returns the "variables" parameter of GitLab's create
// pipeline API: an array of {key, value, variable_type} objects, sent as
// JSON or as form fields variables[][key]=…&variables[][value]=…. A map of
// strings (the trigger API's form) is accepted too, sorted by key. It is nil
// when absent or null.
//
// It fails with ErrVariablesInvalid when variables is neither, or when an
// element is not an object whose members are strings (numbers and booleans
// are coerced, as Grape does).
func (p *Params) VariableArray() ([]TypedVariable, error) {
	list, ok := p.values["variables"].([]any)
	if !ok {
		vars, err := p.Variables()
		out := make([]TypedVariable, 0, len(vars))
		for _, k := range slices.Sorted(maps.Keys(vars)) {
			out = append(out, TypedVariable{Key: k, Value: vars[k]})
		}
		if vars == nil {
			out = nil
		}
		return out, err
	}
	out := make([]TypedVariable, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, ErrVariablesInvalid
		}
		var v TypedVariable
		for name, dst := range map[string]*string{"key": &v.Key, "value": &v.Value, "variable_type": &v.Type} {
			if m[name] == nil {
				continue
			}
			s, scalar := scalarString(m[name])
			if !scalar {
				return nil, ErrVariablesInvalid
			}
			*dst = s
		}
		out = append(out, v)
	}
	return out, nil
}

// Variables returns the "variables" parameter: nil when it is absent or null,
// an empty map when it is an empty string (Grape coerces "" to {}; a form's
// "variables=" sends that), else a map of strings.
//
// It fails with ErrVariablesInvalid when variables is not a map (a string,
// number, boolean or array), and with ErrVariablesNotStrings when a value in
// the map is not a string (a number, boolean, null, object or array; a form's
// variables[A][B]=x or "variables[A]" without "=").
func (p *Params) Variables() (map[string]string, error) {
	switch t := p.values["variables"].(type) {
	case nil:
		return nil, nil
	case string:
		if t == "" {
			return map[string]string{}, nil
		}
	case map[string]any:
		vars := make(map[string]string, len(t))
		for k, v := range t {
			s, ok := v.(string)
			if !ok {
				return nil, ErrVariablesNotStrings
			}
			vars[k] = s
		}
		return vars, nil
	}
	return nil, ErrVariablesInvalid
}

// Payload returns all parameters but the omitted top-level names as one JSON
// object: for the webhook form of the trigger API, TRIGGER_PAYLOAD is
// Payload("token"). A JSON body comes back as sent (with query parameters
// merged in), except that keys are sorted and insignificant whitespace is
// gone; form fields come back as nested objects and arrays. HTML characters
// are not escaped, numbers keep their text.
func (p *Params) Payload(omit ...string) ([]byte, error) {
	out := make(map[string]any, len(p.values))
	for k, v := range p.values {
		if !slices.Contains(omit, k) {
			out[k] = v
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Value returns a parameter as decoded: a string, json.Number, bool, nil,
// []any or map[string]any (forms' name[] and name[key] fields become
// arrays and maps); present reports whether the request sent it.
func (p *Params) Value(name string) (value any, present bool) {
	v, ok := p.values[name]
	return v, ok
}
