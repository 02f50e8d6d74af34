package restparams

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"

	"github.com/kickoff-ci/kickoff"
)

// fieldCounter enforces MaxFields over the query string and the body together.
type fieldCounter int

func (c *fieldCounter) add() error {
	*c++
	if *c > MaxFields {
		return errTooManyFields
	}
	return nil
}

// parseURLEncoded adds the fields of an application/x-www-form-urlencoded
// string (a query string or a body) to params, as Rack's parse_nested_query
// does: fields are separated by "&" (spaces after it are dropped, ";" is not a
// separator), "+" is a space, a bad %-escape is an error, and a field without
// "=" has a nil value.
func parseURLEncoded(s string, params map[string]any, n *fieldCounter, bad *Error) error {
	for first := true; s != ""; first = false {
		var piece string
		piece, s, _ = strings.Cut(s, "&")
		if !first {
			piece = strings.TrimLeft(piece, " ")
		}
		if piece == "" {
			continue
		}
		if err := n.add(); err != nil {
			return err
		}
		rawKey, rawValue, hasValue := strings.Cut(piece, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return bad
		}
		var value any
		if hasValue {
			v, err := url.QueryUnescape(rawValue)
			if err != nil {
				return bad
			}
			if !validString(v) {
				return errInvalidChars
			}
			value = v
		}
		if !validString(key) {
			return errInvalidChars
		}
		if _, err := normalize(params, key, value, 0); err != nil {
			return err
		}
	}
	return nil
}

// parseMultipart adds the fields of a multipart/form-data body to params.
// Field names use the same bracket syntax as urlencoded forms. A file part's
// content becomes the field's string value (Rack would hand over an upload
// object; a string is what every caller here wants); a file part with an empty
// filename is a file input left empty and is skipped, as Rack does; parts with
// no Content-Disposition or no name are skipped (but count against MaxFields).
// The whole body is already in memory and at most maxBody long, so no part can
// be larger.
func parseMultipart(body []byte, contentType string, params map[string]any, n *fieldCounter) error {
	_, ctParams, err := mime.ParseMediaType(contentType)
	if err != nil || ctParams["boundary"] == "" {
		return errBodyNotMulti
	}
	mr := multipart.NewReader(bytes.NewReader(body), ctParams["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return errBodyNotMulti
		}
		// Skipped parts count too, so the loop is bounded like a form's.
		if err := n.add(); err != nil {
			return err
		}
		disposition := part.Header.Get("Content-Disposition")
		if disposition == "" {
			continue
		}
		_, dp, err := mime.ParseMediaType(disposition)
		if err != nil {
			return errBodyNotMulti
		}
		name := dp["name"]
		if filename, isFile := dp["filename"]; name == "" || isFile && filename == "" {
			continue // NextPart discards what is left of this part
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return errBodyNotMulti
		}
		value := string(data)
		if !validString(name) || !validString(value) {
			return errInvalidChars
		}
		if _, err := normalize(params, name, value, 0); err != nil {
			return err
		}
	}
}

// normalize stores value v under the bracketed field name in params. It is a
// port of Rack 3's QueryParser#_normalize_params (the package doc shows what
// it builds), kept close to the original so GitLab clients get what GitLab
// gives them, odd cases included. It returns params itself, a one-element
// array (for a trailing "[]" below the top level) or nil (an empty name: the
// field is ignored).
func normalize(params map[string]any, name string, v any, depth int) (any, error) {
	if depth >= MaxDepth {
		return nil, errTooDeep
	}
	var k, after string
	switch {
	case depth == 0:
		// The key runs up to the first "[" after its first character, so a
		// leading "[" is part of the key.
		k = name
		if len(name) > 1 {
			if i := strings.IndexByte(name[1:], '['); i >= 0 {
				k, after = name[:i+1], name[i+1:]
			}
		}
	case strings.HasPrefix(name, "[]"):
		k, after = "[]", name[2:]
	case strings.HasPrefix(name, "[") && strings.IndexByte(name[1:], ']') >= 0:
		end := strings.IndexByte(name[1:], ']') + 1
		k, after = name[1:end], name[end+1:]
	default:
		// Nested but not starting with "[": Rack keeps the rest as one key.
		k = name
	}
	if k == "" {
		return nil, nil
	}

	switch {
	case after == "":
		if k == "[]" && depth != 0 {
			return []any{v}, nil
		}
		params[k] = v
	case after == "[":
		params[name] = v
	case after == "[]":
		list, err := arrayAt(params, k)
		if err != nil {
			return nil, err
		}
		params[k] = append(list, v)
	case strings.HasPrefix(after, "[]"):
		// x[][y]=v adds y to the last hash of x unless it already has y.
		childKey := after[2:]
		if len(after) >= 4 && after[2] == '[' && after[len(after)-1] == ']' {
			if ck := after[3 : len(after)-1]; ck != "" && !strings.ContainsAny(ck, "[]") {
				childKey = ck
			}
		}
		list, err := arrayAt(params, k)
		if err != nil {
			return nil, err
		}
		if len(list) > 0 {
			if last, ok := list[len(list)-1].(map[string]any); ok && !hasKey(last, childKey) {
				if _, err := normalize(last, childKey, v, depth+1); err != nil {
					return nil, err
				}
				params[k] = list
				return params, nil
			}
		}
		child, err := normalize(map[string]any{}, childKey, v, depth+1)
		if err != nil {
			return nil, err
		}
		params[k] = append(list, child)
	default:
		var child map[string]any
		switch cur := params[k].(type) {
		case nil:
			child = map[string]any{}
		case map[string]any:
			child = cur
		default:
			return nil, errConflictingType
		}
		if _, err := normalize(child, after, v, depth+1); err != nil {
			return nil, err
		}
		params[k] = child
	}
	return params, nil
}

// arrayAt returns the array stored under k, a new one if there is none (or
// nil, like Ruby's ||=), or a type conflict.
func arrayAt(params map[string]any, k string) ([]any, error) {
	switch cur := params[k].(type) {
	case nil:
		return []any{}, nil
	case []any:
		return cur, nil
	default:
		return nil, errConflictingType
	}
}

// hasKey is Rack's params_hash_has_key?: whether the bracketed path key
// already exists in h.
func hasKey(h map[string]any, key string) bool {
	if strings.Contains(key, "[]") {
		return false
	}
	var cur any = h
	for _, part := range strings.FieldsFunc(key, func(r rune) bool { return r == '[' || r == ']' }) {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[part]; !ok {
			return false
		}
	}
	return true
}

// validString reports whether s can be handed on as a parameter: valid UTF-8
// (PostgreSQL rejects anything else) without NUL characters (which PostgreSQL
// text cannot hold). GitLab refuses both as well (HandleMalformedStrings).
func validString(s string) bool { return kickoff.CleanText(s) }
