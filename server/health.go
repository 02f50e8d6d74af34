package server

import (
	"context"
	"net/http"
	"time"

	"github.com/kickoff-ci/kickoff/server/httpjson"
)

// Readiness is what /readyz asks: can the database be reached and is its
// schema at the version this binary expects.
type Readiness interface {
	Ping(ctx context.Context) error
	SchemaCurrent(ctx context.Context) (bool, error)
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	httpjson.Write(w, http.StatusOK, map[string]string{"status": "ok"})
}

func readyz(db Readiness) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			httpjson.Write(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database unreachable"})
			return
		}
		current, err := db.SchemaCurrent(ctx)
		if err != nil || !current {
			httpjson.Write(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database migrations pending"})
			return
		}
		httpjson.Write(w, http.StatusOK, map[string]string{"status": "ok"})
	}
}
