package tokens

import (
	"log/slog"
	"strings"
)

// RedactedMark ends every redacted token. It is not in the token alphabet,
// so a reader sees that characters were cut and a second RedactText pass
// leaves the result alone.
const RedactedMark = "…"

// RedactText returns s with every token-shaped substring cut to its prefix,
// its first ShortLen characters and RedactedMark: "kot_AbCd…". Operators
// mistype secrets into free-text places (a PAT as a username, a trigger
// token as a ref), so text bound for the audit log or a log line goes
// through here first.
//
// A token shape is a kind prefix followed by more than ShortLen characters
// of the token alphabet, wherever it stands: inside a word, URL, JSON or
// path. Truncated and checksum-failing values count too, because they are
// still mostly secret; the prefix plus ShortLen characters is what
// non-owners may see anyway. Text without that shape is returned unchanged
// (and without allocating, as this runs on every log attribute).
func RedactText(s string) string {
	start, end, ok := nextSecret(s, 0)
	if !ok {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	written := 0
	for ok {
		b.WriteString(s[written : start+ShortLen])
		b.WriteString(RedactedMark)
		written = end
		start, end, ok = nextSecret(s, end)
	}
	b.WriteString(s[written:])
	return b.String()
}

// nextSecret finds the first token-shaped secret whose prefix's '_' is at
// or after from, and returns the bounds of the alphabet run after the
// prefix. The prefix letters are checked in s itself, before from if need
// be: in "kop_aaaaaaakot_bbbbbbbb" the "kot" ends the first secret and
// still marks the second one as a token.
func nextSecret(s string, from int) (start, end int, ok bool) {
	for i := from; i < len(s); {
		j := strings.IndexByte(s[i:], '_')
		if j < 0 {
			break
		}
		start = i + j + 1
		i = start
		if start < PrefixLen || kindOf(s[start-PrefixLen:]) == 0 {
			continue
		}
		end = start
		for end < len(s) && digitValue[s[end]] >= 0 {
			end++
		}
		if end-start > ShortLen {
			return start, end, true
		}
	}
	return 0, 0, false
}

// hasSecret reports whether RedactText would change s.
func hasSecret(s string) bool {
	_, _, ok := nextSecret(s, 0)
	return ok
}

// RedactingReplaceAttr is a slog.HandlerOptions.ReplaceAttr that passes the
// message and every string and error attribute through RedactText, so no
// log line carries a token whichever code logged it. Other kinds (numbers,
// times, structs) are left alone: what can carry a mistyped token, request
// text and error messages, is logged as strings and errors.
func RedactingReplaceAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); hasSecret(s) {
			a.Value = slog.StringValue(RedactText(s))
		}
	case slog.KindAny:
		// An unchanged error stays an error, so handlers that format
		// errors specially keep doing so.
		if err, isErr := a.Value.Any().(error); isErr {
			if msg := err.Error(); hasSecret(msg) {
				a.Value = slog.StringValue(RedactText(msg))
			}
		}
	}
	return a
}
