package kickoff

import (
	"strings"
	"unicode/utf8"
)

// CleanText reports whether s is valid UTF-8 without NUL characters: text
// that every supported database can store and compare. Input that is not
// clean is refused at the boundary as bad input, never sent to SQL.
func CleanText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}
