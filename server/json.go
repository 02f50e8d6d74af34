package server

import (
	"net/http"

	"github.com/kickoff-ci/kickoff/server/httpjson"
)

// methods routes by HTTP method and answers other methods with a JSON 405.
func methods(handlers map[string]http.Handler) http.Handler {
	allow := ""
	for m := range handlers {
		if allow != "" {
			allow += ", "
		}
		allow += m
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := handlers[r.Method]; ok {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Allow", allow)
		httpjson.Message(w, http.StatusMethodNotAllowed, "405 Method Not Allowed")
	})
}
