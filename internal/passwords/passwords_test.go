package passwords

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// cheap are small argon2id parameters, so tests that need many hashes or
// non-current parameters stay fast.
var cheap = params{memory: 64, time: 1, threads: 1, saltLen: 16, keyLen: 32}

func hashWith(t testing.TB, pw string, p params) string {
	t.Helper()
	salt := []byte(strings.Repeat("s", p.saltLen))
	return encode(p, salt, derive(pw, salt, p))
}

func TestHashVerify(t *testing.T) {
	encoded, err := Hash("correct horse battery staple")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	if !strings.HasPrefix(encoded, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("Hash = %q, want the argon2id PHC format with OWASP parameters", encoded)
	}
	if strings.Contains(encoded, "horse") {
		t.Fatal("hash contains the password")
	}
	tests := []struct {
		pw   string
		want bool
	}{
		{"correct horse battery staple", true},
		{"correct horse battery stapl", false},
		{"Correct horse battery staple", false},
		{"", false},
	}
	for _, tt := range tests {
		got, err := Verify(tt.pw, encoded)
		if err != nil || got != tt.want {
			t.Errorf("Verify(%q) = (%v, %v), want (%v, nil)", tt.pw, got, err, tt.want)
		}
	}
	if NeedsRehash(encoded) {
		t.Error("NeedsRehash(fresh hash) = true")
	}
}

func TestHashUsesFreshSalt(t *testing.T) {
	a, err := Hash("same")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Hash("same")
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("two hashes of the same password are identical")
	}
}

func TestVerifyReadsParametersFromHash(t *testing.T) {
	tests := []struct {
		name string
		p    params
	}{
		{"cheap", cheap},
		{"more lanes", params{memory: 256, time: 3, threads: 4, saltLen: 16, keyLen: 32}},
		{"short salt and key", params{memory: 64, time: 1, threads: 1, saltLen: 8, keyLen: 16}},
		{"long salt and key", params{memory: 64, time: 1, threads: 1, saltLen: 64, keyLen: 64}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			encoded := hashWith(t, "pw", tt.p)
			if ok, err := Verify("pw", encoded); !ok || err != nil {
				t.Fatalf("Verify(right) = (%v, %v)", ok, err)
			}
			if ok, err := Verify("PW", encoded); ok || err != nil {
				t.Fatalf("Verify(wrong) = (%v, %v)", ok, err)
			}
		})
	}
}

// TestVerifyKnownVector checks interoperability with other argon2id
// implementations, using the reference implementation's test vector
// (phc-winner-argon2, src/test.c: "password", "somesalt", t=2, m=2^16, p=1).
func TestVerifyKnownVector(t *testing.T) {
	const encoded = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	ok, err := Verify("password", encoded)
	if err != nil || !ok {
		t.Fatalf("Verify(known vector) = (%v, %v), want true", ok, err)
	}
}

func TestVerifyRejectsMalformed(t *testing.T) {
	valid := hashWith(t, "pw", cheap)
	fields := strings.Split(valid, "$")
	salt, key := fields[4], fields[5]
	with := func(params string) string {
		return "$argon2id$v=19$" + params + "$" + salt + "$" + key
	}
	tests := []struct {
		name    string
		encoded string
	}{
		{"empty", ""},
		{"plain text", "hunter2"},
		{"argon2i", strings.Replace(valid, "argon2id", "argon2i", 1)},
		{"argon2d", strings.Replace(valid, "argon2id", "argon2d", 1)},
		{"version 16", strings.Replace(valid, "v=19", "v=16", 1)},
		{"no version", "$argon2id$m=64,t=1,p=1$" + salt + "$" + key},
		{"missing hash", strings.Join(fields[:5], "$")},
		{"extra field", valid + "$x"},
		{"no leading $", strings.TrimPrefix(valid, "$")},
		{"memory 0", with("m=0,t=1,p=1")},
		{"memory above 1 GiB", with("m=1048577,t=1,p=1")},
		{"memory overflow", with("m=99999999999,t=1,p=1")},
		{"memory below 8 KiB per lane", with("m=16,t=1,p=4")},
		{"time 0", with("m=64,t=0,p=1")},
		{"time 11", with("m=64,t=11,p=1")},
		{"threads 0", with("m=64,t=1,p=0")},
		{"threads 17", with("m=1024,t=1,p=17")},
		{"threads 256", with("m=4096,t=1,p=256")},
		{"negative", with("m=-64,t=1,p=1")},
		{"plus sign", with("m=+64,t=1,p=1")},
		{"reordered", with("t=1,m=64,p=1")},
		{"missing param", with("m=64,t=1")},
		{"extra param", with("m=64,t=1,p=1,k=2")},
		{"keyid param", with("m=64,t=1,p=1,keyid=abc")},
		{"spaces", with("m=64, t=1, p=1")},
		{"bad salt", "$argon2id$v=19$m=64,t=1,p=1$!!!!!!!!!!!!$" + key},
		{"padded base64", valid + "="},
		{"salt too short", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key},
		{"hash too short", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$AAAA"},
		{"hash too long", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.Repeat("A", 200)},
		{"bcrypt garbage", "$2b$10$notreallybcrypt"},
		{"bcrypt cost too high", bcryptWithCost(t, 31)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := Verify("pw", tt.encoded)
			if ok || !errors.Is(err, ErrMalformed) {
				t.Fatalf("Verify = (%v, %v), want (false, ErrMalformed)", ok, err)
			}
			if !NeedsRehash(tt.encoded) {
				t.Fatal("NeedsRehash(malformed) = false")
			}
		})
	}
}

