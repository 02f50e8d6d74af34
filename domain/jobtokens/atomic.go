package jobtokens

import (
	"context"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// The exported changes run in one transaction with their audit event — the
// GraphQL mutation's transaction, or their own when called from elsewhere —
// so a change is never stored without its audit entry, nor the reverse.

// Add lets job tokens of the target project start pipelines in the project
// (Maintainer there; the target must be a project the viewer can see, so
// the call cannot probe for hidden projects). inputErr is a malformed target
// the caller found while parsing, reported only once the viewer may manage
// the project, so that who may not learns nothing from the answer.
func (s *Service) Add(ctx context.Context, projectRef, targetRef string, inputErr error) (*ent.JobTokenAllowlistEntry, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) (*ent.JobTokenAllowlistEntry, error) {
		return s.add(ctx, projectRef, targetRef, inputErr)
	})
}

// Remove takes the target project off the project's allowlist (Maintainer).
// The target need not be visible to the viewer any more: a Maintainer who
// lost access to it must still be able to stop trusting it.
func (s *Service) Remove(ctx context.Context, projectRef, targetRef string, inputErr error) error {
	return database.WithTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) error {
		return s.remove(ctx, projectRef, targetRef, inputErr)
	})
}
