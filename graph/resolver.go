// Package graph serves Kickoff's GraphQL API: the schema (graph/*.graphql, with
// ent.graphql generated from the ent schemas), its resolvers and the HTTP
// handler with its limits. Resolvers translate; the rules live in authz and
// the domain packages.
package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/kickoff-ci/kickoff/ent"
)

// Resolver holds the dependencies every resolver needs; nothing else.
type Resolver struct {
	client *ent.Client
}

// NewSchema builds the executable schema on the given ent client.
func NewSchema(client *ent.Client) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{Resolvers: &Resolver{client: client}})
}
