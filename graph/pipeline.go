package graph

import (
	"context"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/graph/model"
)

// pipelineVariables lists what a pipeline's jobs see, with values only for
// Maintainers (authz.ReadVariableValues).
func (r *Resolver) pipelineVariables(ctx context.Context, p *ent.Pipeline) ([]*model.CiVariable, error) {
	proj, err := p.Project(ctx)
	if err != nil {
		return nil, err
	}
	stored, err := p.QueryVariables().All(ctx)
	if err != nil {
		return nil, err
	}
	level, err := authz.AccessLevel(ctx, r.client, authz.UserFrom(ctx), p.ProjectID)
	if err != nil {
		return nil, err
	}
	showValues := authz.ReadVariableValues.Allowed(level)
	vars := r.svc.Pipelines.Variables(p, proj, stored)
	out := make([]*model.CiVariable, len(vars))
	for i, v := range vars {
		out[i] = &model.CiVariable{Key: v.Key, File: v.File}
		if showValues {
			value := v.Value
			out[i].Value = &value
		}
	}
	return out, nil
}
