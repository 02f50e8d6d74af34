package kickoff_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kickoff-ci/kickoff"
)

func TestClipAndExcerpt(t *testing.T) {
	tests := []struct {
		in            string
		n             int
		clip, excerpt string
	}{
		{"main", 64, "main", "main"},
		{"", 3, "", ""},
		{"abcdef", 3, "abc", "abc…"},
		{"héllo", 2, "h", "h…"},                // é is two bytes: no half character
		{"日本語", 4, "日", "日…"},                  // three-byte characters
		{"a\x00b", 64, "a\uFFFDb", "a\uFFFDb"}, // NUL cannot be stored
		{"a\xffb", 64, "a\uFFFDb", "a\uFFFDb"}, // nor invalid UTF-8
		{"a\xffb", 3, "a", "a…"},               // replacement grows the text past n
		{strings.Repeat("x", 100), 64, strings.Repeat("x", 64), strings.Repeat("x", 64) + "…"},
	}
	for _, tt := range tests {
		if got := kickoff.Clip(tt.in, tt.n); got != tt.clip {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.clip)
		}
		if got := kickoff.Excerpt(tt.in, tt.n); got != tt.excerpt {
			t.Errorf("Excerpt(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.excerpt)
		}
	}
}

func FuzzClip(f *testing.F) {
	f.Add("héllo wörld", 4)
	f.Add("\xff\x00abc", 2)
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = max(0, n%300)
		c := kickoff.Clip(s, n)
		if len(c) > n || !kickoff.CleanText(c) {
			t.Fatalf("Clip(%q, %d) = %q: longer than n or not clean", s, n, c)
		}
		if e := kickoff.Excerpt(s, n); !utf8.ValidString(e) || !strings.HasPrefix(e, c) {
			t.Fatalf("Excerpt(%q, %d) = %q, not a clean extension of %q", s, n, e, c)
		}
	})
}
