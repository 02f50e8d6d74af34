// Package server wires Kickoff's HTTP surface: health and metrics endpoints,
// sessions, the GraphQL API, the runner API, the GitLab-compatible REST shim
// (mounted from package server/gitlab) and the embedded web app, with the
// middleware every request goes through.
package server

import (
	"cmp"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kickoff-ci/kickoff/domain/identity"
	"github.com/kickoff-ci/kickoff/domain/joblogs"
	"github.com/kickoff-ci/kickoff/domain/jobtokens"
	"github.com/kickoff-ci/kickoff/domain/pipelines"
	"github.com/kickoff-ci/kickoff/domain/runners"
	"github.com/kickoff-ci/kickoff/domain/triggers"
	"github.com/kickoff-ci/kickoff/domain/webhooks"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/server/gitlab"
	"github.com/kickoff-ci/kickoff/server/httpjson"
)

// MaxBodyBytes bounds every API request body (SPEC §7, §11); every body is
// read with restparams.ReadBody under it.
const MaxBodyBytes = 1 << 20

// bodyTooLarge is the 413 message of Kickoff's own APIs (GraphQL, sessions,
// runners); the GitLab REST shim answers GitLab's "413 Request Entity Too
// Large" instead.
const bodyTooLarge = "request body is larger than 1 MiB"

// DefaultMaxWait is the longest wait a trigger call may ask for when
// Config.MaxWait is not set.
const DefaultMaxWait = 10 * time.Minute

// Config is what the HTTP layer needs from the outside.
type Config struct {
	DB     *database.DB
	Logger *slog.Logger
	// WebApp is the built single-page app (frontend.Dist's "dist" directory).
	WebApp fs.FS
	// Services are the domain services the REST and session handlers call.
	Services Services
	// GraphQL serves /api/graphql (graph.NewHandler); the server
	// authenticates requests and enforces CSRF rules before it.
	GraphQL http.Handler
	// SecureCookies adds the Secure attribute to session cookies (public URL is https).
	SecureCookies bool
	// PublicURL is where users reach Kickoff (scheme and host only). It
	// builds web_url links and is an accepted Origin for cookie-authenticated
	// requests. When nil, both come from the request's Host.
	PublicURL *url.URL
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed when working out a client's IP address. Empty: none is, and
	// the client is the TCP peer.
	TrustedProxies []netip.Prefix
	// MaxWait bounds the wait parameter of the trigger endpoints: how long
	// a caller may be held until its pipeline finishes (0: DefaultMaxWait).
	MaxWait time.Duration
}

// Services are the domain services the HTTP handlers call. The composition
// root (package services, used by cmd) builds them.
type Services struct {
	Identity  *identity.Service
	Triggers  *triggers.Service
	Pipelines *pipelines.Service
	JobTokens *jobtokens.Service
	Runners   *runners.Service
	JobLogs   *joblogs.Service
	Webhooks  *webhooks.Service
}

// server holds what the handlers share.
type server struct {
	logger    *slog.Logger
	ids       *identity.Service
	publicURL *url.URL
	trusted   []netip.Prefix
	secure    bool
}

// routeAPIs registers the GitLab-compatible REST API (package gitlab, behind
// PAT authentication) and the runner API.
func (s *server) routeAPIs(mux *router, cfg Config) {
	gitlab.Register(mux, gitlab.Config{
		Triggers:     cfg.Services.Triggers,
		Pipelines:    cfg.Services.Pipelines,
		JobTokens:    cfg.Services.JobTokens,
		JobLogs:      cfg.Services.JobLogs,
		Webhooks:     cfg.Services.Webhooks,
		AuditDB:      cfg.DB.Client,
		PublicURL:    s.publicBaseURL,
		ClientIP:     s.clientAddr,
		Authenticate: func(h http.Handler) http.Handler { return s.withViewer(h, authREST) },
		MaxBodyBytes: MaxBodyBytes,
		MaxWait:      cmp.Or(cfg.MaxWait, DefaultMaxWait),
		Logger:       s.logger,
	})

	// Runners authenticate by their own bearer tokens (kor_, koj_).
	runnerAPI := &runnerAPI{runners: cfg.Services.Runners, pipelines: cfg.Services.Pipelines, logs: cfg.Services.JobLogs, publicURL: s.publicBaseURL, logger: s.logger}
	mux.HandleFunc("POST /api/v1/runner/jobs/request", runnerAPI.requestJob)
	mux.HandleFunc("PUT /api/v1/runner/pipelines/{id}", runnerAPI.updatePipeline)
	mux.HandleFunc("PATCH /api/v1/runner/pipelines/{id}/log", runnerAPI.appendLog)
}

// New returns the handler serving all of Kickoff.
//
// Every request passes, outermost first: securityHeaders, recoverPanics,
// observe (log, metrics, deadlines), withRequestInfo (client IP and user
// agent for the audit log). Routes that accept credentials opt into
// withViewer, which authenticates, enforces CSRF rules for cookies and puts
// the viewer into the request context.
func New(cfg Config) http.Handler {
	h, _ := newHandler(cfg)
	return h
}

// router is a ServeMux that remembers its patterns, so tests can send every
// route the malformed-input corpus, new routes included. It is the
// gitlab.Mux the REST shim registers on.
type router struct {
	*http.ServeMux
	patterns []string
}

func (r *router) Handle(pattern string, h http.Handler) {
	r.patterns = append(r.patterns, pattern)
	r.ServeMux.Handle(pattern, h)
}

func (r *router) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	r.Handle(pattern, http.HandlerFunc(h))
}

// newHandler is New, also returning the route patterns.
func newHandler(cfg Config) (http.Handler, []string) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &server{
		logger:    logger,
		ids:       cfg.Services.Identity,
		publicURL: cfg.PublicURL,
		trusted:   cfg.TrustedProxies,
		secure:    cfg.SecureCookies,
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := newMetrics(reg)
	if cfg.Services.Webhooks != nil {
		reg.MustRegister(newWebhookCollector(cfg.Services.Webhooks))
	}

	mux := &router{ServeMux: http.NewServeMux()}
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", readyz(cfg.DB))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	gql := graphQLUpgrade(cfg.GraphQL)
	mux.Handle("/api/graphql", methods(map[string]http.Handler{
		http.MethodGet:  s.withViewer(gql, authGraphQL),
		http.MethodPost: s.withViewer(graphQLBody(gql), authGraphQL),
		// CORS preflights carry no credentials and execute nothing.
		http.MethodOptions: gql,
	}))
	mux.Handle("/api/session", methods(map[string]http.Handler{
		http.MethodPost:   http.HandlerFunc(s.login),
		http.MethodDelete: http.HandlerFunc(s.logout),
	}))
	s.routeAPIs(mux, cfg)
	mux.HandleFunc("/api/", httpjson.NotFound)
	mux.Handle("/", spa(cfg.WebApp))

	// withRequestInfo passes a copy of the request on (r.WithContext), so it
	// runs outside the middleware that reads the route pattern the mux sets
	// on the request it is given: inside them, every request was logged and
	// counted as "unmatched".
	return securityHeaders(s.withRequestInfo(recoverPanics(observe(mux, logger, m), logger))), mux.patterns
}
