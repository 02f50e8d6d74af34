package graph

import (
	"strconv"

	"github.com/kickoff-ci/kickoff"
)

// parseID reads a GraphQL ID argument (a string on the wire) as an ent ID.
func parseID(id string) (int, error) {
	n, err := strconv.Atoi(id)
	if err != nil || n <= 0 {
		return 0, kickoff.Errorf(kickoff.EInvalid, "%q is not a valid ID", truncate(id, 64))
	}
	return n, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
