package sessionjwt

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kickoff-ci/kickoff/internal/keyring"
)

const (
	secretOld   = "old-secret-old-secret-old-secret-old-secret"
	secretNew   = "new-secret-new-secret-new-secret-new-secret"
	secretOther = "other-deployment-other-deployment-other-deployment"
	testIss     = "https://kickoff.example.com"
	testAud     = "kickoff-web"
)

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func clock(t time.Time) func() time.Time { return func() time.Time { return t } }

func mustKeyring(t testing.TB, current string, previous ...string) *keyring.Keyring {
	t.Helper()
	kr, err := keyring.New(current, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func newIssuer(t testing.TB, kr *keyring.Keyring) *Issuer {
	return New(kr, testIss, testAud, DefaultTTL, clock(epoch))
}

// forge signs arbitrary claims and headers, the way an attacker (or a bug)
// would; validClaims gives a baseline to alter.
func forge(t testing.TB, method jwt.SigningMethod, c jwt.MapClaims, header map[string]any, key any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
			continue
		}
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("forge: %v", err)
	}
	return s
}

func validClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"iss": testIss,
		"aud": testAud,
		"sub": "42",
		"iat": epoch.Unix(),
		"nbf": epoch.Unix(),
		"exp": epoch.Add(time.Hour).Unix(),
		"sid": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	}
}

func with(c jwt.MapClaims, key string, value any) jwt.MapClaims {
	if value == nil {
		delete(c, key)
	} else {
		c[key] = value
	}
	return c
}

