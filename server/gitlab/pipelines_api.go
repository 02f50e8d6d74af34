package gitlab

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/pipelines"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/server/gitlab/restparams"
	"github.com/kickoff-ci/kickoff/server/httpjson"
)

// pipelineAPI serves GitLab's pipelines API (/api/v4/projects/:id/pipelines
// and POST /projects/:id/pipeline) for personal access tokens. Handlers
// translate; package pipelines decides, as it does for GraphQL.
type pipelineAPI struct {
	pipelines *pipelines.Service
	publicURL func(*http.Request) *url.URL
	maxBody   int64
	// maxWait bounds the wait parameter of create.
	maxWait time.Duration
	logger  *slog.Logger
}

// pipelineNotFound is GitLab's body for an unknown pipeline (Rails'
// RecordNotFound, lower-case "found").
const pipelineNotFound notFound = "404 Not found"

func (a *pipelineAPI) fail(w http.ResponseWriter, r *http.Request, err error) {
	if writeRefError(w, err) {
		return
	}
	nf := projectNotFound
	if pipelines.IsPipelineNotFound(err) {
		nf = pipelineNotFound
	}
	writeGitLabError(w, r, a.logger, err, nf)
}

// list answers GET /projects/:id/pipelines with GitLab's filters, paginated.
func (a *pipelineAPI) list(w http.ResponseWriter, r *http.Request) {
	params, err := restparams.Parse(r, a.maxBody)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	str := func(name string) string { v, _ := params.String(name); return v }
	f := pipelines.ListFilter{
		Scope: str("scope"), Status: str("status"), Source: str("source"),
		Ref: str("ref"), SHA: str("sha"), Username: str("username"),
		OrderBy: str("order_by"), Sort: str("sort"),
	}
	for name, dst := range map[string]**time.Time{
		"updated_after": &f.UpdatedAfter, "updated_before": &f.UpdatedBefore,
		"created_after": &f.CreatedAfter, "created_before": &f.CreatedBefore,
	} {
		t, err := optionalTime(params, name)
		if err != nil && f.InputErr == nil {
			f.InputErr = err // answered once the viewer may read the project
		}
		*dst = t
	}
	pq, proj, err := a.pipelines.List(r.Context(), r.PathValue("id"), f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	base := a.publicURL(r)
	err = writeList(w, r, base, listPage[*ent.Pipeline, PipelineBasic]{
		count: pq.Clone().Count,
		load: func(ctx context.Context, offset, limit int) ([]*ent.Pipeline, error) {
			return pq.Offset(offset).Limit(limit).All(ctx)
		},
		render: func(p *ent.Pipeline) (PipelineBasic, error) { return renderBasic(p, proj, base), nil },
	})
	if err != nil {
		a.fail(w, r, err)
	}
}

// get answers GET /projects/:id/pipelines/:pipeline_id.
func (a *pipelineAPI) get(w http.ResponseWriter, r *http.Request) {
	p, err := a.lookup(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK, p)
}

// latest answers GET /projects/:id/pipelines/latest?ref=.
func (a *pipelineAPI) latest(w http.ResponseWriter, r *http.Request) {
	params, err := restparams.Parse(r, a.maxBody)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ref, _ := params.String("ref")
	p, err := a.pipelines.Latest(r.Context(), r.PathValue("id"), ref)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK, p)
}

// variableJSON is GitLab's Ci::Variable entity as the pipeline variables
// endpoint shows it; value is null for who may not read values.
type variableJSON struct {
	Key          string  `json:"key"`
	VariableType string  `json:"variable_type"`
	Value        *string `json:"value"`
}

// GitLab's variable types.
const (
	envVarType = "env_var"
	fileType   = "file"
)

// variables answers GET /projects/:id/pipelines/:pipeline_id/variables.
func (a *pipelineAPI) variables(w http.ResponseWriter, r *http.Request) {
	p, err := a.lookup(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	vars, err := a.pipelines.VariablesFor(r.Context(), p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]variableJSON, len(vars))
	for i, v := range vars {
		out[i] = variableJSON{Key: v.Key, VariableType: envVarType, Value: v.Value}
		if v.File {
			out[i].VariableType = fileType
		}
	}
	httpjson.Write(w, http.StatusOK, out)
}

