package graph

import (
	"context"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/graph/model"
)

// visibleNode loads the object a global ID names and answers null, as for an
// unknown ID, when the viewer may not see it.
func (r *Resolver) visibleNode(ctx context.Context, id string) (ent.Noder, error) {
	g, err := model.ParseGlobalID(id)
	if err != nil {
		return nil, err
	}
	n, err := r.client.Noder(ctx, g.ID, ent.WithFixedNodeType(model.NodeTables[g.Type]))
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
