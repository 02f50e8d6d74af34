package projects

import (
	"context"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// The exported changes run in one transaction with their audit event — the
// GraphQL mutation's transaction, or their own when called from elsewhere —
// so a change is never stored without its audit entry, nor the reverse.

// Update edits a project's settings (Maintainer).
func (s *Service) Update(ctx context.Context, fullPath string, up ProjectUpdate) (*ent.Project, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) (*ent.Project, error) {
		return s.update(ctx, fullPath, up)
	})
}

// AddMember gives username a level in the project (Maintainer; only Owners
// grant Owner, as in GitLab).
func (s *Service) AddMember(ctx context.Context, fullPath, username string, level kickoff.AccessLevel) (*ent.ProjectMember, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) (*ent.ProjectMember, error) {
		return s.addMember(ctx, fullPath, username, level)
	})
}

// UpdateMember changes a member's level.
func (s *Service) UpdateMember(ctx context.Context, fullPath, username string, level kickoff.AccessLevel) (*ent.ProjectMember, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) (*ent.ProjectMember, error) {
		return s.updateMember(ctx, fullPath, username, level)
	})
}

// RemoveMember takes a user out of the project.
func (s *Service) RemoveMember(ctx context.Context, fullPath, username string) (*ent.ProjectMember, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) (*ent.ProjectMember, error) {
		return s.removeMember(ctx, fullPath, username)
	})
}
