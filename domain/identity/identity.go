// Package identity manages who someone is: users and their passwords, web
// sessions, personal access tokens and the first-run admin. It answers "which
// user is this credential?"; authz answers "what may they do?".
package identity

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/audit"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/user"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/keyring"
	"github.com/kickoff-ci/kickoff/internal/passwords"
	"github.com/kickoff-ci/kickoff/internal/sessionjwt"
)

// Service is the identity domain. Build it with New.
type Service struct {
	client *ent.Client
	// sessions issues session cookies' JWTs, devices the device cookies of
	// browsers that signed in before (see signin.go).
	sessions, devices *sessionjwt.Issuer
	keys              *keyring.Keyring
	now               func() time.Time
}

// Signer is what signing in needs; commands that never sign anyone in (the
// admin CLI) pass the zero Signer.
type Signer struct {
	Sessions, Devices *sessionjwt.Issuer
	// Keys hashes typed usernames for the sign-in limits.
	Keys *keyring.Keyring
}

// New returns the identity service.
func New(client *ent.Client, sign Signer) *Service {
	return &Service{
		client: client, sessions: sign.Sessions, devices: sign.Devices, keys: sign.Keys,
		now: func() time.Time { return time.Now().UTC() },
	}
}

// Password rules: NIST SP 800-63B asks for length, not composition.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

var (
	usernamePattern = regexp.MustCompile(`^[a-z0-9_][a-z0-9_.-]{0,254}$`)
	emailPattern    = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
)

// validPassword checks a new password's length, the only rule.
func validPassword(p string) error {
	switch {
	case len(p) < MinPasswordLen:
		return kickoff.Errorf(kickoff.EInvalid, "password must be at least %d characters", MinPasswordLen)
	case len(p) > MaxPasswordLen:
		return kickoff.Errorf(kickoff.EInvalid, "password must be at most %d characters", MaxPasswordLen)
	}
	return nil
}

// NewUser is what CreateUser needs.
type NewUser struct {
	Username string
	Name     string
	Email    string
	Password string
	Admin    bool
}

// CreateUser validates and stores a user. Usernames and emails are unique
// regardless of case and stored in lower case.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (*ent.User, error) {
	username := strings.ToLower(strings.TrimSpace(nu.Username))
	email := strings.ToLower(strings.TrimSpace(nu.Email))
	switch {
	case !usernamePattern.MatchString(username):
		return nil, kickoff.Errorf(kickoff.EInvalid, "username must be 1-255 characters of letters, digits, '_', '.' or '-', not starting with '.' or '-'")
	case len(email) > 255 || !emailPattern.MatchString(email):
		return nil, kickoff.Errorf(kickoff.EInvalid, "email is not a valid address")
	case validPassword(nu.Password) != nil:
		return nil, validPassword(nu.Password)
	case len(nu.Name) > 255:
		return nil, kickoff.Errorf(kickoff.EInvalid, "name must be at most 255 characters")
	}
	c := database.ClientFrom(ctx, s.client)
	taken, err := c.User.Query().Where(user.Or(user.Username(username), user.Email(email))).Exist(ctx)
	if err != nil {
		return nil, fmt.Errorf("checking username: %w", err)
	}
	if taken {
		return nil, kickoff.Errorf(kickoff.EConflict, "username or email is already taken")
	}
	hash, err := passwords.Hash(nu.Password)
	if err != nil {
		return nil, fmt.Errorf("hashing password: %w", err)
	}
	name := strings.TrimSpace(nu.Name)
	if name == "" {
		name = username
	}
	u, err := c.User.Create().
		SetUsername(username).SetName(name).SetEmail(email).
		SetPasswordHash(hash).SetAdmin(nu.Admin).
		Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, kickoff.Errorf(kickoff.EConflict, "username or email is already taken")
	}
	if err != nil {
		return nil, fmt.Errorf("creating user: %w", err)
	}
	return u, nil
}

// UserByUsername finds a user regardless of the case of username.
func (s *Service) UserByUsername(ctx context.Context, username string) (*ent.User, error) {
	u, err := database.ClientFrom(ctx, s.client).User.Query().
		Where(user.Username(strings.ToLower(strings.TrimSpace(username)))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, kickoff.Errorf(kickoff.ENotFound, "user %q not found", username)
	}
	return u, err
}

// errBadLogin is the one answer to every failed sign-in, so it reveals
// neither whether the user exists nor whether it is blocked.
var errBadLogin = kickoff.Errorf(kickoff.EUnauthorized, "invalid username or password")

// errBlockedLogin is what checkPassword says for a blocked user who gave the
// right password: the audit log records it, the client sees errBadLogin.
var errBlockedLogin = kickoff.Errorf(kickoff.EUnauthorized, "user is blocked")

