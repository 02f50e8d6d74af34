// Package tokens creates and checks Kickoff's secret bearer tokens (trigger,
// personal access, runner and job tokens).
//
// A token is a kind prefix, 32 random base62 characters and a 6-character
// base62 CRC32 of the random part, e.g. "kot_" + 32 + 6 = 42 characters. The
// checksum lets the server reject typos and garbage offline, before any
// database query, and lets secret scanners recognise leaked tokens (the same
// idea as GitHub's token format). The database stores only Digest(token).
package tokens

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind says what a token authenticates. The zero value is not a valid kind,
// so a failed Parse never returns something usable.
type Kind int

// The token kinds. Their prefixes are part of the public format: never
// renumber the prefixes, only add new kinds.
const (
	Trigger        Kind = iota + 1 // "kot_": starts pipelines in one project
	PersonalAccess                 // "kop_": acts as a user on REST and GraphQL
	Runner                         // "kor_": lets a runner claim pipelines
	Job                            // "koj_": lives as long as one claimed pipeline
)

const (
	// PrefixLen is the length of every kind prefix.
	PrefixLen = 4
	// RandomLen is the number of random base62 characters (about 190 bits).
	RandomLen = 32
	// ChecksumLen is the number of base62 characters of the CRC32 checksum;
	// 62^6 > 2^32, so six always suffice.
	ChecksumLen = 6
	// Len is the length of every well-formed token.
	Len = PrefixLen + RandomLen + ChecksumLen

	// ShortLen is how many characters after the prefix non-owners may see.
	ShortLen = 4
	// RedactLen is the most characters of a presented value that may be
	// written to an audit log: for a token, its prefix and short form, the
	// same rule RedactText applies to tokens inside free text.
	RedactLen = PrefixLen + ShortLen
)

// ErrMalformed is returned by Parse for anything that is not a well-formed
// token. It deliberately carries no detail: callers answer a malformed token
// exactly like an unknown one.
var ErrMalformed = errors.New("tokens: malformed token")

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// digitValue maps a byte to its base62 value, or -1. A table keeps Parse
// branch-light and free of allocations.
var digitValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// Prefix returns the kind's token prefix, or "" for an invalid kind.
func (k Kind) Prefix() string {
	switch k {
	case Trigger:
		return "kot_"
	case PersonalAccess:
		return "kop_"
	case Runner:
		return "kor_"
	case Job:
		return "koj_"
	}
	return ""
}

// String returns a stable lower-case name, suitable for audit records
// (actorTokenKind) and logs.
func (k Kind) String() string {
	switch k {
	case Trigger:
		return "trigger"
	case PersonalAccess:
		return "personal_access"
	case Runner:
		return "runner"
	case Job:
		return "job"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// kindOf returns the kind whose prefix starts s, or 0.
func kindOf(s string) Kind {
	if len(s) < PrefixLen {
		return 0
	}
	switch s[:PrefixLen] {
	case "kot_":
		return Trigger
	case "kop_":
		return PersonalAccess
	case "kor_":
		return Runner
	case "koj_":
		return Job
	}
	return 0
}

// New returns a fresh token of kind k. It fails only for an invalid kind or
// if the system's random source fails.
func New(k Kind) (string, error) {
	return newFrom(rand.Reader, k)
}

// newFrom is New with an injectable random source, so tests can exercise the
// failure path.
func newFrom(r io.Reader, k Kind) (string, error) {
	prefix := k.Prefix()
	if prefix == "" {
		return "", fmt.Errorf("tokens: new token: invalid kind %d", int(k))
	}
	var b [Len]byte
	copy(b[:], prefix)
	body := b[PrefixLen : PrefixLen+RandomLen]
	if err := randomBase62(r, body); err != nil {
		return "", fmt.Errorf("tokens: new %s token: %w", k, err)
	}
	putChecksum(b[PrefixLen+RandomLen:], crc32.ChecksumIEEE(body))
	return string(b[:]), nil
}

// randomBase62 fills dst with uniformly distributed base62 characters.
// Bytes >= 248 (= 4*62) are rejected so that "b % 62" has no bias.
func randomBase62(r io.Reader, dst []byte) error {
	var buf [64]byte
	for n := 0; n < len(dst); {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return fmt.Errorf("read random bytes: %w", err)
		}
		for _, c := range buf {
			if c >= 248 {
				continue
			}
			dst[n] = alphabet[c%62]
			n++
			if n == len(dst) {
				break
			}
		}
	}
	return nil
}

// putChecksum writes sum as ChecksumLen base62 digits, most significant
// first, left-padded with '0'.
func putChecksum(dst []byte, sum uint32) {
	v := uint64(sum)
	for i := ChecksumLen - 1; i >= 0; i-- {
		dst[i] = alphabet[v%62]
		v /= 62
	}
}

// Parse checks that s is a well-formed token and returns its kind. It does
// not know whether the token exists: look Digest(s) up for that. Any problem
// yields ErrMalformed, which never includes the input. Parse runs on every
// authenticated request, so it does not allocate.
func Parse(s string) (Kind, error) {
	if len(s) != Len {
		return 0, ErrMalformed
	}
	k := kindOf(s)
	if k == 0 {
		return 0, ErrMalformed
	}
	body := s[PrefixLen : PrefixLen+RandomLen]
	for i := 0; i < len(body); i++ {
		if digitValue[body[i]] < 0 {
			return 0, ErrMalformed
		}
	}
	var got uint64
	for i := PrefixLen + RandomLen; i < Len; i++ {
		d := digitValue[s[i]]
		if d < 0 {
			return 0, ErrMalformed
		}
		got = got*62 + uint64(d)
	}
	// A plain comparison is fine: the checksum is not secret, it is public
	// in the token and only guards against typos and garbage.
	if got != uint64(crc32IEEE(body)) {
		return 0, ErrMalformed
	}
	return k, nil
}

// crc32IEEE is crc32.ChecksumIEEE for a string. The 32-byte input is too
// short for the SIMD path to pay off, and converting it to []byte would
// allocate on every request.
func crc32IEEE(s string) uint32 {
	crc := ^uint32(0)
	for i := 0; i < len(s); i++ {
		crc = crc32.IEEETable[byte(crc)^s[i]] ^ (crc >> 8)
	}
	return ^crc
}

// Digest returns the SHA-256 of the whole token: the only form stored and
// the unique lookup key. Hashing without a salt is sound because the tokens
// carry ~190 random bits; it keeps lookups a single indexed equality.
func Digest(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// Equal reports whether two digests are equal, in time independent of their
// contents.
func Equal(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}

// Short returns the first ShortLen characters after the kind prefix: what
// users other than the owner see. For a value without a known prefix it
// returns its first ShortLen characters; shorter values give what is there.
// The result is always valid UTF-8 without control characters.
func Short(s string) string {
	if kindOf(s) != 0 {
		s = s[PrefixLen:]
	}
	return head(s, ShortLen)
}

// Redact returns at most the first RedactLen characters of a presented
// value, for audit records of rejected tokens. For a well-formed token that
// is the prefix plus its short form, which non-owners may see anyway.
func Redact(s string) string {
	return head(s, RedactLen)
}

// head returns the first n characters of s. Invalid UTF-8 and control
// characters (NUL included) become U+FFFD: rejected values are attacker
// input, and they go to logs and to PostgreSQL text columns, which refuse
// NUL bytes and invalid UTF-8.
func head(s string, n int) string {
	clean := true
	count := 0
	for i, r := range s {
		if count == n {
			s = s[:i]
			break
		}
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
		}
		count++
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}
