package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/identity"
	"github.com/kickoff-ci/kickoff/ratelimit"
)

// SessionCookie holds the web session's JWT. It is HttpOnly (scripts cannot
// read it) and SameSite=Strict (other sites' requests do not carry it).
const SessionCookie = "kickoff_session"

// Failed sign-ins are limited per client IP and per username, both checked
// before the password is: an account under attack stays locked whatever
// password is tried. Per IP: 10 failures at once, then one more every 6 s
// (10/min) — enough for a shared office NAT. Per username: 5 failures at
// once, then one more a minute (5 per 5 min) — about 1,400 guesses a day at
// most against one account however many IPs an attacker has. Successful
// sign-ins are not limited and reset the username's count. Limits are per
// replica, in memory.
const (
	loginIPFailures   = 10
	loginIPPer        = time.Minute
	loginUserFailures = 5
	loginUserPer      = 5 * time.Minute
	// loginMaxKeys bounds the limiters' memory (a few hundred bytes a key).
	loginMaxKeys = 100_000
)

// loginLimits counts failed sign-ins.
type loginLimits struct {
	byIP, byUser *ratelimit.Limiter
}

func newLoginLimits(opts ...ratelimit.Option) *loginLimits {
	return &loginLimits{
		byIP:   ratelimit.New(loginIPFailures, loginIPPer, loginIPFailures, loginMaxKeys, opts...),
		byUser: ratelimit.New(loginUserFailures, loginUserPer, loginUserFailures, loginMaxKeys, opts...),
	}
}

// usernameKey matches identity's lookup (case-insensitive, trimmed), so
// "Alice" and "alice " share one allowance.
func usernameKey(username string) string {
	return strings.ToLower(strings.TrimSpace(username))
}

// ipLimitKey is the per-IP limiter's key for a client. IPv6 clients are
// counted per /64, the smallest block a site is normally given, since
// anyone with one can use 2^64 addresses.
func ipLimitKey(a netip.Addr) string {
	if a.Is6() {
		return netip.PrefixFrom(a, 64).Masked().String()
	}
	return a.String()
}

// blocked reports whether either allowance is used up, and the longer wait.
func (l *loginLimits) blocked(ip, username string) (bool, time.Duration) {
	ipBlocked, ipWait := l.byIP.Blocked(ip)
	userBlocked, userWait := l.byUser.Blocked(usernameKey(username))
	return ipBlocked || userBlocked, max(ipWait, userWait)
}

func (l *loginLimits) failed(ip, username string) {
	l.byIP.Allow(ip)
	l.byUser.Allow(usernameKey(username))
}

func (l *loginLimits) succeeded(username string) {
	l.byUser.Reset(usernameKey(username))
}

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
		writeMessage(w, http.StatusForbidden, "403 Forbidden - "+errCSRFOrigin.Error())
		return
	}
	req, ok := readLoginRequest(w, r)
	if !ok {
		return
	}
	ip := ipLimitKey(s.clientAddr(r))
	if blocked, wait := s.logins.blocked(ip, req.Username); blocked {
		s.logger.DebugContext(r.Context(), "sign-in refused: too many failures")
		w.Header().Set("Retry-After", ratelimit.RetryAfterSeconds(wait))
		writeMessage(w, http.StatusTooManyRequests, "Too many failed sign-in attempts. Try again later.")
		return
	}
	u, token, expires, err := s.ids.Login(r.Context(), req.Username, req.Password)
	switch {
	case identity.IsUnauthorized(err):
		s.logins.failed(ip, req.Username)
		writeMessage(w, http.StatusUnauthorized, "invalid username or password")
		return
	case err != nil:
		s.logger.ErrorContext(r.Context(), "sign-in failed", "err", err)
		writeMessage(w, http.StatusInternalServerError, "500 Internal Server Error")
		return
	}
	s.logins.succeeded(req.Username)
	http.SetCookie(w, s.sessionCookie(token, expires))
	writeJSON(w, http.StatusOK, s.sessionUser(r, u))
}

// logout handles DELETE /api/session: the session the cookie names ends on
// the server (on every replica at once) and the browser drops the cookie.
// It answers 204 whether or not there was a session.
func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if !s.sameOrigin(r) {
		writeMessage(w, http.StatusForbidden, "403 Forbidden - "+errCSRFOrigin.Error())
		return
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := s.ids.Logout(r.Context(), c.Value); err != nil {
			s.logger.ErrorContext(r.Context(), "sign-out failed", "err", err)
			writeMessage(w, http.StatusInternalServerError, "500 Internal Server Error")
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
		writeJSON(w, http.StatusUnsupportedMediaType, errorBody{"Content-Type must be application/json"})
		return req, false
	}
	if r.ContentLength > MaxBodyBytes {
		writeJSON(w, http.StatusRequestEntityTooLarge, errorBody{"request body is larger than 1 MiB"})
		return req, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeJSON(w, http.StatusRequestEntityTooLarge, errorBody{"request body is larger than 1 MiB"})
		return req, false
	case err != nil:
		writeJSON(w, http.StatusBadRequest, errorBody{"could not read the request body"})
		return req, false
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{`request body must be a JSON object {"username": string, "password": string}`})
		return req, false
	}
	if !kickoff.CleanText(req.Username) {
		writeJSON(w, http.StatusBadRequest, errorBody{"username must not contain NUL characters"})
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
		writeJSON(w, http.StatusBadRequest, errorBody{strings.Join(missing, ", ")})
		return req, false
	}
	return req, true
}

// sessionCookie expires with the JWT inside it.
func (s *server) sessionCookie(token string, expires time.Time) *http.Cookie {
	return &http.Cookie{
		Name:     SessionCookie,
		Value:    token,
		Path:     "/",
		MaxAge:   max(1, int(time.Until(expires).Seconds())),
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteStrictMode,
	}
}

// clearedSessionCookie tells the browser to drop the session cookie; its
// attributes match the original so the browser replaces it.
func (s *server) clearedSessionCookie() *http.Cookie {
	return &http.Cookie{
		Name:     SessionCookie,
		Value:    "",
		Path:     "/",
		MaxAge:   -1, // sent as Max-Age=0
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteStrictMode,
	}
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