// Login checks a sign-in attempt against the limits and then the password,
// and on success opens a session and issues a new device cookie. Every
// attempt is audited; a throttled one is a kickoff.RateLimitedError.
func (s *Service) Login(ctx context.Context, in SignIn) (SignedIn, error) {
	u, err := s.accountOf(ctx, in.Username)
	if err != nil {
		return SignedIn{}, err
	}
	a := s.newAttempt(in, u)
	if err := s.throttled(ctx, a); err != nil {
		return SignedIn{}, err
	}
	err = checkPassword(u, in.Password)
	if kickoff.ErrorCode(err) == kickoff.EInternal {
		return SignedIn{}, err
	}
	if err != nil {
		return SignedIn{}, s.refuse(ctx, a, u, err)
	}
	var out SignedIn
	err = database.WithTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) error {
		var err error
		out, err = s.signIn(ctx, u, in.Password)
		return err
	})
	return out, err
}

// signIn opens the session of a user whose password was right, with its
// audit event.
func (s *Service) signIn(ctx context.Context, u *ent.User, password string) (SignedIn, error) {
	if err := s.upgradeHash(ctx, u, password); err != nil {
		return SignedIn{}, err
	}
	session, err := s.openSession(ctx, u)
	if err != nil {
		return SignedIn{}, err
	}
	device, err := s.devices.Issue(u.ID)
	if err != nil {
		return SignedIn{}, fmt.Errorf("issuing device cookie: %w", err)
	}
	err = audit.Record(ctx, s.client, audit.Event{Action: "session.login", Outcome: audit.Success, TargetType: "User", TargetID: &u.ID})
	return SignedIn{User: u, Session: session, Device: device}, err
}

// refuse counts a failed attempt for the limits and audits it, together,
// and returns errBadLogin.
func (s *Service) refuse(ctx context.Context, a attempt, u *ent.User, why error) error {
	err := database.WithTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) error {
		if err := s.recordFailure(ctx, a); err != nil {
			return err
		}
		return s.recordFailedLogin(ctx, u, why)
	})
	if err != nil {
		return err
	}
	return errBadLogin
}

// recordFailedLogin audits a refused sign-in. The
// typed username is never recorded: operators type passwords and tokens
// into that field. An existing user is named by id as the target instead;
// an unknown name leaves no trace of what was typed.
func (s *Service) recordFailedLogin(ctx context.Context, u *ent.User, why error) error {
	ev := audit.Event{Action: "session.login_failed", Outcome: audit.Failure, Reason: kickoff.ErrorMessage(why)}
	if u != nil {
		ev.TargetType, ev.TargetID = "User", &u.ID
	}
	return audit.Record(ctx, s.client, ev)
}

// upgradeHash rehashes a password that was verified against an older or
// weaker hash (an imported bcrypt hash, cheaper argon2id parameters): the
// password is only ever in hand at sign-in.
func (s *Service) upgradeHash(ctx context.Context, u *ent.User, password string) error {
	if !passwords.NeedsRehash(u.PasswordHash) {
		return nil
	}
	hash, err := passwords.Hash(password)
	if err != nil {
		return fmt.Errorf("rehashing password: %w", err)
	}
	if err := database.ClientFrom(ctx, s.client).User.UpdateOne(u).SetPasswordHash(hash).Exec(ctx); err != nil {
		return fmt.Errorf("storing rehashed password: %w", err)
	}
	u.PasswordHash = hash
	return nil
}

// accountOf returns the user a sign-in names, or nil when there is none
// (or the name is too long to be one).
func (s *Service) accountOf(ctx context.Context, username string) (*ent.User, error) {
	if len(username) > 255 {
		return nil, nil
	}
	u, err := s.UserByUsername(ctx, username)
	if kickoff.ErrorCode(err) == kickoff.ENotFound {
		return nil, nil
	}
	return u, err
}

// checkPassword passes when u exists, password is its password and u is
// active. Without a user the same work is done against a dummy hash: the
// answer's timing must not tell which usernames exist.
func checkPassword(u *ent.User, password string) error {
	if u == nil || len(password) > MaxPasswordLen {
		passwords.VerifyDummy(password)
		return errBadLogin
	}
	ok, err := passwords.Verify(password, u.PasswordHash)
	if err != nil {
		return fmt.Errorf("verifying password: %w", err)
	}
	if !ok {
		return errBadLogin
	}
	if u.State != user.StateActive {
		return errBlockedLogin
	}
	return nil
}

// IsUnauthorized reports whether err means "these credentials do not work".
func IsUnauthorized(err error) bool {
	var e *kickoff.Error
	return errors.As(err, &e) && e.Code == kickoff.EUnauthorized
}
