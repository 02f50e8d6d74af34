package graph

import (
	"strconv"

	"github.com/kickoff-ci/kickoff"
)

// parseID reads a GraphQL ID argument (a string on the wire) as an ent ID.
func parseID(id string) (int, error) {
	n, err := strconv.Atoi(id)
	if err != nil || n <= 0 {
		return 0, kickoff.Errorf(kickoff.EInvalid, "%q is not a valid ID", kickoff.Excerpt(id, 64))
	}
	return n, nil
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
