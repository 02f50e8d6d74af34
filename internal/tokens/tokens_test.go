package tokens

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

var allKinds = []Kind{Trigger, PersonalAccess, Runner, Job}

func mustNew(tb testing.TB, k Kind) string {
	tb.Helper()
	tok, err := New(k)
	if err != nil {
		tb.Fatalf("New(%v): %v", k, err)
	}
	return tok
}

func TestKind(t *testing.T) {
	tests := []struct {
		kind   Kind
		prefix string
		name   string
	}{
		{Trigger, "kot_", "trigger"},
		{PersonalAccess, "kop_", "personal_access"},
		{Runner, "kor_", "runner"},
		{Job, "koj_", "job"},
		{0, "", "Kind(0)"},
		{99, "", "Kind(99)"},
	}
	for _, tt := range tests {
		if got := tt.kind.Prefix(); got != tt.prefix {
			t.Errorf("Kind(%d).Prefix() = %q, want %q", int(tt.kind), got, tt.prefix)
		}
		if got := tt.kind.String(); got != tt.name {
			t.Errorf("Kind(%d).String() = %q, want %q", int(tt.kind), got, tt.name)
		}
	}
}

func TestNewParseRoundTrip(t *testing.T) {
	for _, k := range allKinds {
		t.Run(k.String(), func(t *testing.T) {
			tok := mustNew(t, k)
			if len(tok) != Len {
				t.Fatalf("len = %d, want %d", len(tok), Len)
			}
			if !strings.HasPrefix(tok, k.Prefix()) {
				t.Fatalf("token does not start with %q", k.Prefix())
			}
			got, err := Parse(tok)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got != k {
				t.Fatalf("Parse kind = %v, want %v", got, k)
			}
		})
	}
}

func TestNewInvalidKind(t *testing.T) {
	for _, k := range []Kind{0, -1, Job + 1} {
		if tok, err := New(k); err == nil {
			t.Errorf("New(%d) = %q, want error", int(k), tok)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy exhausted") }

func TestNewRandomFailure(t *testing.T) {
	if _, err := newFrom(failingReader{}, Trigger); err == nil {
		t.Fatal("newFrom with failing reader: want error")
	}
}

func TestNewUnique(t *testing.T) {
	const n = 10000
	seen := make(map[string]bool, n)
	for range n {
		tok := mustNew(t, Trigger)
		if seen[tok] {
			t.Fatalf("duplicate token after %d draws", len(seen))
		}
		seen[tok] = true
	}
}

// TestNewDistribution is a coarse check that every base62 character can
// appear in the random part (a biased or truncated alphabet would fail).
func TestNewDistribution(t *testing.T) {
	counts := make(map[byte]int)
	for range 2000 {
		tok := mustNew(t, Runner)
		for i := PrefixLen; i < PrefixLen+RandomLen; i++ {
			counts[tok[i]]++
		}
	}
	for i := 0; i < len(alphabet); i++ {
		if counts[alphabet[i]] == 0 {
			t.Errorf("character %q never generated", alphabet[i])
		}
	}
}

// replaceAt returns s with the byte at i replaced by c.
func replaceAt(s string, i int, c byte) string {
	b := []byte(s)
	b[i] = c
	return string(b)
}

// flip returns a different base62 character than c.
func flip(c byte) byte {
	if c == 'a' {
		return 'b'
	}
	return 'a'
}

func TestParseMalformed(t *testing.T) {
	valid := mustNew(t, Trigger)
	body := valid[PrefixLen:]
	checksumAt := PrefixLen + RandomLen

	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"prefix only", "kot_"},
		{"unknown prefix", "kox_" + body},
		{"upper-case prefix", "KOT_" + body},
		{"github prefix", "ghp_" + body},
		{"no prefix", body},
		{"one short", valid[:Len-1]},
		{"one long", valid + "0"},
		{"trailing newline", valid[:Len-1] + "\n"},
		{"leading space", " " + valid[:Len-1]},
		{"dash in body", replaceAt(valid, 10, '-')},
		{"underscore in body", replaceAt(valid, 10, '_')},
		{"NUL in body", replaceAt(valid, 10, 0)},
		{"bad char in checksum", replaceAt(valid, checksumAt+2, '+')},
		{"flipped body char", replaceAt(valid, PrefixLen, flip(valid[PrefixLen]))},
		{"flipped last body char", replaceAt(valid, checksumAt-1, flip(valid[checksumAt-1]))},
		{"flipped checksum char", replaceAt(valid, Len-1, flip(valid[Len-1]))},
		{"checksum overflow", valid[:checksumAt] + "zzzzzz"},
		{"unicode same byte length", valid[:Len-2] + "é"},
		{"unicode in body", valid[:10] + "ü" + valid[12:]},
		{"all zeros", "kot_" + strings.Repeat("0", RandomLen+ChecksumLen)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Parse(tt.in)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse = (%v, %v), want ErrMalformed", k, err)
			}
			if k != 0 {
				t.Fatalf("Parse kind = %v on error, want 0", k)
			}
			if tt.in != "" && strings.Contains(err.Error(), tt.in) {
				t.Fatal("error message echoes the input")
			}
		})
	}
}

