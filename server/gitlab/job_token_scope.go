package gitlab

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/jobtokens"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/server/gitlab/restparams"
	"github.com/kickoff-ci/kickoff/server/httpjson"
)

// jobTokenScopeAPI serves GitLab's CI/CD job token inbound allowlist API
// (/api/v4/projects/:id/job_token_scope/allowlist). Handlers translate;
// jobtokens decides.
type jobTokenScopeAPI struct {
	jobs      *jobtokens.Service
	publicURL func(*http.Request) *url.URL
	maxBody   int64
	logger    *slog.Logger
}

// projectBasic is GitLab's BasicProjectDetails entity, in the fields Kickoff has.
type projectBasic struct {
	ID                int        `json:"id"`
	Description       string     `json:"description"`
	Name              string     `json:"name"`
	Path              string     `json:"path"`
	PathWithNamespace string     `json:"path_with_namespace"`
	CreatedAt         gitlabTime `json:"created_at"`
	DefaultBranch     string     `json:"default_branch"`
	WebURL            string     `json:"web_url"`
}

func newProjectBasic(p *ent.Project, base *url.URL) projectBasic {
	return projectBasic{
		ID: p.ID, Description: p.Description, Name: p.Name, Path: path.Base(p.FullPath),
		PathWithNamespace: p.FullPath, CreatedAt: gitlabTime(p.CreatedAt),
		DefaultBranch: p.DefaultBranch, WebURL: base.JoinPath(p.FullPath).String(),
	}
}

// scopeLinkJSON is GitLab's ProjectScopeLink entity: in GitLab's words the
// allowlist's project is the link's source, the allowed project its target.
type scopeLinkJSON struct {
	SourceProjectID int `json:"source_project_id"`
	TargetProjectID int `json:"target_project_id"`
}

// list answers GET /projects/:id/job_token_scope/allowlist, paginated like GitLab.
func (a *jobTokenScopeAPI) list(w http.ResponseWriter, r *http.Request) {
	// Access first: who may not list learns nothing about its parameters.
	_, q, err := a.jobs.Allowlist(r.Context(), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	base := a.publicURL(r)
	err = writeList(w, r, base, listPage[*ent.Project, projectBasic]{
		count: q.Clone().Count,
		load: func(ctx context.Context, offset, limit int) ([]*ent.Project, error) {
			return q.Order(ent.Asc("id")).Offset(offset).Limit(limit).All(ctx)
		},
		render: func(p *ent.Project) (projectBasic, error) { return newProjectBasic(p, base), nil },
	})
	if err != nil {
		a.fail(w, r, err)
	}
}

// add answers POST /projects/:id/job_token_scope/allowlist (target_project_id).
func (a *jobTokenScopeAPI) add(w http.ResponseWriter, r *http.Request) {
	params, err := restparams.Parse(r, a.maxBody)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	raw, present := params.String("target_project_id")
	target, inputErr := projectID("target_project_id", raw, present)
	e, err := a.jobs.Add(r.Context(), r.PathValue("id"), target, inputErr)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusCreated, scopeLinkJSON{SourceProjectID: e.ProjectID, TargetProjectID: e.AllowedProjectID})
}

// remove answers DELETE /projects/:id/job_token_scope/allowlist/:target_project_id.
func (a *jobTokenScopeAPI) remove(w http.ResponseWriter, r *http.Request) {
	target, inputErr := projectID("target_project_id", r.PathValue("target_project_id"), true)
	if err := a.jobs.Remove(r.Context(), r.PathValue("id"), target, inputErr); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// fail answers like GitLab, which reports an allowlist that already has, or
// lacks, the target as a 400 "Bad request" rather than a conflict.
func (a *jobTokenScopeAPI) fail(w http.ResponseWriter, r *http.Request, err error) {
	if kickoff.ErrorCode(err) == kickoff.EConflict {
		httpjson.Message(w, http.StatusBadRequest, "400 Bad request - "+kickoff.ErrorMessage(err))
		return
	}
	writeGitLabError(w, r, a.logger, err, projectNotFound)
}

// projectID checks a numeric project ID parameter as Grape's Integer type
// does; the domain reports the error once the viewer may see the answer.
func projectID(name, raw string, present bool) (string, error) {
	if !present {
		return "", kickoff.Errorf(kickoff.EInvalid, "%s is missing", name)
	}
	if id, err := strconv.Atoi(raw); err != nil || id <= 0 {
		return "", kickoff.Errorf(kickoff.EInvalid, "%s is invalid", name)
	}
	return raw, nil
}
