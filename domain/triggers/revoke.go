package triggers

import (
	"context"
	"fmt"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
)

// revoke disables a trigger for good. The row stays so history and the audit
// log can still name it. Maintainer.
func (s *Service) revoke(ctx context.Context, id int) (*ent.PipelineTrigger, error) {
	t, _, err := s.live(ctx, id)
	if err != nil {
		return nil, err
	}
	// Only a live row: of two concurrent revocations, one wins and the
	// other finds nothing, so the audit log records one revocation.
	t, err = t.Update().Where(pipelinetrigger.RevokedAtIsNil()).
		SetRevokedAt(s.now()).ClearPreviousTokenDigest().ClearPreviousTokenExpiresAt().Save(ctx)
	if ent.IsNotFound(err) {
		return nil, errTriggerNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("revoking trigger: %w", err)
	}
	return t, s.record(ctx, "trigger.revoked", t, "")
}
