package triggers

import (
	"context"
	"fmt"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// Token is what the viewer may see of t's value: the whole token for its
// owner while still Maintainer, else the 4 characters after the prefix (an
// owner demoted to Developer still sees pipelines and their trigger, but no
// longer the secret). exposed says which.
func (s *Service) Token(ctx context.Context, t *ent.PipelineTrigger) (value string, exposed bool, err error) {
	ok, err := authz.CanManageTrigger(ctx, database.ClientFrom(ctx, s.client), t)
	if err != nil {
		return "", false, err
	}
	if !ok {
		return t.ShortToken, false, nil
	}
	plain, err := s.keys.Open(t.TokenSealed, t.TokenDigest)
	if err != nil {
		return "", false, fmt.Errorf("opening trigger %d's token (was KICKOFF_SECRET_KEY changed without keeping the old one?): %w", t.ID, err)
	}
	return string(plain), true, nil
}

// CanAccessProject reports whether t's owner still may run pipelines: active
// and at least Developer. Otherwise the trigger is "invalid".
func (s *Service) CanAccessProject(ctx context.Context, t *ent.PipelineTrigger) (bool, error) {
	// The owner is read by ID even when t.Edges has one: GraphQL loads only
	// the columns a query selects, so an owner fetched for { username } has
	// no state or admin flag and would look blocked. Lists prefetch their
	// owners' levels (PrefetchOwners).
	level, err := authz.UserLevel(ctx, database.ClientFrom(ctx, s.client), t.OwnerID, t.ProjectID)
	return authz.OwnTriggerToken.Allowed(level), err
}

// PrefetchOwners reads the levels of ts' owners at once, for a request
// that will ask CanAccessProject of each (see authz.PrefetchLevels).
func (s *Service) PrefetchOwners(ctx context.Context, projectID int, ts []*ent.PipelineTrigger) error {
	ids := make([]int, 0, len(ts))
	for _, t := range ts {
		ids = append(ids, t.OwnerID)
	}
	return authz.PrefetchLevels(ctx, database.ClientFrom(ctx, s.client), projectID, ids)
}
