package identity

import (
	"context"
	"fmt"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/audit"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/session"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/passwords"
)

// errWrongCurrentPassword refuses a password change; the session stays.
var errWrongCurrentPassword = kickoff.Errorf(kickoff.EInvalid, "the current password is wrong")

// ChangePassword sets the viewer's password after checking the current one
// and ends every other session of theirs: whoever knew the old password may
// have signed in with it. The session that made the change stays open.
func (s *Service) ChangePassword(ctx context.Context, current, next string) error {
	v := authz.ViewerFrom(ctx)
	u := authz.UserFrom(ctx)
	if u == nil {
		return kickoff.Errorf(kickoff.EUnauthorized, "sign in to change your password")
	}
	if err := checkPassword(u, current); err != nil {
		if kickoff.ErrorCode(err) == kickoff.EInternal {
			return err
		}
		if aerr := audit.Record(ctx, s.client, audit.Event{Action: "user.password_change_failed", Outcome: audit.Failure, TargetType: "User", TargetID: &u.ID}); aerr != nil {
			return aerr
		}
		return errWrongCurrentPassword
	}
	keep := 0
	if v.CredentialKind == CredentialSession {
		keep = v.CredentialID
	}
	return s.setPassword(ctx, u, next, keep)
}

// ResetPassword sets a user's password as an operator (the admin CLI) and
// ends all of the user's sessions.
func (s *Service) ResetPassword(ctx context.Context, username, next string) (*ent.User, error) {
	u, err := s.UserByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	return u, s.setPassword(ctx, u, next, 0)
}

// setPassword stores next as u's password and ends u's sessions but keep
// (a session id, or 0), in one transaction.
func (s *Service) setPassword(ctx context.Context, u *ent.User, next string, keep int) error {
	if err := validPassword(next); err != nil {
		return err
	}
	hash, err := passwords.Hash(next)
	if err != nil {
		return fmt.Errorf("hashing password: %w", err)
	}
	return database.WithTx(ctx, s.client, func(ctx context.Context, c *ent.Client) error {
		if err := c.User.UpdateOne(u).SetPasswordHash(hash).Exec(ctx); err != nil {
			return fmt.Errorf("storing password: %w", err)
		}
		ended, err := c.Session.Update().
			Where(session.UserID(u.ID), session.RevokedAtIsNil(), session.IDNEQ(keep)).
			SetRevokedAt(s.now()).Save(ctx)
		if err != nil {
			return fmt.Errorf("ending sessions: %w", err)
		}
		return audit.Record(ctx, c, audit.Event{
			Action: "user.password_changed", Outcome: audit.Success, TargetType: "User", TargetID: &u.ID,
			Reason: fmt.Sprintf("%d other sessions ended", ended),
		})
	})
}
