package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/identity"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/ratelimit"
	"github.com/kickoff-ci/kickoff/server/gitlab/restparams"
	"github.com/kickoff-ci/kickoff/server/httpjson"
)

// SessionCookie holds the web session's JWT. It is HttpOnly (scripts cannot
// read it) and SameSite=Strict (other sites' requests do not carry it).
const SessionCookie = "kickoff_session"

// DeviceCookie marks a browser that signed in before: the sign-in limits
// treat it apart from unknown clients (identity/signin.go). It is sent to
// /api/session only.
const DeviceCookie = "kickoff_device"

// loginRequest is the body of POST /api/session.
type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// errorBody is the {"error": "..."} shape GitLab uses for invalid requests.
type errorBody struct {
	Error string `json:"error"`
}

// sessionUserJSON is the signed-in user as POST /api/session returns it
// (GitLab's user entity, minus what Kickoff does not have).
type sessionUserJSON struct {
	ID        int     `json:"id"`
	Username  string  `json:"username"`
	Name      string  `json:"name"`
	State     string  `json:"state"`
	Admin     bool    `json:"admin"`
	AvatarURL *string `json:"avatar_url"`
	WebURL    string  `json:"web_url"`
}

// login handles POST /api/session: check the password, set the session
// cookie, return the user.
func (s *server) login(w http.ResponseWriter, r *http.Request) {
	if !s.sameOrigin(r) {
		httpjson.Message(w, http.StatusForbidden, "403 Forbidden - "+errCSRFOrigin.Error())
		return
	}
	req, ok := readLoginRequest(w, r)
	if !ok {
		return
	}
	in := identity.SignIn{Username: req.Username, Password: req.Password, IPKey: ratelimit.IPKey(s.clientAddr(r))}
	if c, err := r.Cookie(DeviceCookie); err == nil {
		in.DeviceCookie = c.Value
	}
	out, err := s.ids.Login(r.Context(), in)
	wait, throttled := kickoff.RetryAfter(err)
	switch {
	case throttled:
		s.logger.DebugContext(r.Context(), "sign-in refused: too many failures")
		w.Header().Set("Retry-After", ratelimit.RetryAfterSeconds(wait))
		httpjson.Message(w, http.StatusTooManyRequests, kickoff.ErrorMessage(err))
		return
	case identity.IsUnauthorized(err):
		httpjson.Message(w, http.StatusUnauthorized, "invalid username or password")
		return
	case err != nil:
		s.logger.ErrorContext(r.Context(), "sign-in failed", "err", err)
		httpjson.Message(w, http.StatusInternalServerError, "500 Internal Server Error")
		return
	}
	http.SetCookie(w, s.cookie(SessionCookie, "/", out.Session.Token, out.Session.Expires))
	http.SetCookie(w, s.cookie(DeviceCookie, "/api/session", out.Device.Token, out.Device.Expires))
	httpjson.Write(w, http.StatusOK, s.sessionUser(r, out.User))
}

// logout handles DELETE /api/session: the session the cookie names ends on
// the server (on every replica at once) and the browser drops the cookie.
// It answers 204 whether or not there was a session.
func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if !s.sameOrigin(r) {
		httpjson.Message(w, http.StatusForbidden, "403 Forbidden - "+errCSRFOrigin.Error())
		return
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := s.ids.Logout(r.Context(), c.Value); err != nil {
			s.logger.ErrorContext(r.Context(), "sign-out failed", "err", err)
			httpjson.Message(w, http.StatusInternalServerError, "500 Internal Server Error")
			return
		}
	}
	http.SetCookie(w, s.clearedSessionCookie())
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// readLoginRequest decodes and validates the body, answering 415, 413 or 400
// itself when it cannot. Decoder errors are not passed on: they can quote
// the body, which holds a password.
func readLoginRequest(w http.ResponseWriter, r *http.Request) (loginRequest, bool) {
	var req loginRequest
	if !isJSON(r) {
		httpjson.Write(w, http.StatusUnsupportedMediaType, errorBody{"Content-Type must be application/json"})
		return req, false
	}
	body, err := restparams.ReadBody(r, MaxBodyBytes)
	switch {
	case errors.Is(err, restparams.ErrBodyTooLarge):
		httpjson.Write(w, http.StatusRequestEntityTooLarge, errorBody{bodyTooLarge})
		return req, false
	case err != nil:
		httpjson.Write(w, http.StatusBadRequest, errorBody{"could not read the request body"})
		return req, false
	}
	if err := json.Unmarshal(body, &req); err != nil {
		httpjson.Write(w, http.StatusBadRequest, errorBody{`request body must be a JSON object {"username": string, "password": string}`})
		return req, false
	}
	if !kickoff.CleanText(req.Username) {
		httpjson.Write(w, http.StatusBadRequest, errorBody{"username must not contain NUL characters"})
		return req, false
	}
	var missing []string
	if strings.TrimSpace(req.Username) == "" {
		missing = append(missing, "username is missing")
	}
	if req.Password == "" {
		missing = append(missing, "password is missing")
	}
	if len(missing) > 0 {
		httpjson.Write(w, http.StatusBadRequest, errorBody{strings.Join(missing, ", ")})
		return req, false
	}
	return req, true
}

// cookie holds a JWT and expires with it. HttpOnly: scripts cannot read
// it; SameSite=Strict: other sites' requests do not carry it.
func (s *server) cookie(name, path, token string, expires time.Time) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    token,
		Path:     path,
		MaxAge:   max(1, int(time.Until(expires).Seconds())),
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteStrictMode,
	}
}

// clearedSessionCookie tells the browser to drop the session cookie; its
// attributes match the original so the browser replaces it. The device
// cookie stays: signing out does not make a browser unknown.
func (s *server) clearedSessionCookie() *http.Cookie {
	c := s.cookie(SessionCookie, "/", "", time.Time{})
	c.MaxAge = -1 // sent as Max-Age=0
	return c
}

func (s *server) sessionUser(r *http.Request, u *ent.User) sessionUserJSON {
	return sessionUserJSON{
		ID:       u.ID,
		Username: u.Username,
		Name:     u.Name,
		State:    string(u.State),
		Admin:    u.Admin,
		WebURL:   s.publicBaseURL(r).JoinPath(u.Username).String(),
	}
}

// publicBaseURL is the public URL, or failing that the URL the request was
// made to (scheme and host only); links in responses start with it.
func (s *server) publicBaseURL(r *http.Request) *url.URL {
	if s.publicURL != nil {
		return &url.URL{Scheme: s.publicURL.Scheme, Host: s.publicURL.Host}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return &url.URL{Scheme: scheme, Host: r.Host}
}
