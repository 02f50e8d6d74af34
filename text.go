package kickoff

import (
	"math"
	"strings"
	"unicode/utf8"
)

// CleanText reports whether s is valid UTF-8 without NUL characters: text
// that every supported database can store and compare. Input that is not
// clean is refused at the boundary as bad input, never sent to SQL.
func CleanText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// Clip returns s as storable text of at most n bytes: invalid UTF-8 and NUL
// characters become U+FFFD (PostgreSQL refuses both), and a cut falls on a
// character boundary.
func Clip(s string, n int) string {
	if !CleanText(s) {
		s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Excerpt is Clip with "…" appended when s was cut: for quoting what a
// client sent back to it in a message.
func Excerpt(s string, n int) string {
	whole := Clip(s, math.MaxInt)
	if len(whole) <= n {
		return whole
	}
	return Clip(whole, n) + "…"
}

// HeaderName reports whether k can be an HTTP header name: an RFC 9110
// token of at most 255 bytes.
func HeaderName(k string) bool {
	if k == "" || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