// hs256 signs header.payload with HMAC-SHA256 by hand, to build tokens the
// library would refuse to produce (e.g. an RS256 header with an HMAC
// signature: the classic algorithm-confusion attack).
func hs256(header, payload string, key []byte) string {
	signing := segments(header, payload)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// segments returns the first two parts of a JWT built from raw JSON.
func segments(header, payload string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
}

func TestIssueParse(t *testing.T) {
	iss := newIssuer(t, mustKeyring(t, secretNew))
	issued, err := iss.Issue(42)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	token := issued.Token
	if want := epoch.Add(DefaultTTL); !issued.Expires.Equal(want) {
		t.Fatalf("expires = %v, want %v", issued.Expires, want)
	}
	got, err := iss.Parse(token)
	if err != nil || got.UserID != 42 || got.SessionID != issued.SessionID || !got.IssuedAt.Equal(epoch) {
		t.Fatalf("Parse = (%+v, %v), want user 42, session %s, issued at %v", got, err, issued.SessionID, epoch)
	}

	// The header and claims are what the spec names, with a single-string
	// aud and a random session id.
	var c jwt.MapClaims
	parsed, _, err := jwt.NewParser().ParseUnverified(token, &c)
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := mustKeyring(t, secretNew).SigningKey()
	if parsed.Header["alg"] != "HS256" || parsed.Header["kid"] != kid {
		t.Fatalf("header = %v", parsed.Header)
	}
	if c["aud"] != testAud || c["iss"] != testIss || c["sub"] != "42" {
		t.Fatalf("claims = %v", c)
	}
	for _, name := range []string{"iat", "nbf", "exp", "sid"} {
		if _, ok := c[name]; !ok {
			t.Errorf("claim %q missing", name)
		}
	}
	other, _ := iss.Issue(42)
	if other.Token == token || other.SessionID == issued.SessionID {
		t.Error("two sessions got the same token or session id (sid not random)")
	}
}

func TestIssueRejectsBadUserID(t *testing.T) {
	iss := newIssuer(t, mustKeyring(t, secretNew))
	for _, id := range []int{0, -1} {
		if _, err := iss.Issue(id); err == nil {
			t.Errorf("Issue(%d): want error", id)
		}
	}
}

func TestParseRejects(t *testing.T) {
	kr := mustKeyring(t, secretNew)
	iss := newIssuer(t, kr)
	kid, key := kr.SigningKey()
	_, otherKey := mustKeyring(t, secretOther).SigningKey()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]any{"kid": kid}

	issued, err := iss.Issue(42)
	if err != nil {
		t.Fatal(err)
	}
	valid := issued.Token
	parts := strings.Split(valid, ".")
	tamperedPayload := segments(`{"alg":"HS256","kid":"`+kid+`"}`,
		`{"iss":"`+testIss+`","aud":"`+testAud+`","sub":"1","exp":9999999999}`) + "." + parts[2]
	sig := []byte(parts[2])
	sig[3] ^= 0x01
	tamperedSig := parts[0] + "." + parts[1] + "." + string(sig)
	payload := `{"iss":"` + testIss + `","aud":"` + testAud + `","sub":"42","iat":` +
		strconv.FormatInt(epoch.Unix(), 10) + `,"exp":` + strconv.FormatInt(epoch.Add(time.Hour).Unix(), 10) + `,"sid":"ABCDEFGHIJKLMNOPQRSTUVWXYZ"}`

	// The hand-made tokens below differ from an accepted one only in what
	// each case names.
	if c, err := iss.Parse(hs256(`{"alg":"HS256","kid":"`+kid+`"}`, payload, key)); err != nil || c.UserID != 42 {
		t.Fatalf("hand-made control token: Parse = (%+v, %v), want user 42", c, err)
	}
	stringExp := strings.Replace(payload, `"exp":`+strconv.FormatInt(epoch.Add(time.Hour).Unix(), 10),
		`"exp":"`+strconv.FormatInt(epoch.Add(time.Hour).Unix(), 10)+`"`, 1)

	tests := []struct {
		name   string
		token  string
		reason string
	}{
		{"alg none", forge(t, jwt.SigningMethodNone, validClaims(), hdr, jwt.UnsafeAllowNoneSignatureType), "bad signature"},
		{"alg none, hand-made", segments(`{"alg":"none","kid":"`+kid+`"}`, payload) + ".", "bad signature"},
		{"alg None, hand-made", segments(`{"alg":"None","kid":"`+kid+`"}`, payload) + ".", "unverifiable"},
		{"hand-made, wrong key", hs256(`{"alg":"HS256","kid":"`+kid+`"}`, payload, otherKey), "bad signature"},
		{"HS384", forge(t, jwt.SigningMethodHS384, validClaims(), hdr, key), "bad signature"},
		{"HS512", forge(t, jwt.SigningMethodHS512, validClaims(), hdr, key), "bad signature"},
		{"RS256", forge(t, jwt.SigningMethodRS256, validClaims(), hdr, rsaKey), "bad signature"},
		{"RS256 header, HMAC signature", hs256(`{"alg":"RS256","typ":"JWT","kid":"`+kid+`"}`, payload, key), "bad signature"},
		{"wrong key, our kid", forge(t, jwt.SigningMethodHS256, validClaims(), hdr, otherKey), "bad signature"},
		{"tampered payload", tamperedPayload, "bad signature"},
		{"tampered signature", tamperedSig, ""},
		{"exp as a string", hs256(`{"alg":"HS256","kid":"`+kid+`"}`, stringExp, key), "time claim is not a number"},
		{"iat as a string", forge(t, jwt.SigningMethodHS256, with(validClaims(), "iat", strconv.FormatInt(epoch.Unix(), 10)), hdr, key), "time claim is not a number"},
		{"missing iat", forge(t, jwt.SigningMethodHS256, with(validClaims(), "iat", nil), hdr, key), "missing required claim"},
		{"exp far beyond the lifetime, old iat", forge(t, jwt.SigningMethodHS256, with(with(validClaims(), "iat", epoch.Add(-DefaultTTL-time.Minute).Unix()), "exp", epoch.Add(24*time.Hour).Unix()), hdr, key), "older than the session lifetime"},
		{"missing sid", forge(t, jwt.SigningMethodHS256, with(validClaims(), "sid", nil), hdr, key), "bad session id"},
		{"short sid", forge(t, jwt.SigningMethodHS256, with(validClaims(), "sid", "ABC"), hdr, key), "bad session id"},
		{"lower-case sid", forge(t, jwt.SigningMethodHS256, with(validClaims(), "sid", "abcdefghijklmnopqrstuvwxyz"), hdr, key), "bad session id"},
		{"missing exp", forge(t, jwt.SigningMethodHS256, with(validClaims(), "exp", nil), hdr, key), "missing required claim"},
		{"expired", forge(t, jwt.SigningMethodHS256, with(validClaims(), "exp", epoch.Add(-time.Minute).Unix()), hdr, key), "expired"},
		{"nbf in future", forge(t, jwt.SigningMethodHS256, with(validClaims(), "nbf", epoch.Add(time.Hour).Unix()), hdr, key), "not valid yet"},
		{"iat in future", forge(t, jwt.SigningMethodHS256, with(validClaims(), "iat", epoch.Add(time.Hour).Unix()), hdr, key), "issued in the future"},
		{"wrong iss", forge(t, jwt.SigningMethodHS256, with(validClaims(), "iss", "https://evil.example"), hdr, key), "wrong issuer"},
		{"missing iss", forge(t, jwt.SigningMethodHS256, with(validClaims(), "iss", nil), hdr, key), ""},
		{"wrong aud", forge(t, jwt.SigningMethodHS256, with(validClaims(), "aud", "other-app"), hdr, key), "wrong audience"},
		{"missing aud", forge(t, jwt.SigningMethodHS256, with(validClaims(), "aud", nil), hdr, key), ""},
		{"missing kid", forge(t, jwt.SigningMethodHS256, validClaims(), nil, key), "missing kid"},
		{"empty kid", forge(t, jwt.SigningMethodHS256, validClaims(), map[string]any{"kid": ""}, key), "missing kid"},
		{"numeric kid", forge(t, jwt.SigningMethodHS256, validClaims(), map[string]any{"kid": 1}, key), "missing kid"},
		{"unknown kid", forge(t, jwt.SigningMethodHS256, validClaims(), map[string]any{"kid": "0011223344556677"}, key), "unknown kid"},
		{"non-numeric sub", forge(t, jwt.SigningMethodHS256, with(validClaims(), "sub", "admin"), hdr, key), "bad subject"},
		{"zero sub", forge(t, jwt.SigningMethodHS256, with(validClaims(), "sub", "0"), hdr, key), "bad subject"},
		{"negative sub", forge(t, jwt.SigningMethodHS256, with(validClaims(), "sub", "-42"), hdr, key), "bad subject"},
		{"padded sub", forge(t, jwt.SigningMethodHS256, with(validClaims(), "sub", "042"), hdr, key), "bad subject"},
		{"overflowing sub", forge(t, jwt.SigningMethodHS256, with(validClaims(), "sub", "99999999999999999999999"), hdr, key), "bad subject"},
		{"missing sub", forge(t, jwt.SigningMethodHS256, with(validClaims(), "sub", nil), hdr, key), "bad subject"},
		{"numeric sub", forge(t, jwt.SigningMethodHS256, with(validClaims(), "sub", 42), hdr, key), "malformed"},
		{"empty", "", "malformed"},
		{"garbage", "not a token", "malformed"},
		{"dots", "..", "malformed"},
		{"two parts", parts[0] + "." + parts[1], "malformed"},
		{"four parts", valid + ".x", "malformed"},
		{"bad base64", "!!!." + parts[1] + "." + parts[2], "malformed"},
		{"padded base64", parts[0] + "=." + parts[1] + "." + parts[2], "malformed"},
		{"too long", valid + strings.Repeat("A", MaxTokenLen), "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := iss.Parse(tt.token)
			if !errors.Is(err, ErrInvalid) || c != (Claims{}) {
				t.Fatalf("Parse = (%+v, %v), want (zero, ErrInvalid)", c, err)
			}
			if tt.reason != "" && !strings.HasSuffix(err.Error(), ": "+tt.reason) {
				t.Errorf("error %q, want reason %q", err, tt.reason)
			}
			for _, part := range strings.Split(tt.token, ".") {
				if len(part) >= 8 && strings.Contains(err.Error(), part) {
					t.Fatalf("error %q contains token text", err)
				}
			}
		})
	}
}

