package server

import (
	"encoding/json"
	"net/http"
)

// writeJSON writes v as the JSON response body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// message is GitLab's error body shape: {"message": "..."}.
type message struct {
	Message any `json:"message"`
}

// writeMessage answers with GitLab's {"message": ...} error body.
func writeMessage(w http.ResponseWriter, status int, msg any) {
	writeJSON(w, status, message{Message: msg})
}

// notFoundAPI answers unknown /api/ paths with JSON, never the web app.
func notFoundAPI(w http.ResponseWriter, _ *http.Request) {
	writeMessage(w, http.StatusNotFound, "404 Not Found")
}

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
		writeMessage(w, http.StatusMethodNotAllowed, "405 Method Not Allowed")
	})
}
