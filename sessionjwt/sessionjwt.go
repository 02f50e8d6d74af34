// Package sessionjwt issues and checks the JWTs held in Kickoff's web-session
// cookie. Tokens are HS256 with keys from the keyring; the "kid" header
// names the key, so sessions survive a rotation of KICKOFF_SECRET_KEY for as
// long as the previous secret is configured.
package sessionjwt

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kickoff-ci/kickoff/keyring"
)

const (
	// DefaultTTL is the session lifetime the spec asks for.
	DefaultTTL = 12 * time.Hour
	// MaxTokenLen bounds the work spent on a presented token. Ours are
	// about 300 bytes; cookies can't exceed 4 KiB anyway.
	MaxTokenLen = 4096
	// leeway tolerates clock skew between replicas; it is negligible
	// against the session lifetime.
	leeway = 30 * time.Second
)

// ErrInvalid is returned (wrapped with a short reason) for every token that
// must not authenticate. Callers answer 401 without further detail.
var ErrInvalid = errors.New("sessionjwt: invalid session token")

var (
	errMissingKID = errors.New("missing kid")
	errUnknownKID = errors.New("unknown kid")
)

// signingMethod is pinned: the parser accepts nothing else, which defeats
// "alg":"none" and algorithm-confusion attacks.
var signingMethod = jwt.SigningMethodHS256

// Issuer issues and parses session tokens for one deployment.
type Issuer struct {
	kr       *keyring.Keyring
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	parser   *jwt.Parser
}

// New returns an Issuer. issuer and audience are typically the public URL
// and "kickoff-web"; a ttl <= 0 means DefaultTTL; a nil now means time.Now
// (tests pass a fake clock).
func New(kr *keyring.Keyring, issuer, audience string, ttl time.Duration, now func() time.Time) *Issuer {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if now == nil {
		now = time.Now
	}
	return &Issuer{
		kr:       kr,
		issuer:   issuer,
		audience: audience,
		ttl:      ttl,
		now:      now,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{signingMethod.Alg()}),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(leeway),
			jwt.WithTimeFunc(now),
			// Canonical base64 only, so one token has one spelling.
			jwt.WithStrictDecoding(),
		),
	}
}

// claims is the token payload. It is our own type rather than
// jwt.RegisteredClaims so that "aud" is one string, as the spec asks.
type claims struct {
	Issuer    string           `json:"iss"`
	Subject   string           `json:"sub"`
	Audience  string           `json:"aud"`
	IssuedAt  *jwt.NumericDate `json:"iat,omitempty"`
	NotBefore *jwt.NumericDate `json:"nbf,omitempty"`
	ExpiresAt *jwt.NumericDate `json:"exp,omitempty"`
	ID        string           `json:"jti"`
}

func (c *claims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }
func (c *claims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.IssuedAt, nil }
func (c *claims) GetNotBefore() (*jwt.NumericDate, error)      { return c.NotBefore, nil }
func (c *claims) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c *claims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c *claims) GetAudience() (jwt.ClaimStrings, error)       { return jwt.ClaimStrings{c.Audience}, nil }

// Issue returns a signed session token for userID and when it expires (the
// cookie should expire at the same time).
func (i *Issuer) Issue(userID int) (token string, expires time.Time, err error) {
	if userID <= 0 {
		return "", time.Time{}, fmt.Errorf("sessionjwt: issue: invalid user id %d", userID)
	}
	now := jwt.NewNumericDate(i.now())
	exp := jwt.NewNumericDate(now.Add(i.ttl))
	c := &claims{
		Issuer:    i.issuer,
		Subject:   strconv.Itoa(userID),
		Audience:  i.audience,
		IssuedAt:  now,
		NotBefore: now,
		ExpiresAt: exp,
		// A unique id lets a logout or an admin revoke one session.
		ID: rand.Text(),
	}
	t := jwt.NewWithClaims(signingMethod, c)
	kid, key := i.kr.SigningKey()
	t.Header["kid"] = kid
	token, err = t.SignedString(key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sessionjwt: sign: %w", err)
	}
	return token, exp.Time, nil
}

// Parse verifies token and returns the user id it was issued for. Every
// failure is ErrInvalid with a short reason; the token never appears in the
// error. Whether the user still exists and is active is the caller's check.
func (i *Issuer) Parse(token string) (userID int, err error) {
	if len(token) > MaxTokenLen {
		return 0, fmt.Errorf("%w: too long", ErrInvalid)
	}
	var c claims
	if _, err := i.parser.ParseWithClaims(token, &c, i.key); err != nil {
		return 0, fmt.Errorf("%w: %s", ErrInvalid, reason(err))
	}
	id, err := strconv.Atoi(c.Subject)
	// Compare the round trip too: "+7" or "007" were not issued by us.
	if err != nil || id <= 0 || strconv.Itoa(id) != c.Subject {
		return 0, fmt.Errorf("%w: bad subject", ErrInvalid)
	}
	return id, nil
}

// key is the jwt.Keyfunc: the key is chosen by "kid" only among our own
// keys, never derived from anything else in the token.
func (i *Issuer) key(t *jwt.Token) (any, error) {
	kid, ok := t.Header["kid"].(string)
	if !ok || kid == "" {
		return nil, errMissingKID
	}
	key, ok := i.kr.VerificationKey(kid)
	if !ok {
		return nil, errUnknownKID
	}
	return key, nil
}

// reason maps a jwt error to a fixed phrase. The library's messages can
// quote parts of the token (JSON syntax errors do), so they are not passed
// on.
func reason(err error) string {
	reasons := []struct {
		err  error
		text string
	}{
		{errMissingKID, "missing kid"},
		{errUnknownKID, "unknown kid"},
		{jwt.ErrTokenMalformed, "malformed"},
		{jwt.ErrTokenSignatureInvalid, "bad signature"},
		{jwt.ErrTokenRequiredClaimMissing, "missing required claim"},
		{jwt.ErrTokenExpired, "expired"},
		{jwt.ErrTokenNotValidYet, "not valid yet"},
		{jwt.ErrTokenUsedBeforeIssued, "issued in the future"},
		{jwt.ErrTokenInvalidIssuer, "wrong issuer"},
		{jwt.ErrTokenInvalidAudience, "wrong audience"},
		{jwt.ErrTokenUnverifiable, "unverifiable"},
	}
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.text
		}
	}
	return "rejected"
}
