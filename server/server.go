// Package server wires Kickoff's HTTP surface: health and metrics endpoints,
// the GraphQL API, the GitLab-compatible REST shim and the embedded web app,
// with the middleware every request goes through.
package server

import (
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kickoff-ci/kickoff/database"
	"github.com/kickoff-ci/kickoff/graph"
)

// MaxBodyBytes bounds every API request body (SPEC §7, §11).
const MaxBodyBytes = 1 << 20

// Config is what the HTTP layer needs from the outside.
type Config struct {
	DB     *database.DB
	Logger *slog.Logger
	// WebApp is the built single-page app (frontend.Dist's "dist" directory).
	WebApp fs.FS
}

// New returns the handler serving all of Kickoff.
func New(cfg Config) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := newMetrics(reg)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", readyz(cfg.DB))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	gql := graph.NewHandler(cfg.DB.Client, cfg.Logger)
	mux.Handle("/api/graphql", methods(map[string]http.Handler{
		http.MethodGet:     gql,
		http.MethodPost:    graphQLBody(gql),
		http.MethodOptions: gql,
	}))
	mux.HandleFunc("/api/", notFoundAPI)
	mux.Handle("/", spa(cfg.WebApp))

	return securityHeaders(recoverPanics(observe(mux, cfg.Logger, m), cfg.Logger))
}
