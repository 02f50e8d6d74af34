package triggers

import (
	"context"
	"fmt"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// ListQuery returns the query of the project's live triggers — not revoked,
// and, unless includeExpired, not expired. Maintainer.
func (s *Service) ListQuery(ctx context.Context, projectRef string, includeExpired bool) (*ent.PipelineTriggerQuery, *ent.Project, error) {
	p, _, err := s.projects.Authorized(ctx, projectRef, authz.ManageProject)
	if err != nil {
		return nil, nil, err
	}
	return s.query(ctx, p, includeExpired), p, nil
}

// ListQueryOf is ListQuery for a project already loaded (GraphQL's parent
// object).
func (s *Service) ListQueryOf(ctx context.Context, p *ent.Project, includeExpired bool) (*ent.PipelineTriggerQuery, error) {
	if _, err := s.projects.Authorize(ctx, p, authz.ManageProject); err != nil {
		return nil, err
	}
	return s.query(ctx, p, includeExpired), nil
}

func (s *Service) query(ctx context.Context, p *ent.Project, includeExpired bool) *ent.PipelineTriggerQuery {
	q := database.ClientFrom(ctx, s.client).PipelineTrigger.Query().
		Where(pipelinetrigger.ProjectID(p.ID), pipelinetrigger.RevokedAtIsNil())
	if !includeExpired {
		q.Where(notExpired(s.now()))
	}
	return q
}

// Get returns one live trigger of the project. Maintainer. A revoked or
// expired trigger, or one of another project, is not found.
func (s *Service) Get(ctx context.Context, projectRef string, id int) (*ent.PipelineTrigger, error) {
	q, _, err := s.ListQuery(ctx, projectRef, false)
	if err != nil {
		return nil, err
	}
	t, err := q.Where(pipelinetrigger.ID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errTriggerNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("loading trigger: %w", err)
	}
	return t, nil
}
