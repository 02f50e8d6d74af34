package gitlab

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/triggers"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/server/gitlab/restparams"
	"github.com/kickoff-ci/kickoff/server/httpjson"
)

// triggerAPI serves GitLab's pipeline trigger token API
// (/api/v4/projects/:id/triggers). Handlers translate; triggers decides.
type triggerAPI struct {
	triggers  *triggers.Service
	publicURL func(*http.Request) *url.URL
	maxBody   int64
	logger    *slog.Logger
}

// triggerJSON is GitLab's Ci::Trigger entity.
type triggerJSON struct {
	ID          int         `json:"id"`
	Description string      `json:"description"`
	CreatedAt   gitlabTime  `json:"created_at"`
	UpdatedAt   gitlabTime  `json:"updated_at"`
	LastUsed    *gitlabTime `json:"last_used"`
	ExpiresAt   *gitlabTime `json:"expires_at"`
	Owner       *userBasic  `json:"owner"`
	Token       string      `json:"token"`
}

func (a *triggerAPI) render(r *http.Request, t *ent.PipelineTrigger) (triggerJSON, error) {
	token, _, err := a.triggers.Token(r.Context(), t)
	if err != nil {
		return triggerJSON{}, err
	}
	owner := t.Edges.Owner
	if owner == nil {
		if owner, err = t.QueryOwner().Only(r.Context()); err != nil {
			return triggerJSON{}, err
		}
	}
	return triggerJSON{
		ID: t.ID, Description: t.Description,
		CreatedAt: gitlabTime(t.CreatedAt), UpdatedAt: gitlabTime(t.UpdatedAt),
		LastUsed: timePtr(t.LastUsedAt), ExpiresAt: timePtr(t.ExpiresAt),
		Owner: newUserBasic(owner, a.publicURL(r)), Token: token,
	}, nil
}

func (a *triggerAPI) fail(w http.ResponseWriter, r *http.Request, err error) {
	nf := projectNotFound
	if triggers.IsTriggerNotFound(err) {
		nf = triggerNotFound
	}
	writeGitLabError(w, r, a.logger, err, nf)
}

// list answers GET /projects/:id/triggers, paginated like GitLab.
func (a *triggerAPI) list(w http.ResponseWriter, r *http.Request) {
	// A listing only reads: every row's "may the viewer see the full
	// token" shares one membership lookup.
	r = r.WithContext(authz.WithLevelCache(r.Context()))
	// Access first: who may not list learns nothing about its parameters.
	q, _, err := a.triggers.ListQuery(r.Context(), r.PathValue("id"), false)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	err = writeList(w, r, a.publicURL(r), listPage[*ent.PipelineTrigger, triggerJSON]{
		count: q.Clone().Count,
		load: func(ctx context.Context, offset, limit int) ([]*ent.PipelineTrigger, error) {
			return q.WithOwner().Order(ent.Asc("id")).Offset(offset).Limit(limit).All(ctx)
		},
		render: func(t *ent.PipelineTrigger) (triggerJSON, error) { return a.render(r, t) },
	})
	if err != nil {
		a.fail(w, r, err)
	}
}

func (a *triggerAPI) get(w http.ResponseWriter, r *http.Request) {
	t, err := a.lookup(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK, t)
}

func (a *triggerAPI) create(w http.ResponseWriter, r *http.Request) {
	params, err := restparams.Parse(r, a.maxBody)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	description, _ := params.String("description")
	expiresAt, inputErr := optionalTime(params, "expires_at")
	t, err := a.triggers.Create(r.Context(), r.PathValue("id"),
		triggers.NewTrigger{Description: description, ExpiresAt: expiresAt, InputErr: inputErr})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.respond(w, r, http.StatusCreated, t)
}

func (a *triggerAPI) update(w http.ResponseWriter, r *http.Request) {
	params, err := restparams.Parse(r, a.maxBody)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	t, err := a.lookup(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var up triggers.TriggerUpdate
	if d, ok := params.String("description"); ok {
		up.Description = &d
	}
	if params.Has("expires_at") {
		if at, err := optionalTime(params, "expires_at"); err != nil {
			up.InputErr = err // reported once the viewer may edit the trigger
		} else {
			up.ExpiresAt = &at
		}
	}
	if t, err = a.triggers.Update(r.Context(), t.ID, up); err != nil {
		a.fail(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK, t)
}

func (a *triggerAPI) delete(w http.ResponseWriter, r *http.Request) {
	t, err := a.lookup(r)
	if err == nil {
		_, err = a.triggers.Revoke(r.Context(), t.ID)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// lookup loads the :trigger_id of the :id project for a Maintainer.
func (a *triggerAPI) lookup(r *http.Request) (*ent.PipelineTrigger, error) {
	id, err := strconv.Atoi(r.PathValue("trigger_id"))
	if err != nil || id <= 0 {
		// Access first, as for every input error.
		if _, _, err := a.triggers.ListQuery(r.Context(), r.PathValue("id"), false); err != nil {
			return nil, err
		}
		return nil, kickoff.Errorf(kickoff.EInvalid, "trigger_id is invalid")
	}
	return a.triggers.Get(r.Context(), r.PathValue("id"), id)
}

func (a *triggerAPI) respond(w http.ResponseWriter, r *http.Request, status int, t *ent.PipelineTrigger) {
	j, err := a.render(r, t)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpjson.Write(w, status, j)
}

// optionalTime reads an ISO 8601 date or date-time parameter; blank is nil.
func optionalTime(p *restparams.Params, name string) (*time.Time, error) {
	raw, ok := p.String(name)
	if !ok || raw == "" {
		return nil, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, raw); err == nil {
			return &t, nil
		}
	}
	return nil, kickoff.Errorf(kickoff.EInvalid, "%s is invalid", name)
}
