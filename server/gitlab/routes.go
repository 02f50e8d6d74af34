// Package gitlab is Kickoff's GitLab-compatible REST API (SPEC §4, §5):
// trigger tokens, the job token allowlist, the pipelines API (list, read,
// create, cancel, retry, delete) and starting pipelines with a trigger
// token, including the webhook form and the one-URL trigger (POST
// /api/trigger/:token), which share its code. Handlers translate
// GitLab's parameters and bodies; the domain services decide.
//
// Package server mounts these routes (Register) behind its middleware and
// hands over, as values, the services they call and what only the server
// knows: the public base URL, the client IP and how to authenticate a
// request.
package gitlab

import (
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/kickoff-ci/kickoff/domain/joblogs"
	"github.com/kickoff-ci/kickoff/domain/jobtokens"
	"github.com/kickoff-ci/kickoff/domain/pipelines"
	"github.com/kickoff-ci/kickoff/domain/triggers"
	"github.com/kickoff-ci/kickoff/domain/webhooks"
	"github.com/kickoff-ci/kickoff/ent"
)

// Mux is where Register adds its routes. Package server's router records
// every pattern so that its tests send each route a malformed-input corpus.
type Mux interface {
	Handle(pattern string, h http.Handler)
}

// Config is what the GitLab REST API needs from the server.
type Config struct {
	Triggers  *triggers.Service
	Pipelines *pipelines.Service
	JobTokens *jobtokens.Service
	JobLogs   *joblogs.Service
	Webhooks  *webhooks.Service
	// AuditDB is where the trigger flood guard records its summaries.
	AuditDB *ent.Client
	// PublicURL is the base (scheme and host) of web_url links.
	PublicURL func(*http.Request) *url.URL
	// ClientIP is the request's client address (proxies taken into account).
	ClientIP func(*http.Request) netip.Addr
	// Authenticate wraps a token-authenticated REST handler: a personal
	// access token only, never cookies, answering refused credentials with
	// GitLab's {"message": "401 Unauthorized"}.
	Authenticate func(http.Handler) http.Handler
	// MaxBodyBytes bounds every request body (413 beyond).
	MaxBodyBytes int64
	// MaxWait bounds how long a trigger call may ask to wait for its
	// pipeline to finish (the wait parameter).
	MaxWait time.Duration
	Logger  *slog.Logger
}

// Register adds the GitLab-compatible REST API and the one-URL trigger to mux.
func Register(mux Mux, cfg Config) {
	rest := func(h http.HandlerFunc) http.Handler { return cfg.Authenticate(h) }

	triggersAPI := &triggerAPI{triggers: cfg.Triggers, publicURL: cfg.PublicURL, maxBody: cfg.MaxBodyBytes, logger: cfg.Logger}
	mux.Handle("GET /api/v4/projects/{id}/triggers", rest(triggersAPI.list))
	mux.Handle("POST /api/v4/projects/{id}/triggers", rest(triggersAPI.create))
	mux.Handle("GET /api/v4/projects/{id}/triggers/{trigger_id}", rest(triggersAPI.get))
	mux.Handle("PUT /api/v4/projects/{id}/triggers/{trigger_id}", rest(triggersAPI.update))
	mux.Handle("DELETE /api/v4/projects/{id}/triggers/{trigger_id}", rest(triggersAPI.delete))

	scopeAPI := &jobTokenScopeAPI{jobs: cfg.JobTokens, publicURL: cfg.PublicURL, maxBody: cfg.MaxBodyBytes, logger: cfg.Logger}
	mux.Handle("GET /api/v4/projects/{id}/job_token_scope/allowlist", rest(scopeAPI.list))
	mux.Handle("POST /api/v4/projects/{id}/job_token_scope/allowlist", rest(scopeAPI.add))
	mux.Handle("DELETE /api/v4/projects/{id}/job_token_scope/allowlist/{target_project_id}", rest(scopeAPI.remove))

	pipelineAPI := &pipelineAPI{pipelines: cfg.Pipelines, publicURL: cfg.PublicURL, maxBody: cfg.MaxBodyBytes, maxWait: cfg.MaxWait, logger: cfg.Logger}
	mux.Handle("GET /api/v4/projects/{id}/pipelines", rest(pipelineAPI.list))
	mux.Handle("GET /api/v4/projects/{id}/pipelines/latest", rest(pipelineAPI.latest))
	mux.Handle("GET /api/v4/projects/{id}/pipelines/{pipeline_id}", rest(pipelineAPI.get))
	mux.Handle("GET /api/v4/projects/{id}/pipelines/{pipeline_id}/variables", rest(pipelineAPI.variables))
	logAPI := &jobLogAPI{pipelineAPI: pipelineAPI, logs: cfg.JobLogs}
	mux.Handle("GET /api/v4/projects/{id}/pipelines/{pipeline_id}/log", rest(logAPI.get))
	mux.Handle("POST /api/v4/projects/{id}/pipeline", rest(pipelineAPI.create))
	mux.Handle("POST /api/v4/projects/{id}/pipelines/{pipeline_id}/cancel", rest(pipelineAPI.cancel))
	mux.Handle("POST /api/v4/projects/{id}/pipelines/{pipeline_id}/retry", rest(pipelineAPI.retry))
	mux.Handle("DELETE /api/v4/projects/{id}/pipelines/{pipeline_id}", rest(pipelineAPI.delete))

	hooksAPI := &hookAPI{hooks: cfg.Webhooks, publicURL: cfg.PublicURL, maxBody: cfg.MaxBodyBytes, logger: cfg.Logger}
	mux.Handle("GET /api/v4/projects/{id}/hooks", rest(hooksAPI.list))
	mux.Handle("POST /api/v4/projects/{id}/hooks", rest(hooksAPI.create))
	mux.Handle("GET /api/v4/projects/{id}/hooks/{hook_id}", rest(hooksAPI.get))
	mux.Handle("PUT /api/v4/projects/{id}/hooks/{hook_id}", rest(hooksAPI.update))
	mux.Handle("DELETE /api/v4/projects/{id}/hooks/{hook_id}", rest(hooksAPI.delete))
	mux.Handle("POST /api/v4/projects/{id}/hooks/{hook_id}/test/pipeline_events", rest(hooksAPI.test))
	mux.Handle("GET /api/v4/projects/{id}/hooks/{hook_id}/events", rest(hooksAPI.events))
	mux.Handle("POST /api/v4/projects/{id}/hooks/{hook_id}/events/{event_id}/resend", rest(hooksAPI.resend))

	// Trigger endpoints authenticate by the token parameter, never by
	// cookies or PAT headers.
	pipelinesAPI := &triggerPipelineAPI{
		pipelines: cfg.Pipelines, publicURL: cfg.PublicURL, clientIP: cfg.ClientIP,
		floods:  newFloodGuard(recordFloodSummary(cfg.AuditDB, cfg.Logger), time.Now),
		maxBody: cfg.MaxBodyBytes, maxWait: cfg.MaxWait, logger: cfg.Logger,
	}
	mux.Handle("POST /api/v4/projects/{id}/trigger/pipeline", http.HandlerFunc(pipelinesAPI.gitlab))
	mux.Handle("POST /api/v4/projects/{id}/ref/{rest...}", http.HandlerFunc(pipelinesAPI.webhook))
	mux.Handle("POST /api/trigger/{token}", http.HandlerFunc(pipelinesAPI.oneURL))
}