// create answers POST /projects/:id/pipeline: ref (required) and GitLab's
// variables array, with Kickoff's optional wait.
func (a *pipelineAPI) create(w http.ResponseWriter, r *http.Request) {
	params, err := restparams.Parse(r, a.maxBody)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	np, wait := a.newPipeline(r, params)
	p, err := a.pipelines.Create(r.Context(), np)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	p, ok := awaitAsked(w, r, a.pipelines, p, wait, func(err error) { a.fail(w, r, err) })
	if ok {
		a.respond(w, r, http.StatusCreated, p)
	}
}

// newPipeline reads create's parameters; what is wrong with them goes in
// InputErr, answered once the viewer may create pipelines.
func (a *pipelineAPI) newPipeline(r *http.Request, params *restparams.Params) (np pipelines.NewPipeline, wait *time.Duration) {
	np.ProjectRef = r.PathValue("id")
	ref, present := params.String("ref")
	np.Ref = ref
	vars, err := params.VariableArray()
	switch {
	case !present:
		err = kickoff.Errorf(kickoff.EInvalid, "ref is missing")
	case ref == "":
		err = kickoff.Errorf(kickoff.EInvalid, "ref is empty")
	}
	if err == nil {
		np.Variables, err = typedVariables(vars)
	}
	if raw, present := params.String("wait"); present && err == nil {
		wait, err = waitParam(raw, a.maxWait)
	}
	np.InputErr = err
	return np, wait
}

// typedVariables maps GitLab's variable_type (env_var, the default, or
// file) to Kickoff's file flag.
func typedVariables(vars []restparams.TypedVariable) ([]pipelines.Variable, error) {
	out := make([]pipelines.Variable, len(vars))
	for i, v := range vars {
		if v.Type != "" && v.Type != envVarType && v.Type != fileType {
			return nil, kickoff.Errorf(kickoff.EInvalid, "variables[variable_type] does not have a valid value")
		}
		out[i] = pipelines.Variable{Key: v.Key, Value: v.Value, File: v.Type == fileType}
	}
	return out, nil
}

// cancel answers POST /projects/:id/pipelines/:pipeline_id/cancel.
func (a *pipelineAPI) cancel(w http.ResponseWriter, r *http.Request) {
	a.change(w, r, a.pipelines.Cancel)
}

// retry answers POST /projects/:id/pipelines/:pipeline_id/retry.
func (a *pipelineAPI) retry(w http.ResponseWriter, r *http.Request) {
	a.change(w, r, a.pipelines.Retry)
}

// change runs a domain change (cancel, retry) on the :pipeline_id of the :id
// project and answers with the pipeline as it is then. The pipeline is
// looked up in the project first, so one of another project is not found.
func (a *pipelineAPI) change(w http.ResponseWriter, r *http.Request, do func(context.Context, int) (*ent.Pipeline, error)) {
	p, err := a.lookup(r)
	if err == nil {
		p, err = do(r.Context(), p.ID)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.respond(w, r, http.StatusCreated, p)
}

// delete answers DELETE /projects/:id/pipelines/:pipeline_id (Owner): 204.
func (a *pipelineAPI) delete(w http.ResponseWriter, r *http.Request) {
	p, err := a.lookup(r)
	if err == nil {
		err = a.pipelines.Delete(r.Context(), p.ID)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// lookup loads the :pipeline_id of the :id project for a Reporter.
func (a *pipelineAPI) lookup(r *http.Request) (*ent.Pipeline, error) {
	id, err := strconv.Atoi(r.PathValue("pipeline_id"))
	if err != nil || id <= 0 {
		// Access first, as for every input error.
		if _, err := a.pipelines.Readable(r.Context(), r.PathValue("id")); err != nil {
			return nil, err
		}
		return nil, kickoff.Errorf(kickoff.EInvalid, "pipeline_id is invalid")
	}
	return a.pipelines.Get(r.Context(), r.PathValue("id"), id)
}

func (a *pipelineAPI) respond(w http.ResponseWriter, r *http.Request, status int, p *ent.Pipeline) {
	body, err := RenderPipeline(r.Context(), p, a.publicURL(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpjson.Write(w, status, body)
}
