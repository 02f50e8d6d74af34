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
	"github.com/kickoff-ci/kickoff/audit"
	"github.com/kickoff-ci/kickoff/database"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/user"
	"github.com/kickoff-ci/kickoff/passwords"
	"github.com/kickoff-ci/kickoff/sessionjwt"
)

// Service is the identity domain. Build it with New.
type Service struct {
	client   *ent.Client
	sessions *sessionjwt.Issuer
	now      func() time.Time
}

// New returns the identity service; sessions may be nil for commands that
// never sign anyone in (the admin CLI).
func New(client *ent.Client, sessions *sessionjwt.Issuer) *Service {
	return &Service{client: client, sessions: sessions, now: func() time.Time { return time.Now().UTC() }}
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
	case len(nu.Password) < MinPasswordLen:
		return nil, kickoff.Errorf(kickoff.EInvalid, "password must be at least %d characters", MinPasswordLen)
	case len(nu.Password) > MaxPasswordLen:
		return nil, kickoff.Errorf(kickoff.EInvalid, "password must be at most %d characters", MaxPasswordLen)
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

// Login checks a username and password and returns the user and a session
// token (a signed JWT) valid until expires. Every attempt is audited.
func (s *Service) Login(ctx context.Context, username, password string) (*ent.User, string, time.Time, error) {
	u, err := s.checkPassword(ctx, username, password)
	if kickoff.ErrorCode(err) == kickoff.EInternal {
		return nil, "", time.Time{}, err
	}
	if err != nil {
		return nil, "", time.Time{}, s.recordFailedLogin(ctx, u, err)
	}
	issued, err := s.openSession(ctx, u)
	if err != nil {
		return nil, "", time.Time{}, err
	}
	err = audit.Record(ctx, s.client, audit.Event{Action: "session.login", Outcome: audit.Success, TargetType: "User", TargetID: &u.ID})
	return u, issued.Token, issued.Expires, err
}

// recordFailedLogin audits a refused sign-in and returns errBadLogin. The
// typed username is never recorded: operators type passwords and tokens
// into that field. An existing user is named by id as the target instead;
// an unknown name leaves no trace of what was typed.
func (s *Service) recordFailedLogin(ctx context.Context, u *ent.User, why error) error {
	ev := audit.Event{Action: "session.login_failed", Outcome: audit.Failure, Reason: kickoff.ErrorMessage(why)}
	if u != nil {
		ev.TargetType, ev.TargetID = "User", &u.ID
	}
	if err := audit.Record(ctx, s.client, ev); err != nil {
		return err
	}
	return errBadLogin
}

// checkPassword returns the user when the password matches and the user is
// active. On failure it still returns the user when one has that name, so
// the failure can be audited against it.
func (s *Service) checkPassword(ctx context.Context, username, password string) (*ent.User, error) {
	if len(password) > MaxPasswordLen || len(username) > 255 {
		passwords.VerifyDummy(password)
		return nil, errBadLogin
	}
	u, err := s.UserByUsername(ctx, username)
	if kickoff.ErrorCode(err) == kickoff.ENotFound {
		passwords.VerifyDummy(password) // same time as a real check: no user enumeration
		return nil, errBadLogin
	}
	if err != nil {
		return nil, err
	}
	ok, err := passwords.Verify(password, u.PasswordHash)
	if err != nil {
		return nil, fmt.Errorf("verifying password: %w", err)
	}
	if !ok {
		return u, errBadLogin
	}
	if u.State != user.StateActive {
		return u, errBlockedLogin
	}
	return u, nil
}

// IsUnauthorized reports whether err means "these credentials do not work".
func IsUnauthorized(err error) bool {
	var e *kickoff.Error
	return errors.As(err, &e) && e.Code == kickoff.EUnauthorized
}
