package graph

import "github.com/kickoff-ci/kickoff"

// userErrors splits a domain error for a mutation payload: mistakes the user
// can fix (invalid input, conflicts) go into the payload's errors list; the
// rest (unauthenticated, forbidden, not found, internal) become GraphQL errors
// with an extensions.code.
func userErrors(err error) ([]string, error) {
	switch kickoff.ErrorCode(err) {
	case "":
		return []string{}, nil
	case kickoff.EInvalid, kickoff.EConflict:
		return []string{kickoff.ErrorMessage(err)}, nil
	}
	return nil, err
}