// TestKnownToken pins the generation and checksum encoding, so that tokens
// issued by one version keep parsing in the next.
func TestKnownToken(t *testing.T) {
	tests := []struct {
		sum  uint32
		want string
	}{
		{0, "000000"},
		{0xCBF43926, "3jZRME"}, // CRC32 of "123456789", the standard check value
		{0xFFFFFFFF, "4gfFC3"},
	}
	for _, tt := range tests {
		var b [ChecksumLen]byte
		putChecksum(b[:], tt.sum)
		if got := string(b[:]); got != tt.want {
			t.Errorf("putChecksum(%#x) = %q, want %q", tt.sum, got, tt.want)
		}
	}

	if got := crc32IEEE("123456789"); got != 0xCBF43926 {
		t.Errorf("crc32IEEE check value = %#x, want 0xcbf43926", got)
	}

	// Bytes >= 248 must be skipped (they would bias "% 62"); the rest map
	// to alphabet[b % 62].
	random := []byte{248, 249, 250, 251, 252, 253, 254, 255}
	for i := range 56 {
		random = append(random, byte(i))
	}
	const want = "kop_0123456789ABCDEFGHIJKLMNOPQRSTUV1ggZdL"
	tok, err := newFrom(bytes.NewReader(random), PersonalAccess)
	if err != nil {
		t.Fatal(err)
	}
	if tok != want {
		t.Fatalf("newFrom = %q, want %q", tok, want)
	}
	if k, err := Parse(want); err != nil || k != PersonalAccess {
		t.Fatalf("Parse(%q) = (%v, %v), want PersonalAccess", want, k, err)
	}
}

// TestParseDoesNotAllocate guards the hot path: Parse runs before every
// token lookup, including floods of bad tokens.
func TestParseDoesNotAllocate(t *testing.T) {
	tok := mustNew(t, Trigger)
	bad := replaceAt(tok, Len-1, flip(tok[Len-1]))
	allocs := testing.AllocsPerRun(100, func() {
		_, _ = Parse(tok)
		_, _ = Parse(bad)
		_, _ = Parse("garbage")
	})
	if allocs != 0 {
		t.Fatalf("Parse allocates %v times per run, want 0", allocs)
	}
}

func TestDigest(t *testing.T) {
	a, b := mustNew(t, Trigger), mustNew(t, Trigger)
	da, db := Digest(a), Digest(b)
	if len(da) != 32 {
		t.Fatalf("len(Digest) = %d, want 32", len(da))
	}
	if !Equal(da, Digest(a)) {
		t.Error("Digest is not deterministic")
	}
	if Equal(da, db) {
		t.Error("different tokens have equal digests")
	}
	if bytes.Contains(da, []byte(a[PrefixLen:PrefixLen+8])) {
		t.Error("digest contains token text")
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b []byte
		want bool
	}{
		{nil, nil, true},
		{[]byte{}, nil, true},
		{[]byte("abc"), []byte("abc"), true},
		{[]byte("abc"), []byte("abd"), false},
		{[]byte("abc"), []byte("ab"), false},
		{[]byte("abc"), nil, false},
	}
	for _, tt := range tests {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestShortAndRedact(t *testing.T) {
	tok := "kot_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
	tests := []struct {
		in, short, redact string
	}{
		{tok, "AbCd", "kot_AbCd"},
		{"", "", ""},
		{"k", "k", "k"},
		{"kot_", "", "kot_"},
		{"kot_Ab", "Ab", "kot_Ab"},
		{"kox_AbCdEf", "kox_", "kox_AbCd"},
		{"abcdefghijklmnop", "abcd", "abcdefgh"},
		{"ÄÖÜßäöüéèê", "ÄÖÜß", "ÄÖÜßäöüé"},
		{"kot_日本語のトークン", "日本語の", "kot_日本語の"},
		{"a\x00b\nc\x7fdef", "a\uFFFDb\uFFFD", "a\uFFFDb\uFFFDc\uFFFDde"},
		{"\xff\xfe\xfdabcdefgh", "\uFFFD\uFFFD\uFFFDa", "\uFFFD\uFFFD\uFFFDabcde"},
	}
	for _, tt := range tests {
		if got := Short(tt.in); got != tt.short {
			t.Errorf("Short(%q) = %q, want %q", tt.in, got, tt.short)
		}
		if got := Redact(tt.in); got != tt.redact {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.redact)
		}
	}
}

func TestShortRedactBounds(t *testing.T) {
	for _, k := range allKinds {
		tok := mustNew(t, k)
		if got := Short(tok); got != tok[PrefixLen:PrefixLen+ShortLen] {
			t.Errorf("Short(%s token) = %q", k, got)
		}
		if got := Redact(tok); got != tok[:RedactLen] {
			t.Errorf("Redact(%s token) = %q", k, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, k := range allKinds {
		f.Add(mustNew(f, k))
	}
	f.Add("")
	f.Add("kot_")
	f.Add("kot_" + strings.Repeat("z", RandomLen+ChecksumLen))
	f.Add("kot_日本語のトークン")
	f.Add("\xff\x00kop_")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := Parse(s)
		if utf8.RuneCountInString(Redact(s)) > RedactLen || !utf8.ValidString(Redact(s)) {
			t.Fatalf("Redact(%q) = %q", s, Redact(s))
		}
		if n := utf8.RuneCountInString(Short(s)); n > ShortLen || !utf8.ValidString(Short(s)) {
			t.Fatalf("Short(%q) = %q", s, Short(s))
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) || k != 0 {
				t.Fatalf("Parse(%q) = (%v, %v)", s, k, err)
			}
			return
		}
		if len(s) != Len || !strings.HasPrefix(s, k.Prefix()) || k.Prefix() == "" {
			t.Fatalf("Parse accepted %q as %v", s, k)
		}
		if got := Short(s); len(got) != ShortLen || got != s[PrefixLen:PrefixLen+ShortLen] {
			t.Fatalf("Short(%q) = %q", s, got)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	tok := mustNew(b, Trigger)
	bad := replaceAt(tok, Len-1, flip(tok[Len-1]))
	b.Run("valid", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Parse(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bad-checksum", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Parse(bad); err == nil {
				b.Fatal("accepted")
			}
		}
	})
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(Trigger); err != nil {
			b.Fatal(err)
		}
	}
}
