package server

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/server/restparams"
)

// gitlabTime marshals like GitLab's API times: RFC 3339, UTC, milliseconds.
type gitlabTime time.Time

func (t gitlabTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z07:00") + `"`), nil
}

func timePtr(t *time.Time) *gitlabTime {
	if t == nil {
		return nil
	}
	g := gitlabTime(*t)
	return &g
}

// userBasic is GitLab's UserBasic entity.
type userBasic struct {
	ID        int     `json:"id"`
	Username  string  `json:"username"`
	Name      string  `json:"name"`
	State     string  `json:"state"`
	AvatarURL *string `json:"avatar_url"`
	WebURL    string  `json:"web_url"`
}

func newUserBasic(u *ent.User, base *url.URL) *userBasic {
	if u == nil {
		return nil
	}
	return &userBasic{
		ID: u.ID, Username: u.Username, Name: u.Name, State: string(u.State),
		WebURL: base.JoinPath(u.Username).String(),
	}
}

// notFound names what was not found, as GitLab's 404 bodies do.
type notFound string

const (
	projectNotFound notFound = "404 Project Not Found"
	triggerNotFound notFound = "404 Trigger Not Found"
	plainNotFound   notFound = "404 Not Found"
)

// writeGitLabError maps a domain error to GitLab's REST status and body.
// Internal errors are logged and answered without detail.
func writeGitLabError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error, nf notFound) {
	var perr *restparams.Error
	if errors.As(err, &perr) {
		writeJSON(w, perr.Status, perr.Body)
		return
	}
	switch kickoff.ErrorCode(err) {
	case kickoff.EUnauthorized:
		writeMessage(w, http.StatusUnauthorized, "401 Unauthorized")
	case kickoff.EForbidden:
		if errors.Is(err, authz.ErrInsufficientRole) {
			writeMessage(w, http.StatusForbidden, "403 Forbidden")
			return
		}
		writeMessage(w, http.StatusForbidden, "403 Forbidden - "+kickoff.ErrorMessage(err))
	case kickoff.ENotFound:
		writeMessage(w, http.StatusNotFound, string(nf))
	case kickoff.EInvalid:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": kickoff.ErrorMessage(err)})
	case kickoff.EConflict:
		writeMessage(w, http.StatusConflict, kickoff.ErrorMessage(err))
	case kickoff.ERateLimited:
		writeMessage(w, http.StatusTooManyRequests, kickoff.ErrorMessage(err))
	default:
		logger.ErrorContext(r.Context(), "REST request failed", "route", routeOf(r), "err", err)
		writeMessage(w, http.StatusInternalServerError, "500 Internal Server Error")
	}
}
