package triggers

import (
	"context"
	"fmt"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/tokens"
)

// takeOwnership makes the viewer the owner and replaces the token value: the
// previous owner knew the old one, so it stops working at once. Maintainer.
func (s *Service) takeOwnership(ctx context.Context, id int) (*ent.PipelineTrigger, error) {
	t, _, err := s.live(ctx, id)
	if err != nil {
		return nil, err
	}
	previousOwner := t.OwnerID
	plain, digest, sealed, err := s.newToken()
	if err != nil {
		return nil, err
	}
	t, err = t.Update().
		SetOwnerID(authz.UserFrom(ctx).ID).
		SetTokenDigest(digest).SetTokenSealed(sealed).SetShortToken(tokens.Short(plain)).
		ClearPreviousTokenDigest().ClearPreviousTokenExpiresAt().
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("taking ownership: %w", err)
	}
	return t, s.record(ctx, "trigger.ownership_taken", t, fmt.Sprintf("from user %d", previousOwner))
}
