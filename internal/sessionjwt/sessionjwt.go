// Package sessionjwt issues and checks the JWTs held in Kickoff's web-session
// cookie. Tokens are HS256 with keys from the keyring; the "kid" header
// names the key, so sessions survive a rotation of KICKOFF_SECRET_KEY for as
// long as the previous secret is configured.
package sessionjwt

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kickoff-ci/kickoff/internal/keyring"
)

const (
	// DefaultTTL is the session lifetime the spec asks for.
	DefaultTTL = 12 * time.Hour
	// MaxTokenLen bounds the work spent on a presented token. Ours are
	// about 300 bytes; cookies can't exceed 4 KiB anyway.
	MaxTokenLen = 4096
	// leeway tolerates clock skew between replicas. It is kept small so an
	// expired session cannot be stretched by an attacker's clock claims.
	leeway = 5 * time.Second
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
// jwt.RegisteredClaims so that "aud" is one string, as the spec asks, and
// times are JSON numbers only.
type claims struct {
	Issuer    string       `json:"iss"`
	Subject   string       `json:"sub"`
	Audience  string       `json:"aud"`
	IssuedAt  *numericDate `json:"iat,omitempty"`
	NotBefore *numericDate `json:"nbf,omitempty"`
	ExpiresAt *numericDate `json:"exp,omitempty"`
	// SessionID names the server-side session row that makes the token
	// revocable (the OpenID Connect "sid" claim).
	SessionID string `json:"sid"`
}

func (c *claims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt.date(), nil }
func (c *claims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.IssuedAt.date(), nil }
func (c *claims) GetNotBefore() (*jwt.NumericDate, error)      { return c.NotBefore.date(), nil }
func (c *claims) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c *claims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c *claims) GetAudience() (jwt.ClaimStrings, error)       { return jwt.ClaimStrings{c.Audience}, nil }

// numericDate is a JWT time that must be a JSON number: jwt.NumericDate
// alone also accepts a string such as "9999999999", a second spelling of
// one claim that nothing Kickoff issues uses.
type numericDate struct{ jwt.NumericDate }

var errDateNotNumber = errors.New("time claim is not a number")

func (d *numericDate) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || (b[0] != '-' && (b[0] < '0' || b[0] > '9')) {
		return errDateNotNumber
	}
	return d.NumericDate.UnmarshalJSON(b)
}

func (d *numericDate) date() *jwt.NumericDate {
	if d == nil {
		return nil
	}
	return &d.NumericDate
}

func newDate(t time.Time) *numericDate { return &numericDate{*jwt.NewNumericDate(t)} }

// Issued is a new session token and what the server keeps of it.
type Issued struct {
	Token string
	// SessionID is the token's "sid": store it to make the session revocable.
	SessionID string
	Expires   time.Time
}

// Claims is what a valid token says.
type Claims struct {
	UserID    int
	SessionID string
	IssuedAt  time.Time
}

// Issue returns a signed session token for userID with a fresh session id.
// The cookie should expire when the token does.
func (i *Issuer) Issue(userID int) (Issued, error) {
	if userID <= 0 {
		return Issued{}, fmt.Errorf("sessionjwt: issue: invalid user id %d", userID)
	}
	now := i.now()
	c := &claims{
		Issuer:    i.issuer,
		Subject:   strconv.Itoa(userID),
		Audience:  i.audience,
		IssuedAt:  newDate(now),
		NotBefore: newDate(now),
		ExpiresAt: newDate(now.Add(i.ttl)),
		SessionID: rand.Text(),
	}
	t := jwt.NewWithClaims(signingMethod, c)
	kid, key := i.kr.SigningKey()
	t.Header["kid"] = kid
	token, err := t.SignedString(key)
	if err != nil {
		return Issued{}, fmt.Errorf("sessionjwt: sign: %w", err)
	}
	return Issued{Token: token, SessionID: c.SessionID, Expires: c.ExpiresAt.Time}, nil
}

// Parse verifies token and returns its claims. Every failure is ErrInvalid
// with a short reason; the token never appears in the error. A token is
// refused once it is older than the issuer's lifetime, whatever its exp
// says. Whether the session is still open and its user active is the
// caller's check.
func (i *Issuer) Parse(token string) (Claims, error) {
	if len(token) > MaxTokenLen {
		return Claims{}, fmt.Errorf("%w: too long", ErrInvalid)
	}
	var c claims
	if _, err := i.parser.ParseWithClaims(token, &c, i.key); err != nil {
		return Claims{}, fmt.Errorf("%w: %s", ErrInvalid, reason(err))
	}
	id, err := strconv.Atoi(c.Subject)
	// Compare the round trip too: "+7" or "007" were not issued by us.
	if err != nil || id <= 0 || strconv.Itoa(id) != c.Subject {
		return Claims{}, fmt.Errorf("%w: bad subject", ErrInvalid)
	}
	if c.IssuedAt == nil {
		return Claims{}, fmt.Errorf("%w: missing required claim", ErrInvalid)
	}
	if i.now().Sub(c.IssuedAt.Time) > i.ttl+leeway {
		return Claims{}, fmt.Errorf("%w: older than the session lifetime", ErrInvalid)
	}
	if !validSessionID(c.SessionID) {
		return Claims{}, fmt.Errorf("%w: bad session id", ErrInvalid)
	}
	return Claims{UserID: id, SessionID: c.SessionID, IssuedAt: c.IssuedAt.Time}, nil
}

// validSessionID accepts what rand.Text makes: 26 characters of base32.
func validSessionID(sid string) bool {
	if len(sid) != 26 {
		return false
	}
	for _, r := range sid {
		if (r < 'A' || r > 'Z') && (r < '2' || r > '7') {
			return false
		}
	}
	return true
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
		{errDateNotNumber, "time claim is not a number"},
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
