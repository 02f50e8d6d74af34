package triggers

import (
	"context"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// The exported changes run in one transaction with their audit event — the
// GraphQL mutation's transaction, or their own when called from REST — so a
// change is never stored without its audit entry, nor the reverse.

// Create makes a trigger owned by the viewer in the project named by
// projectRef (full path or numeric ID). Maintainer.
func (s *Service) Create(ctx context.Context, projectRef string, nt NewTrigger) (*ent.PipelineTrigger, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) (*ent.PipelineTrigger, error) {
		return s.create(ctx, projectRef, nt)
	})
}

// Update edits a trigger. Only its owner may, and only while Maintainer.
func (s *Service) Update(ctx context.Context, id int, up TriggerUpdate) (*ent.PipelineTrigger, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) (*ent.PipelineTrigger, error) {
		return s.update(ctx, id, up)
	})
}

// Revoke disables a trigger for good. The row stays so history and the audit
// log can still name it. Maintainer.
func (s *Service) Revoke(ctx context.Context, id int) (*ent.PipelineTrigger, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) (*ent.PipelineTrigger, error) {
		return s.revoke(ctx, id)
	})
}

// TakeOwnership makes the viewer the owner and replaces the token value: the
// previous owner knew the old one, so it stops working at once. Maintainer.
func (s *Service) TakeOwnership(ctx context.Context, id int) (*ent.PipelineTrigger, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) (*ent.PipelineTrigger, error) {
		return s.takeOwnership(ctx, id)
	})
}

// Rotate gives the trigger a new value now and keeps the current one working
// for grace, so callers can be updated without downtime. Owner only.
func (s *Service) Rotate(ctx context.Context, id int, grace time.Duration) (*ent.PipelineTrigger, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) (*ent.PipelineTrigger, error) {
		return s.rotate(ctx, id, grace)
	})
}

// SetSigning requires signed calls with a new signing secret, returned
// this once (the previous secret still verifies for grace), checked as
// receiver says (Kickoff's headers or GitHub's), or, with on false, stops
// requiring them. Owner only.
func (s *Service) SetSigning(ctx context.Context, id int, on bool, receiver *pipelinetrigger.Receiver, hmacOptions *kickoff.HMACOptions, grace time.Duration) (string, *ent.PipelineTrigger, error) {
	var secret string
	t, err := database.InTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) (*ent.PipelineTrigger, error) {
		var t *ent.PipelineTrigger
		var err error
		secret, t, err = s.setSigning(ctx, id, on, receiver, hmacOptions, grace)
		return t, err
	})
	return secret, t, err
}
