package triggers

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/tokens"
)

// NewTrigger is what Create needs.
type NewTrigger struct {
	Description string
	ExpiresAt   *time.Time
	Policy
	// InputErr is a problem the caller found while decoding its input (such
	// as an unparsable expires_at). It is reported after the access checks,
	// like every other input error, so a caller without access is refused
	// the same way whatever it sends.
	InputErr error
}

// create makes a trigger owned by the viewer in the project named by
// projectRef (full path or numeric ID). Maintainer.
func (s *Service) create(ctx context.Context, projectRef string, nt NewTrigger) (*ent.PipelineTrigger, error) {
	p, _, err := s.projects.Authorized(ctx, projectRef, authz.ManageProject)
	if err != nil {
		return nil, err
	}
	if err := validateDescription(nt.Description); err != nil {
		return nil, err
	}
	if nt.InputErr != nil {
		return nil, nt.InputErr
	}
	if err := s.validateExpiry(nt.ExpiresAt); err != nil {
		return nil, err
	}
	if err := validatePolicy(nt.Policy); err != nil {
		return nil, err
	}
	plain, digest, sealed, err := s.newToken()
	if err != nil {
		return nil, err
	}
	c := database.ClientFrom(ctx, s.client)
	create := c.PipelineTrigger.Create().
		SetProjectID(p.ID).
		SetOwnerID(authz.UserFrom(ctx).ID).
		SetDescription(strings.TrimSpace(nt.Description)).
		SetTokenDigest(digest).SetTokenSealed(sealed).SetShortToken(tokens.Short(plain)).
		SetNillableExpiresAt(utc(nt.ExpiresAt))
	applyPolicy(create.Mutation(), nt.Policy)
	t, err := create.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("creating trigger: %w", err)
	}
	return t, s.record(ctx, "trigger.created", t, "")
}

func validateDescription(d string) error {
	d = strings.TrimSpace(d)
	if d == "" {
		return kickoff.Errorf(kickoff.EInvalid, "description is missing")
	}
	if utf8.RuneCountInString(d) > 255 {
		return kickoff.Errorf(kickoff.EInvalid, "description is too long (maximum is 255 characters)")
	}
	return nil
}

func (s *Service) validateExpiry(at *time.Time) error {
	if at == nil {
		return nil
	}
	now := s.now()
	if !at.After(now) {
		return kickoff.Errorf(kickoff.EInvalid, "expires_at must be in the future")
	}
	if at.After(now.Add(MaxLifetime)) {
		return kickoff.Errorf(kickoff.EInvalid, "expires_at must be at most 365 days from now")
	}
	return nil
}