func TestParseLeewayAndExpiry(t *testing.T) {
	kr := mustKeyring(t, secretNew)
	issued, err := newIssuer(t, kr).Issue(7)
	if err != nil {
		t.Fatal(err)
	}
	token := issued.Token
	tests := []struct {
		name  string
		at    time.Time
		valid bool
	}{
		{"at issue", epoch, true},
		{"slightly fast clock elsewhere", epoch.Add(-leeway / 2), true},
		{"before issue beyond leeway", epoch.Add(-time.Hour), false},
		{"just before expiry", epoch.Add(DefaultTTL - time.Second), true},
		{"within leeway after expiry", epoch.Add(DefaultTTL + leeway/2), true},
		{"after expiry", epoch.Add(DefaultTTL + leeway + time.Second), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := New(kr, testIss, testAud, DefaultTTL, clock(tt.at))
			c, err := iss.Parse(token)
			if tt.valid != (err == nil) {
				t.Fatalf("Parse at %v = (%+v, %v), want valid=%v", tt.at, c, err, tt.valid)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	before := newIssuer(t, mustKeyring(t, secretOld))
	issued, err := before.Issue(42)
	if err != nil {
		t.Fatal(err)
	}
	token := issued.Token
	rotated := newIssuer(t, mustKeyring(t, secretNew, secretOld))
	if c, err := rotated.Parse(token); err != nil || c.UserID != 42 {
		t.Fatalf("Parse after rotation = (%+v, %v), want user 42", c, err)
	}
	fresh, err := rotated.Issue(42)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := before.Parse(fresh.Token); !errors.Is(err, ErrInvalid) {
		t.Fatalf("old keyring accepted a token signed with the new key: %v", err)
	}
	retired := newIssuer(t, mustKeyring(t, secretNew))
	if _, err := retired.Parse(token); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Parse after dropping the old secret = %v, want ErrInvalid", err)
	}
}

func TestDefaults(t *testing.T) {
	iss := New(mustKeyring(t, secretNew), testIss, testAud, 0, nil)
	before := time.Now()
	issued, err := iss.Issue(1)
	if err != nil {
		t.Fatal(err)
	}
	if d := issued.Expires.Sub(before); d < DefaultTTL-time.Second || d > DefaultTTL+time.Second {
		t.Fatalf("expires in %v, want about %v", d, DefaultTTL)
	}
	if c, err := iss.Parse(issued.Token); err != nil || c.UserID != 1 {
		t.Fatalf("Parse = (%+v, %v)", c, err)
	}
}

func FuzzParse(f *testing.F) {
	kr, err := keyring.New(secretNew)
	if err != nil {
		f.Fatal(err)
	}
	iss := New(kr, testIss, testAud, DefaultTTL, clock(epoch))
	valid, err := iss.Issue(42)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid.Token)
	f.Add("")
	f.Add("..")
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.")
	f.Add(strings.Repeat("a.", 3000))
	f.Fuzz(func(t *testing.T, token string) {
		c, err := iss.Parse(token)
		if err != nil {
			if c != (Claims{}) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse = (%+v, %v)", c, err)
			}
			return
		}
		if c.UserID <= 0 || !validSessionID(c.SessionID) {
			t.Fatalf("Parse accepted %+v", c)
		}
	})
}
