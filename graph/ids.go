package graph

import (
	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/graph/model"
)

// parseID reads a GraphQL ID argument that must name an object of type typ
// (a mutation's id) and returns its row ID.
func parseID(s, typ string) (int, error) {
	g, err := model.ParseGlobalID(s)
	if err != nil {
		return 0, err
	}
	if g.Type != typ {
		return 0, kickoff.Errorf(kickoff.EInvalid, "%q is not a valid %s ID: it names a %s", kickoff.Excerpt(s, 64), typ, g.Type)
	}
	return g.ID, nil
}

func derefInt(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// nodesOf lists the nodes of a connection's edges.
func nodesOf[E, N any](edges []*E, node func(*E) *N) []*N {
	out := make([]*N, len(edges))
	for i, e := range edges {
		out[i] = node(e)
	}
	return out
}
