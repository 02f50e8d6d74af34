// Package graph serves Kickoff's GraphQL API: the schema (graph/*.graphql, with
// ent.graphql generated from the ent schemas), its resolvers and the HTTP
// handler with its limits. Resolvers translate; the rules live in authz and
// the domain packages.
package graph

import (
	"log/slog"
	"time"

	"github.com/kickoff-ci/kickoff/domain/identity"
	"github.com/kickoff-ci/kickoff/domain/joblogs"
	"github.com/kickoff-ci/kickoff/domain/jobtokens"
	"github.com/kickoff-ci/kickoff/domain/pipelines"
	"github.com/kickoff-ci/kickoff/domain/projects"
	"github.com/kickoff-ci/kickoff/domain/refs"
	"github.com/kickoff-ci/kickoff/domain/runners"
	"github.com/kickoff-ci/kickoff/domain/triggers"
	"github.com/kickoff-ci/kickoff/domain/webhooks"
	"github.com/kickoff-ci/kickoff/ent"
)

// Services are the domain services the resolvers call. The composition root
// (package services, used by cmd) builds them; the resolvers never do.
type Services struct {
	Identity  *identity.Service
	Projects  *projects.Service
	Triggers  *triggers.Service
	Refs      *refs.Service
	Pipelines *pipelines.Service
	JobTokens *jobtokens.Service
	Runners   *runners.Service
	JobLogs   *joblogs.Service
	Webhooks  *webhooks.Service
}

// Resolver holds the dependencies every resolver needs; nothing else.
type Resolver struct {
	client *ent.Client
	svc    Services
	// logger records the internal errors that end a subscription, which
	// reach the client outside gqlgen's error presenter.
	logger *slog.Logger
	// recheck is how often a subscription checks its viewer may still see
	// what it streams, between events.
	recheck time.Duration
}
