// Package services is Kickoff's composition root: it builds the domain
// services over one database and hands each adapter (the HTTP server, the
// GraphQL resolvers) the ones it needs, so the CLI, the load generator and
// the tests wire them the same way. Only commands and tests import it.
package services

import (
	"log/slog"
	"net/http"
	"net/url"
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
	"github.com/kickoff-ci/kickoff/graph"
	"github.com/kickoff-ci/kickoff/internal/events"
	"github.com/kickoff-ci/kickoff/internal/keyring"
	"github.com/kickoff-ci/kickoff/internal/sessionjwt"
	"github.com/kickoff-ci/kickoff/server"
)

// Session JWTs name Kickoff as issuer and its web sessions as audience, so a
// token signed for anything else with the same key is refused.
const (
	SessionIssuer   = "kickoff"
	SessionAudience = "kickoff-web-session"
	// DeviceAudience is the audience of device cookies, which name a
	// browser that signed in before (identity's sign-in limits).
	DeviceAudience = "kickoff-web-device"
	// DeviceTTL is how long a browser stays known after a sign-in.
	DeviceTTL = 90 * 24 * time.Hour
)

// Set is every domain service.
type Set struct {
	Identity  *identity.Service
	Projects  *projects.Service
	Triggers  *triggers.Service
	Refs      *refs.Service
	Pipelines *pipelines.Service
	JobTokens *jobtokens.Service
	Runners   *runners.Service
	JobLogs   *joblogs.Service
	Webhooks  *webhooks.Service
	// Events carries pipeline changes to GraphQL subscriptions.
	Events *events.Bus
	// client is the database the services run on; the GraphQL handler
	// reads through it too.
	client *ent.Client
}

// Option changes how New builds the services.
type Option func(*options)

type options struct {
	bus        *events.Bus
	maxLogSize int64
	webhooks   webhooks.Config
}

// WithEvents makes the services announce pipeline changes on bus (see
// events.New for the one that reaches every replica on PostgreSQL). The
// default is an in-process bus, right for SQLite and for one replica.
func WithEvents(bus *events.Bus) Option { return func(o *options) { o.bus = bus } }

// WithMaxLogSize caps each pipeline's stored job log (default
// joblogs.DefaultMaxSize).
func WithMaxLogSize(n int64) Option { return func(o *options) { o.maxLogSize = n } }

// WithWebhooks sets how webhooks are delivered (allowed networks, retries,
// retention); the links they carry follow publicURL.
func WithWebhooks(cfg webhooks.Config) Option { return func(o *options) { o.webhooks = cfg } }

// New builds the services on client. kr keys token encryption and session
// signing; publicURL is where users reach Kickoff (for links in variables).
func New(client *ent.Client, kr *keyring.Keyring, publicURL *url.URL, opts ...Option) Set {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	if o.bus == nil {
		o.bus = events.NewLocal()
	}
	prj := projects.New(client)
	trg := triggers.New(client, kr, prj)
	jobs := jobtokens.New(client, prj)
	pip := pipelines.New(client, trg, prj, jobs, o.bus, publicURL)
	o.webhooks.PublicURL, o.webhooks.WebURL = publicURL, pip.WebURL
	hooks := webhooks.New(client, kr, prj, o.webhooks)
	pip.Notify(hooks)
	return Set{
		Identity: identity.New(client, identity.Signer{
			Sessions: sessionjwt.New(kr, SessionIssuer, SessionAudience, sessionjwt.DefaultTTL, nil),
			Devices:  sessionjwt.New(kr, SessionIssuer, DeviceAudience, DeviceTTL, nil),
			Keys:     kr,
		}),
		Projects:  prj,
		Triggers:  trg,
		Refs:      refs.New(client, prj),
		Pipelines: pip,
		JobTokens: jobs,
		Runners:   runners.New(client, prj, pip),
		JobLogs:   joblogs.New(client, o.bus, o.maxLogSize),
		Webhooks:  hooks,
		Events:    o.bus,
		client:    client,
	}
}

// HTTP returns the services the HTTP handlers call (server.Config.Services).
func (s Set) HTTP() server.Services {
	return server.Services{
		Identity: s.Identity, Triggers: s.Triggers, Pipelines: s.Pipelines,
		JobTokens: s.JobTokens, Runners: s.Runners, JobLogs: s.JobLogs, Webhooks: s.Webhooks,
	}
}

// GraphQL returns the GraphQL endpoint over the services
// (server.Config.GraphQL).
func (s Set) GraphQL(logger *slog.Logger, opts ...graph.HandlerOption) http.Handler {
	return graph.NewHandler(s.client, graph.Services{
		Identity: s.Identity, Projects: s.Projects, Triggers: s.Triggers, Refs: s.Refs,
		Pipelines: s.Pipelines, JobTokens: s.JobTokens, Runners: s.Runners, JobLogs: s.JobLogs,
		Webhooks: s.Webhooks,
	}, logger, opts...)
}
