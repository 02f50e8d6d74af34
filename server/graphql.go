package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/kickoff-ci/kickoff/server/gitlab/restparams"
	"github.com/kickoff-ci/kickoff/server/httpjson"
)

// graphQLError answers in the GraphQL response shape with an extensions.code.
func graphQLError(w http.ResponseWriter, status int, code, msg string) {
	httpjson.Write(w, status, map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]string{"code": code}}},
	})
}

// graphQLUpgrade lets only a GET upgrade, only to a websocket and only
// with a complete RFC 6455 handshake: gqlgen hands any Upgrade header to its
// websocket transport, which answers a POST, an h2c upgrade or a broken
// handshake in plain text.
func graphQLUpgrade(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up := r.Header.Get("Upgrade")
		switch {
		case up == "":
		case r.Method != http.MethodGet || !strings.EqualFold(up, "websocket"):
			graphQLError(w, http.StatusBadRequest, "BAD_REQUEST",
				"only a GET request may upgrade, and only to a websocket (graphql-transport-ws)")
			return
		case !websocketHandshake(r.Header):
			graphQLError(w, http.StatusBadRequest, "BAD_REQUEST",
				"a websocket upgrade needs Connection: Upgrade, Sec-WebSocket-Version: 13 and a Sec-WebSocket-Key")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// websocketHandshake reports whether h has what RFC 6455 §4.2.1 asks of an
// opening handshake besides the Upgrade header.
func websocketHandshake(h http.Header) bool {
	connUpgrade := false
	for _, v := range h.Values("Connection") {
		for _, token := range strings.Split(v, ",") {
			connUpgrade = connUpgrade || strings.EqualFold(strings.TrimSpace(token), "upgrade")
		}
	}
	return connUpgrade && h.Get("Sec-WebSocket-Version") == "13" && h.Get("Sec-WebSocket-Key") != ""
}

// graphQLBody enforces the body limit and checks that a POST body is a
// GraphQL request before gqlgen sees it: gqlgen echoes undecodable bodies
// into its error message, and a body may hold a secret.
func graphQLBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > MaxBodyBytes {
			graphQLError(w, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", bodyTooLarge)
			return
		}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			graphQLError(w, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "GraphQL POST requests must have Content-Type: application/json")
			return
		}
		body, err := restparams.ReadBody(r, MaxBodyBytes)
		switch {
		case errors.Is(err, restparams.ErrBodyTooLarge):
			graphQLError(w, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", bodyTooLarge)
			return
		case err != nil:
			graphQLError(w, http.StatusBadRequest, "BAD_REQUEST", "could not read the request body")
			return
		}
		var params struct {
			Query         string         `json:"query"`
			OperationName string         `json:"operationName"`
			Variables     map[string]any `json:"variables"`
			Extensions    map[string]any `json:"extensions"`
		}
		if err := json.Unmarshal(body, &params); err != nil {
			graphQLError(w, http.StatusBadRequest, "BAD_REQUEST", `request body must be a JSON object {"query": string, "variables"?: object, "operationName"?: string}`)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}
