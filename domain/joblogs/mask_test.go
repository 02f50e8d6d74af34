package joblogs

import (
	"bytes"
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	m := newMasker([][]byte{[]byte("s3cr3t-value"), []byte("s3cr3t-value-longer"), []byte("short")})
	tests := []struct {
		name, in     string
		final        bool
		out, pending string
	}{
		{"no secret", "hello world\n", false, "hello world\n", ""},
		{"whole secret", "key=s3cr3t-value!", false, "key=[MASKED]!", ""},
		{"the longest secret wins", "s3cr3t-value-longer.", false, "[MASKED].", ""},
		{"a prefix at the end is held back", "key=s3cr3t-va", false, "key=", "s3cr3t-va"},
		{"a match that a longer secret may extend is held back", "key=s3cr3t-value", false, "key=", "s3cr3t-value"},
		{"at the end of the log it is masked", "key=s3cr3t-value", true, "key=[MASKED]", ""},
		{"at the end of the log a prefix is kept", "key=s3cr3t-va", true, "key=s3cr3t-va", ""},
		{"values under 8 bytes are not masked", "short", false, "short", ""},
		{"twice", "s3cr3t-value s3cr3t-value\n", false, "[MASKED] [MASKED]\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, pending := m.mask([]byte(tc.in), tc.final)
			if string(out) != tc.out || string(pending) != tc.pending {
				t.Errorf("mask(%q) = %q, pending %q; want %q, %q", tc.in, out, pending, tc.out, tc.pending)
			}
		})
	}
}

// FuzzMaskChunks: however a stream is cut into chunks, no secret survives
// and the result equals masking the whole stream at once.
func FuzzMaskChunks(f *testing.F) {
	f.Add("hello s3cr3t-value world", uint8(9))
	f.Add("s3cr3t-values3cr3t-value", uint8(3))
	f.Add(strings.Repeat("s3cr3t-", 5), uint8(1))
	f.Fuzz(func(t *testing.T, stream string, cut uint8) {
		secret := []byte("s3cr3t-value")
		m := newMasker([][]byte{secret})
		whole, _ := m.mask([]byte(stream), true)
		var got, pending []byte
		step := int(cut%16) + 1
		for i := 0; i < len(stream); i += step {
			var out []byte
			out, pending = m.mask(append(pending, stream[i:min(i+step, len(stream))]...), false)
			got = append(got, out...)
		}
		tail, _ := m.mask(pending, true)
		got = append(got, tail...)
		if !bytes.Equal(got, whole) {
			t.Fatalf("chunked %q (every %d) = %q, whole = %q", stream, step, got, whole)
		}
		if bytes.Contains(got, secret) {
			t.Fatalf("%q survived in %q", secret, got)
		}
	})
}
