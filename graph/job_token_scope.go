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

// scopeAfter is what an allowlist mutation answers: the project's scope once
// the change (whose error is err) is made, or the change's errors.
func (r *Resolver) scopeAfter(ctx context.Context, projectRef string, err error) (*model.CiJobTokenScope, []string, error) {
	errs, err := userErrors(err)
	if err != nil || len(errs) > 0 {
		return nil, errs, err
	}
	scope, err := r.jobTokenScope(ctx, projectRef)
	return scope, errs, err
}