// bcryptWithCost builds a syntactically valid bcrypt hash claiming cost
// without spending it: the cost is just two digits in the string.
func bcryptWithCost(t testing.TB, cost int) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	s := string(h) // "$2a$04$…"
	return fmt.Sprintf("%s%02d%s", s[:4], cost, s[6:])
}

func TestVerifyBcrypt(t *testing.T) {
	h, err := bcrypt.GenerateFromPassword([]byte("legacy pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	encoded := string(h)
	tests := []struct {
		pw   string
		want bool
	}{
		{"legacy pw", true},
		{"legacy pW", false},
		{"", false},
	}
	for _, tt := range tests {
		if got, err := Verify(tt.pw, encoded); err != nil || got != tt.want {
			t.Errorf("Verify(%q, bcrypt) = (%v, %v), want %v", tt.pw, got, err, tt.want)
		}
	}
	if !NeedsRehash(encoded) {
		t.Error("NeedsRehash(bcrypt) = false, want true")
	}
}

func TestNeedsRehash(t *testing.T) {
	tests := []struct {
		name string
		p    params
		want bool
	}{
		{"current", current, false},
		{"less memory", params{memory: current.memory / 2, time: current.time, threads: 1, saltLen: 16, keyLen: 32}, true},
		{"fewer passes", params{memory: current.memory, time: 1, threads: 1, saltLen: 16, keyLen: 32}, true},
		{"shorter salt", params{memory: current.memory, time: current.time, threads: 1, saltLen: 8, keyLen: 32}, true},
		{"shorter key", params{memory: current.memory, time: current.time, threads: 1, saltLen: 16, keyLen: 16}, true},
		{"stronger", params{memory: current.memory, time: current.time + 1, threads: 2, saltLen: 16, keyLen: 32}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// NeedsRehash only parses, so a fake key of the right length
			// avoids computing expensive hashes.
			encoded := encode(tt.p, make([]byte, tt.p.saltLen), make([]byte, tt.p.keyLen))
			if got := NeedsRehash(encoded); got != tt.want {
				t.Fatalf("NeedsRehash(%s) = %v, want %v", encoded, got, tt.want)
			}
		})
	}
}

func TestErrorsDoNotLeakHash(t *testing.T) {
	encoded := "$argon2id$v=19$m=64,t=0,p=1$c2VjcmV0c2FsdHNlY3JldA$" + strings.Repeat("Q", 43)
	_, err := Verify("pw", encoded)
	if err == nil {
		t.Fatal("want error")
	}
	if strings.Contains(err.Error(), "c2VjcmV0c2FsdHNlY3JldA") || strings.Contains(err.Error(), "QQQQ") {
		t.Fatalf("error %q contains the stored hash", err)
	}
}

func TestVerifyDummy(t *testing.T) {
	// Nothing to assert but that it runs with the current parameters and
	// does not panic for odd input; timing is measured by the benchmarks.
	for _, pw := range []string{"", "pw", strings.Repeat("x", 4096)} {
		VerifyDummy(pw)
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("pw", hashWith(f, "pw", cheap))
	f.Add("pw", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("pw", "$argon2id$v=19$m=1048576,t=10,p=16$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("pw", "$2b$04$abcdefghijklmnopqrstuu5aVyq0o6xW1tS1x0QDQ3LLfJi5vYf6u")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, pw, encoded string) {
		NeedsRehash(encoded)
		// Parameters within the accepted bounds can still cost up to 1 GiB
		// and seconds per call: legitimate for one login, but it would make
		// the fuzzer crawl and several workers could exhaust memory. The
		// parser is what faces arbitrary input, so it runs on everything;
		// the hash itself only for cheap parameters.
		if p, _, _, err := decode(encoded); err == nil && (p.memory > 1024 || p.time > 2) {
			return
		}
		if isBcrypt(encoded) {
			if cost, err := bcrypt.Cost([]byte(encoded)); err == nil && cost > 6 {
				return
			}
		}
		ok, err := Verify(pw, encoded)
		if err != nil && ok {
			t.Fatal("Verify returned true with an error")
		}
	})
}

func BenchmarkHash(b *testing.B) {
	for b.Loop() {
		if _, err := Hash("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyDummy(b *testing.B) {
	for b.Loop() {
		VerifyDummy("correct horse battery staple")
	}
}
