// Package graph serves Kickoff's GraphQL API: the schema (graph/*.graphql, with
// ent.graphql generated from the ent schemas), its resolvers and the HTTP
// handler with its limits. Resolvers translate; the rules live in authz and
// the domain packages.
package graph

import (
	"log/slog"
	"time"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/services"
)

// Resolver holds the dependencies every resolver needs; nothing else.
type Resolver struct {
	client *ent.Client
	services.Set
	// logger records the internal errors that end a subscription, which
	// reach the client outside gqlgen's error presenter.
	logger *slog.Logger
	// recheck is how often a subscription checks its viewer may still see
	// what it streams, between events.
	recheck time.Duration
}
