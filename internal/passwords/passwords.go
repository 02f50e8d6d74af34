// Package passwords hashes and verifies user passwords with argon2id, stored
// as PHC strings ("$argon2id$v=19$m=…,t=…,p=…$salt$hash") that carry their
// own parameters, so the cost can be raised later and old hashes upgraded
// at the next login (see NeedsRehash). bcrypt hashes ("$2a$", "$2b$", "$2y$")
// imported from other systems are accepted by Verify but never produced.
package passwords

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// params are argon2id cost parameters plus the salt and output sizes.
type params struct {
	memory  uint32 // KiB
	time    uint32 // passes
	threads uint8
	saltLen int
	keyLen  int
}

// current are the parameters for new hashes: OWASP's argon2id baseline
// (19 MiB, 2 passes, 1 lane), a 128-bit salt and a 256-bit output.
var current = params{memory: 19 * 1024, time: 2, threads: 1, saltLen: 16, keyLen: 32}

// Upper bounds for parameters read from a stored hash. A corrupted or
// hostile row must not make Verify allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // KiB = 1 GiB
	maxTime    = 10
	maxThreads = 16
	minSaltLen = 8 // RFC 9106's minimum
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
	// maxBcryptCost keeps imported bcrypt hashes to about a second; the
	// library's own maximum (31) would take days.
	maxBcryptCost = 14
)

// ErrMalformed is returned by Verify when the stored hash cannot be parsed
// or has parameters outside the accepted bounds.
var ErrMalformed = errors.New("passwords: malformed or unsupported password hash")

// b64 is the PHC string format's base64: standard alphabet, no padding.
var b64 = base64.RawStdEncoding.Strict()

// Hash returns the argon2id PHC string for pw with a fresh random salt.
func Hash(pw string) (string, error) {
	salt := make([]byte, current.saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("passwords: generate salt: %w", err)
	}
	return encode(current, salt, derive(pw, salt, current)), nil
}

func derive(pw string, salt []byte, p params) []byte {
	return argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, uint32(p.keyLen))
}

func encode(p params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether pw matches the stored hash encoded. A mismatch is
// (false, nil); an error means the stored hash itself is unusable, and is
// worth logging (without the hash) since that user can't log in.
func Verify(pw, encoded string) (bool, error) {
	if isBcrypt(encoded) {
		return verifyBcrypt(pw, encoded)
	}
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got := derive(pw, salt, p)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether encoded should be replaced by Hash(pw) after
// a successful login: it is not argon2id, or weaker or shaped differently
// than the current parameters.
func NeedsRehash(encoded string) bool {
	p, _, _, err := decode(encoded)
	if err != nil {
		return true
	}
	return p.memory < current.memory || p.time < current.time || p.threads < current.threads ||
		p.saltLen != current.saltLen || p.keyLen != current.keyLen
}

// dummySalt is fixed: VerifyDummy's output is thrown away, only its cost
// matters.
var dummySalt = make([]byte, 16)

// VerifyDummy spends as long as Verify does on a current hash, and always
// fails. Call it when the username is unknown (or the user is blocked) so
// that response times don't reveal which usernames exist.
func VerifyDummy(pw string) {
	got := derive(pw, dummySalt, current)
	subtle.ConstantTimeCompare(got, make([]byte, current.keyLen))
}

// decode parses "$argon2id$v=19$m=M,t=T,p=P$salt$hash" and checks bounds
// before anything is allocated for the hash computation.
func decode(encoded string) (params, []byte, []byte, error) {
	var p params
	fields := strings.Split(encoded, "$")
	if len(fields) != 6 || fields[0] != "" || fields[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: not an argon2id PHC string", ErrMalformed)
	}
	if fields[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: unsupported argon2 version", ErrMalformed)
	}
	if err := parseParams(fields[3], &p); err != nil {
		return p, nil, nil, err
	}
	salt, err := decodeB64(fields[4], minSaltLen, maxSaltLen)
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: salt: %w", ErrMalformed, err)
	}
	key, err := decodeB64(fields[5], minKeyLen, maxKeyLen)
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: hash: %w", ErrMalformed, err)
	}
	p.saltLen, p.keyLen = len(salt), len(key)
	return p, salt, key, nil
}

// parseParams parses "m=M,t=T,p=P" (that order, as every PHC encoder
// writes it) into p.
func parseParams(s string, p *params) error {
	m, rest, ok1 := strings.Cut(s, ",")
	t, pp, ok2 := strings.Cut(rest, ",")
	if !ok1 || !ok2 {
		return fmt.Errorf("%w: parameters", ErrMalformed)
	}
	memory, err1 := parseParam(m, "m=", maxMemory)
	time, err2 := parseParam(t, "t=", maxTime)
	threads, err3 := parseParam(pp, "p=", maxThreads)
	if err := errors.Join(err1, err2, err3); err != nil {
		return fmt.Errorf("%w: parameters: %w", ErrMalformed, err)
	}
	// Argon2 needs at least 8 KiB per lane.
	if memory < 8*threads {
		return fmt.Errorf("%w: parameters: memory below 8 KiB per lane", ErrMalformed)
	}
	p.memory, p.time, p.threads = uint32(memory), uint32(time), uint8(threads)
	return nil
}

// parseParam parses "<key>N" with 1 <= N <= limit.
func parseParam(s, key string, limit uint64) (uint64, error) {
	digits, ok := strings.CutPrefix(s, key)
	if !ok {
		return 0, fmt.Errorf("want %sN", key)
	}
	n, err := strconv.ParseUint(digits, 10, 32)
	if err != nil || n < 1 || n > limit {
		return 0, fmt.Errorf("%sN must be between 1 and %d", key, limit)
	}
	return n, nil
}

func decodeB64(s string, minLen, maxLen int) ([]byte, error) {
	if b64.DecodedLen(len(s)) > maxLen {
		return nil, fmt.Errorf("longer than %d bytes", maxLen)
	}
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, errors.New("invalid base64")
	}
	if len(b) < minLen {
		return nil, fmt.Errorf("shorter than %d bytes", minLen)
	}
	return b, nil
}

func isBcrypt(encoded string) bool {
	return strings.HasPrefix(encoded, "$2a$") || strings.HasPrefix(encoded, "$2b$") ||
		strings.HasPrefix(encoded, "$2y$")
}

func verifyBcrypt(pw, encoded string) (bool, error) {
	cost, err := bcrypt.Cost([]byte(encoded))
	if err != nil {
		return false, fmt.Errorf("%w: bcrypt", ErrMalformed)
	}
	if cost > maxBcryptCost {
		return false, fmt.Errorf("%w: bcrypt cost above %d", ErrMalformed, maxBcryptCost)
	}
	err = bcrypt.CompareHashAndPassword([]byte(encoded), []byte(pw))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	default:
		return false, fmt.Errorf("%w: bcrypt", ErrMalformed)
	}
}

// UseTestCost makes new hashes cheap (64 KiB, one pass) for test binaries
// that create hundreds of users: at the real cost, hashing was more than
// half of the server tests' CPU time. Hashes stay argon2id and verify the
// same way. Call it before anything hashes, from an init function of a test
// helper package; Kickoff itself never does.
func UseTestCost() { current.memory, current.time = 64, 1 }
