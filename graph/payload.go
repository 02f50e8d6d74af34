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

// payload answers a mutation whose domain call returned err: the GraphQL
// error when it is not the user's to fix, else the payload build makes with
// the errors list (empty on success). Domain actions return no entity with
// an error, so a payload carrying errors carries nothing else.
func payload[P any](err error, build func(errs []string) *P) (*P, error) {
	errs, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	return build(errs), nil
}

// shownOnce is a new credential's value for its creation payload, the one
// time it is shown: nil when the creation failed and there is none.
func shownOnce(token string) *string {
	if token == "" {
		return nil
	}
	return &token
}
