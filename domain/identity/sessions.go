package identity

import (
	"context"
	"fmt"
	"strconv"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/audit"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/personalaccesstoken"
	"github.com/kickoff-ci/kickoff/ent/session"
	"github.com/kickoff-ci/kickoff/ent/user"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/sessionjwt"
)

// errSessionEnded is the one answer for a session token that no longer
// works, whatever the reason (signed out, expired, user blocked).
var errSessionEnded = kickoff.Errorf(kickoff.EUnauthorized, "invalid session")

// openSession issues a session token for u and records the session it
// names. Sessions that expired are deleted on the way: signing in is rare
// enough to carry that, and it keeps the table as small as the number of
// live sessions.
func (s *Service) openSession(ctx context.Context, u *ent.User) (sessionjwt.Issued, error) {
	issued, err := s.sessions.Issue(u.ID)
	if err != nil {
		return sessionjwt.Issued{}, fmt.Errorf("issuing session: %w", err)
	}
	c := database.ClientFrom(ctx, s.client)
	if _, err := c.Session.Delete().Where(session.ExpiresAtLT(s.now())).Exec(ctx); err != nil {
		return sessionjwt.Issued{}, fmt.Errorf("deleting expired sessions: %w", err)
	}
	err = c.Session.Create().
		SetSid(issued.SessionID).SetUserID(u.ID).SetExpiresAt(issued.Expires.UTC()).
		Exec(ctx)
	if err != nil {
		return sessionjwt.Issued{}, fmt.Errorf("recording session: %w", err)
	}
	return issued, nil
}

// SessionUser returns the viewer a session token stands for: the token must
// verify, its session must be open and its user active. One query.
func (s *Service) SessionUser(ctx context.Context, token string) (*authz.Viewer, error) {
	claims, err := s.sessions.Parse(token)
	if err != nil {
		return nil, errSessionEnded
	}
	row, err := s.client.Session.Query().Where(session.Sid(claims.SessionID)).WithUser().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errSessionEnded
	}
	if err != nil {
		return nil, fmt.Errorf("loading session: %w", err)
	}
	if row.UserID != claims.UserID {
		return nil, errSessionEnded
	}
	return s.sessionViewer(row)
}

// sessionViewer checks that a loaded session (with its user) still works.
func (s *Service) sessionViewer(row *ent.Session) (*authz.Viewer, error) {
	if row.RevokedAt != nil || !row.ExpiresAt.After(s.now()) || row.Edges.User.State != user.StateActive {
		return nil, errSessionEnded
	}
	return &authz.Viewer{User: row.Edges.User, CredentialKind: CredentialSession, CredentialID: row.ID}, nil
}

// Logout ends the session a token names. A token that does not verify or
// whose session already ended is not an error: signing out twice is fine.
func (s *Service) Logout(ctx context.Context, token string) error {
	claims, err := s.sessions.Parse(token)
	if err != nil {
		return nil
	}
	return database.WithTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) error {
		return s.endSession(ctx, claims)
	})
}

// endSession ends the session claims name and audits it.
func (s *Service) endSession(ctx context.Context, claims sessionjwt.Claims) error {
	c := database.ClientFrom(ctx, s.client)
	n, err := c.Session.Update().
		Where(session.Sid(claims.SessionID), session.UserID(claims.UserID), session.RevokedAtIsNil()).
		SetRevokedAt(s.now()).Save(ctx)
	if err != nil {
		return fmt.Errorf("ending session: %w", err)
	}
	if n == 0 {
		return nil
	}
	u, err := c.User.Get(ctx, claims.UserID)
	if err != nil {
		return fmt.Errorf("loading user: %w", err)
	}
	ctx = authz.WithViewer(ctx, &authz.Viewer{User: u, CredentialKind: CredentialSession})
	return audit.Record(ctx, s.client, audit.Event{Action: "session.logout", Outcome: audit.Success, TargetType: "User", TargetID: &u.ID})
}

// SignOutEverywhere ends every open session of a user: the viewer's own, or
// any user's for an admin (userID 0 means the viewer). Personal access
// tokens are not sessions and stay; revoke them one by one.
func (s *Service) SignOutEverywhere(ctx context.Context, userID int) (int, error) {
	var n int
	err := database.WithTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) error {
		var err error
		n, err = s.signOutEverywhere(ctx, userID)
		return err
	})
	return n, err
}

func (s *Service) signOutEverywhere(ctx context.Context, userID int) (int, error) {
	viewer := authz.UserFrom(ctx)
	switch {
	case viewer == nil:
		return 0, kickoff.Errorf(kickoff.EUnauthorized, "sign in to sign out everywhere")
	case userID == 0:
		userID = viewer.ID
	case userID != viewer.ID && !viewer.Admin:
		return 0, kickoff.Errorf(kickoff.ENotFound, "user not found")
	}
	c := database.ClientFrom(ctx, s.client)
	exists, err := c.User.Query().Where(user.ID(userID)).Exist(ctx)
	if err != nil {
		return 0, fmt.Errorf("loading user: %w", err)
	}
	if !exists {
		return 0, kickoff.Errorf(kickoff.ENotFound, "user not found")
	}
	n, err := c.Session.Update().
		Where(session.UserID(userID), session.RevokedAtIsNil(), session.ExpiresAtGT(s.now())).
		SetRevokedAt(s.now()).Save(ctx)
	if err != nil {
		return 0, fmt.Errorf("ending sessions: %w", err)
	}
	err = audit.Record(ctx, s.client, audit.Event{
		Action: "session.revoked_all", Outcome: audit.Success, TargetType: "User", TargetID: &userID,
		Reason: strconv.Itoa(n) + " sessions ended",
	})
	return n, err
}

// Reauthenticate checks that the credential a viewer authenticated with
// still works and returns the viewer as it is now (the user reloaded).
// Long-lived connections (websockets) call it before every operation and
// periodically; a nil viewer (anonymous) has nothing to lose.
func (s *Service) Reauthenticate(ctx context.Context, v *authz.Viewer) (*authz.Viewer, error) {
	switch {
	case v == nil:
		return nil, nil
	case v.CredentialKind == CredentialSession:
		row, err := s.client.Session.Query().Where(session.ID(v.CredentialID)).WithUser().Only(ctx)
		if ent.IsNotFound(err) {
			return nil, errSessionEnded
		}
		if err != nil {
			return nil, fmt.Errorf("loading session: %w", err)
		}
		return s.sessionViewer(row)
	case v.CredentialKind == CredentialPAT:
		pat, err := s.client.PersonalAccessToken.Query().Where(personalaccesstoken.ID(v.CredentialID)).WithUser().Only(ctx)
		if ent.IsNotFound(err) {
			return nil, errInvalidToken
		}
		if err != nil {
			return nil, fmt.Errorf("loading personal access token: %w", err)
		}
		return s.patViewer(pat, v.ShortCredential)
	default:
		return nil, kickoff.Errorf(kickoff.EUnauthorized, "credential cannot be checked again")
	}
}
