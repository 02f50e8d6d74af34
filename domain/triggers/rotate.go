package triggers

import (
	"context"
	"fmt"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/tokens"
)

// rotate gives the trigger a new value now and keeps the current one working
// for grace, so callers can be updated without downtime. Owner only.
func (s *Service) rotate(ctx context.Context, id int, grace time.Duration) (*ent.PipelineTrigger, error) {
	t, level, err := s.live(ctx, id)
	if err != nil {
		return nil, err
	}
	if !authz.ManagesTrigger(authz.UserFrom(ctx), t, level) {
		return nil, kickoff.Errorf(kickoff.EForbidden, "only the trigger's owner can rotate it")
	}
	if grace < 0 || grace > MaxRotationGrace {
		return nil, kickoff.Errorf(kickoff.EInvalid, "graceSeconds must be between 0 and %d", int(MaxRotationGrace.Seconds()))
	}
	plain, digest, sealed, err := s.newToken()
	if err != nil {
		return nil, err
	}
	u := t.Update().SetTokenDigest(digest).SetTokenSealed(sealed).SetShortToken(tokens.Short(plain))
	if grace > 0 {
		u.SetPreviousTokenDigest(t.TokenDigest).SetPreviousTokenExpiresAt(s.now().Add(grace))
	} else {
		u.ClearPreviousTokenDigest().ClearPreviousTokenExpiresAt()
	}
	if t, err = u.Save(ctx); err != nil {
		return nil, fmt.Errorf("rotating trigger: %w", err)
	}
	return t, s.record(ctx, "trigger.rotated", t, fmt.Sprintf("grace %s", grace))
}
