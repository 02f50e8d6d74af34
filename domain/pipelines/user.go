package pipelines

import (
	"context"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/identity"
	"github.com/kickoff-ci/kickoff/domain/refs"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
)

// CreateForUser starts a pipeline as the viewer (Developer).
func (s *Service) CreateForUser(ctx context.Context, projectPath, refName string, variables map[string]string) (*ent.Pipeline, error) {
	proj, _, err := s.projects.Authorized(ctx, projectPath, authz.RunPipeline)
	if err != nil {
		return nil, err
	}
	vars, err := validateVariables(variables)
	if err != nil {
		return nil, err
	}
	if refName == "" {
		refName = proj.DefaultBranch
	}
	ref, err := refs.Resolve(ctx, s.client, proj.ID, refName)
	if err != nil {
		return nil, err
	}
	// Pipelines started from the web app (session) have source web, API
	// clients' have api, as in GitLab.
	source := pipeline.SourceAPI
	if v := authz.ViewerFrom(ctx); v != nil && v.CredentialKind == identity.CredentialSession {
		source = pipeline.SourceWeb
	}
	p, _, err := s.create(ctx, spec{project: proj, ref: ref, source: source, user: authz.UserFrom(ctx), variables: vars})
	return p, err
}
