// Package httpjson writes JSON responses, for package server and the GitLab
// REST shim (server/gitlab) alike: the body writer, GitLab's
// {"message": ...} error shape (which Kickoff's own APIs share) and the JSON
// 404 of unknown /api/ paths.
package httpjson

import (
	"encoding/json"
	"net/http"
)

// Write writes v as the JSON response body with the given status.
func Write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// message is GitLab's error body shape: {"message": "..."}.
type message struct {
	Message any `json:"message"`
}

// Message answers with GitLab's {"message": ...} error body.
func Message(w http.ResponseWriter, status int, msg any) {
	Write(w, status, message{Message: msg})
}

// NotFound answers unknown /api/ paths with JSON, never the web app.
func NotFound(w http.ResponseWriter, _ *http.Request) {
	Message(w, http.StatusNotFound, "404 Not Found")
}
