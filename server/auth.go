package server

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/identity"
	"github.com/kickoff-ci/kickoff/server/httpjson"
)

// authKind says which credentials a route accepts and how it answers a
// request whose credentials do not work.
type authKind int

const (
	// authGraphQL accepts a personal access token or the session cookie
	// (with the CSRF rules below) and answers in the GraphQL error shape.
	authGraphQL authKind = iota + 1
	// authREST accepts a personal access token only ("No cookies on REST",
	// SPEC §3) and answers GitLab's {"message": ...}.
	authREST
)

const (
	// CSRFHeader must accompany every cookie-authenticated GraphQL request.
	// A page on another site cannot add a custom header to a cross-origin
	// request without a CORS preflight, which Kickoff never grants.
	CSRFHeader = "X-Kickoff-CSRF"
)

// errCSRF* explain a refused cookie request. They are safe to show: they
// name rules, never credentials.
var (
	errCSRFHeader      = errors.New("requests authenticated by the session cookie must send the " + CSRFHeader + " header")
	errCSRFContentType = errors.New("requests authenticated by the session cookie must have Content-Type: application/json")
	errCSRFOrigin      = errors.New("cross-origin requests may not use the session cookie")
	errCSRFNoOrigin    = errors.New("websocket upgrades authenticated by the session cookie must send an Origin header")
)

// withViewer authenticates the request and runs next with the viewer in the
// context (authz.WithViewer). Credentials that are present but do not work
// are answered with 401, never served anonymously, so a client notices an
// expired or revoked credential instead of quietly seeing less. A request
// without credentials runs anonymously (nil viewer).
//
// A token header wins over the cookie: a script's PAT must not be overridden
// by a browser's session, and token requests need no CSRF protection since
// browsers never attach tokens on their own.
func (s *server) withViewer(next http.Handler, kind authKind) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token, ok := presentedToken(r.Header); ok {
			s.serveWithToken(w, r, next, kind, token)
			return
		}
		if kind == authGraphQL {
			if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
				s.serveWithSession(w, r, next, c.Value)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// presentedToken returns the personal access token from PRIVATE-TOKEN or
// "Authorization: Bearer". A present but empty header counts as presented
// (and fails): a script with an unset variable should get 401, not
// anonymous results. Other Authorization schemes (e.g. Basic from a proxy
// in front of Kickoff) are not ours and are ignored.
func presentedToken(h http.Header) (string, bool) {
	if vs := h.Values("Private-Token"); len(vs) > 0 {
		return strings.TrimSpace(vs[0]), true
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(h.Get("Authorization")), " ")
	if strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(token), true
	}
	return "", false
}

func (s *server) serveWithToken(w http.ResponseWriter, r *http.Request, next http.Handler, kind authKind, token string) {
	v, err := s.ids.AuthenticateToken(r.Context(), token)
	if err != nil {
		s.authFailed(w, r, kind, identity.CredentialPAT, err)
		return
	}
	next.ServeHTTP(w, r.WithContext(authz.WithViewer(r.Context(), v)))
}

// serveWithSession checks the CSRF rules before the session itself, so a
// cross-site request costs no database query.
func (s *server) serveWithSession(w http.ResponseWriter, r *http.Request, next http.Handler, token string) {
	if err := s.checkCSRF(r); err != nil {
		s.logger.DebugContext(r.Context(), "refused cookie request", "route", routeOf(r), "reason", err.Error())
		graphQLError(w, http.StatusForbidden, "FORBIDDEN", err.Error())
		return
	}
	v, err := s.ids.SessionUser(r.Context(), token)
	if err != nil {
		if identity.IsUnauthorized(err) {
			// Drop the dead cookie so the browser stops sending it.
			http.SetCookie(w, s.clearedSessionCookie())
		}
		s.authFailed(w, r, authGraphQL, identity.CredentialSession, err)
		return
	}
	next.ServeHTTP(w, r.WithContext(authz.WithViewer(r.Context(), v)))
}

// authFailed answers a request whose credential was refused (401) or could
// not be checked (500). The error is logged only when it is ours: identity
// and sessionjwt errors never contain the credential, but a 401 is routine
// and not worth more than a debug line.
func (s *server) authFailed(w http.ResponseWriter, r *http.Request, kind authKind, credential string, err error) {
	status := http.StatusUnauthorized
	if identity.IsUnauthorized(err) {
		s.logger.DebugContext(r.Context(), "refused credential", "route", routeOf(r), "credential", credential)
	} else {
		status = http.StatusInternalServerError
		s.logger.ErrorContext(r.Context(), "authenticating request failed", "route", routeOf(r), "credential", credential, "err", err)
	}
	if status == http.StatusUnauthorized && credential != identity.CredentialSession {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kickoff"`)
	}
	switch {
	case kind == authREST && status == http.StatusUnauthorized:
		httpjson.Message(w, status, "401 Unauthorized")
	case kind == authREST:
		httpjson.Message(w, status, "500 Internal Server Error")
	case status == http.StatusUnauthorized && credential == identity.CredentialSession:
		graphQLError(w, status, "UNAUTHENTICATED", "the session is invalid or has expired: sign in again")
	case status == http.StatusUnauthorized:
		graphQLError(w, status, "UNAUTHENTICATED", "the access token is invalid, expired or revoked")
	default:
		graphQLError(w, status, "INTERNAL_SERVER_ERROR", "internal error")
	}
}

// checkCSRF enforces SPEC §3 for a cookie-authenticated request. Websocket
// upgrades cannot carry custom headers, so for them a same-origin Origin
// (which browsers always send on upgrades) stands in for the header.
func (s *server) checkCSRF(r *http.Request) error {
	if isWebsocketUpgrade(r) {
		if r.Header.Get("Origin") == "" {
			return errCSRFNoOrigin
		}
		if !s.sameOrigin(r) {
			return errCSRFOrigin
		}
		return nil
	}
	if strings.TrimSpace(r.Header.Get(CSRFHeader)) == "" {
		return errCSRFHeader
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !isJSON(r) {
		return errCSRFContentType
	}
	if !s.sameOrigin(r) {
		return errCSRFOrigin
	}
	return nil
}

// sameOrigin reports whether a browser says the request comes from a page
// of Kickoff itself. Requests without an Origin (non-browser clients, some
// same-origin GETs) pass: for those the CSRF header is the protection.
// Kickoff's origin is the request's Host under http or https (behind a
// TLS-terminating proxy the scheme the browser used is not visible), or the
// configured public URL.
func (s *server) sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return false // includes the opaque origin "null"
	}
	if s.publicURL != nil && strings.EqualFold(u.Scheme, s.publicURL.Scheme) && strings.EqualFold(u.Host, s.publicURL.Host) {
		return true
	}
	return (u.Scheme == "http" || u.Scheme == "https") && strings.EqualFold(u.Host, r.Host)
}

// isWebsocketUpgrade reports a websocket handshake. Only GET can be one, so
// the header cannot be used to dodge the CSRF header on a POST.
func isWebsocketUpgrade(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}
