package gitlab

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/server/gitlab/restparams"
	"github.com/kickoff-ci/kickoff/server/httpjson"
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

// WriteError answers err with GitLab's REST status and body, "404 Not
// Found" for what was not found; the runner API shares it.
func WriteError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	writeGitLabError(w, r, logger, err, plainNotFound)
}

// writeGitLabError maps a domain error to GitLab's REST status and body.
// Internal errors are logged and answered without detail.
func writeGitLabError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error, nf notFound) {
	var perr *restparams.Error
	if errors.As(err, &perr) {
		httpjson.Write(w, perr.Status, perr.Body)
		return
	}
	switch kickoff.ErrorCode(err) {
	case kickoff.EUnauthorized:
		httpjson.Message(w, http.StatusUnauthorized, "401 Unauthorized")
	case kickoff.EForbidden:
		if errors.Is(err, authz.ErrInsufficientRole) {
			httpjson.Message(w, http.StatusForbidden, "403 Forbidden")
			return
		}
		httpjson.Message(w, http.StatusForbidden, "403 Forbidden - "+kickoff.ErrorMessage(err))
	case kickoff.ENotFound:
		httpjson.Message(w, http.StatusNotFound, string(nf))
	case kickoff.EInvalid:
		httpjson.Write(w, http.StatusBadRequest, map[string]string{"error": kickoff.ErrorMessage(err)})
	case kickoff.EConflict:
		httpjson.Message(w, http.StatusConflict, kickoff.ErrorMessage(err))
	case kickoff.ERateLimited:
		httpjson.Message(w, http.StatusTooManyRequests, kickoff.ErrorMessage(err))
	default:
		logger.ErrorContext(r.Context(), "REST request failed", "route", r.Pattern, "err", err)
		httpjson.Message(w, http.StatusInternalServerError, "500 Internal Server Error")
	}
}
