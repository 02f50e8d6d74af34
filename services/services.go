// Package services assembles Kickoff's domain services over one database, so
// the server, the CLI and the tests wire them the same way.
package services

import (
	"net/url"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/identity"
	"github.com/kickoff-ci/kickoff/keyring"
	"github.com/kickoff-ci/kickoff/pipelines"
	"github.com/kickoff-ci/kickoff/projects"
	"github.com/kickoff-ci/kickoff/refs"
	"github.com/kickoff-ci/kickoff/runners"
	"github.com/kickoff-ci/kickoff/sessionjwt"
	"github.com/kickoff-ci/kickoff/triggers"
)

// Session JWTs name Kickoff as issuer and its web sessions as audience, so a
// token signed for anything else with the same key is refused.
const (
	SessionIssuer   = "kickoff"
	SessionAudience = "kickoff-web-session"
)

// Set is every domain service.
type Set struct {
	Identity  *identity.Service
	Projects  *projects.Service
	Triggers  *triggers.Service
	Refs      *refs.Service
	Pipelines *pipelines.Service
	Runners   *runners.Service
}

// New builds the services on client. kr keys token encryption and session
// signing; publicURL is where users reach Kickoff (for links in variables).
func New(client *ent.Client, kr *keyring.Keyring, publicURL *url.URL) Set {
	prj := projects.New(client)
	trg := triggers.New(client, kr, prj)
	pip := pipelines.New(client, trg, prj, publicURL)
	return Set{
		Identity:  identity.New(client, sessionjwt.New(kr, SessionIssuer, SessionAudience, sessionjwt.DefaultTTL, nil)),
		Projects:  prj,
		Triggers:  trg,
		Refs:      refs.New(client, prj),
		Pipelines: pip,
		Runners:   runners.New(client, prj, pip),
	}
}
