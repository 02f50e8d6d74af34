package graph

import (
	"context"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
)

// visibleNode loads any object by its global ID and answers null, as for an
// unknown ID, when the viewer may not see it.
func (r *Resolver) visibleNode(ctx context.Context, id int) (ent.Noder, error) {
	n, err := r.client.Noder(ctx, id)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ok, err := authz.CanSeeNode(ctx, r.client, n)
	if err != nil || !ok {
		return nil, err
	}
	return n, nil
}
