package refs

import (
	"context"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// The exported changes run in one transaction with their audit event — the
// GraphQL mutation's transaction, or their own when called from elsewhere —
// so a change is never stored without its audit entry, nor the reverse.

// Create adds a branch or tag to the project.
func (s *Service) Create(ctx context.Context, projectPath, name string, typ kickoff.RefType, sha *string) (*ent.Ref, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) (*ent.Ref, error) {
		return s.create(ctx, projectPath, name, typ, sha)
	})
}

// Update moves a ref to another commit (nil or "" clears the SHA).
func (s *Service) Update(ctx context.Context, id int, sha *string) (*ent.Ref, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) (*ent.Ref, error) {
		return s.update(ctx, id, sha)
	})
}

// Delete removes a ref; the default branch stays.
func (s *Service) Delete(ctx context.Context, id int) (*ent.Ref, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) (*ent.Ref, error) {
		return s.delete(ctx, id)
	})
}
