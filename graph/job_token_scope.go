package graph

import (
	"context"

	"github.com/kickoff-ci/kickoff/graph/model"
)

// jobTokenScope is the scope of the project named by projectRef, for a
// viewer the domain lets read it.
func (r *Resolver) jobTokenScope(ctx context.Context, projectRef string) (*model.CiJobTokenScope, error) {
	_, q, err := r.svc.JobTokens.Allowlist(ctx, projectRef)
	if err != nil {
		return nil, err
	}
	return &model.CiJobTokenScope{Allowlist: q}, nil
}
