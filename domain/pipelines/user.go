package pipelines

import (
	"context"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/identity"
	"github.com/kickoff-ci/kickoff/domain/refs"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
)

// NewPipeline is a viewer's request to start a pipeline: GraphQL's
// pipelineCreate, REST's POST /projects/:id/pipeline.
type NewPipeline struct {
	// ProjectRef is a full path, or a numeric ID as GitLab's REST API allows.
	ProjectRef string
	// Ref is the branch or tag; empty means the project's default branch.
	Ref string
	// Variables are user-sent; File marks GitLab's file-type variables.
	Variables []Variable
	// InputErr is what the caller found wrong while reading the request. It
	// is answered once the viewer may create pipelines, so that who may not
	// learns nothing from their parameters.
	InputErr error
}

// Create starts a pipeline as the viewer (Developer).
func (s *Service) Create(ctx context.Context, np NewPipeline) (*ent.Pipeline, error) {
	proj, _, err := s.projects.Authorized(ctx, np.ProjectRef, authz.RunPipeline)
	if err != nil {
		return nil, err
	}
	if np.InputErr != nil {
		return nil, np.InputErr
	}
	vars, err := validateVariableList(np.Variables)
	if err != nil {
		return nil, err
	}
	refName := np.Ref
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
