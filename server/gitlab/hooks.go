package gitlab

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/webhooks"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/server/gitlab/restparams"
	"github.com/kickoff-ci/kickoff/server/httpjson"
)

// hookAPI serves GitLab's project hooks API (/api/v4/projects/:id/hooks),
// the pipeline events subset, with Kickoff's filters and signing.
type hookAPI struct {
	hooks     *webhooks.Service
	publicURL func(*http.Request) *url.URL
	maxBody   int64
	logger    *slog.Logger
}

const hookNotFound notFound = "404 Hook Not Found"

// hookJSON is GitLab's ProjectHook entity (pipeline events only; the other
// event kinds are always false) with Kickoff's fields.
type hookJSON struct {
	ID                    int          `json:"id"`
	URL                   string       `json:"url"`
	Name                  string       `json:"name"`
	Description           string       `json:"description"`
	ProjectID             int          `json:"project_id"`
	PushEvents            bool         `json:"push_events"`
	TagPushEvents         bool         `json:"tag_push_events"`
	MergeRequestsEvents   bool         `json:"merge_requests_events"`
	JobEvents             bool         `json:"job_events"`
	PipelineEvents        bool         `json:"pipeline_events"`
	EnableSSLVerification bool         `json:"enable_ssl_verification"`
	AlertStatus           string       `json:"alert_status"`
	DisabledUntil         *gitlabTime  `json:"disabled_until"`
	DisabledReason        string       `json:"disabled_reason,omitempty"`
	CustomHeaders         []headerName `json:"custom_headers"`
	Statuses              []string     `json:"statuses"`
	RefGlobs              []string     `json:"ref_globs"`
	CreatedAt             gitlabTime   `json:"created_at"`
	// SigningSecret is in the answer to POST only: shown once.
	SigningSecret string `json:"signing_secret,omitempty"`
}

type headerName struct {
	Key string `json:"key"`
}

func renderHook(h *ent.Webhook) hookJSON {
	j := hookJSON{
		ID: h.ID, URL: h.URL, Name: h.Name, Description: h.Description, ProjectID: h.ProjectID,
		PipelineEvents: h.PipelineEvents, EnableSSLVerification: h.EnableSslVerification,
		AlertStatus: "executable", CustomHeaders: []headerName{},
		Statuses: nonNil(h.Statuses), RefGlobs: nonNil(h.RefGlobs), CreatedAt: gitlabTime(h.CreatedAt),
	}
	if h.DisabledAt != nil {
		j.AlertStatus, j.DisabledReason = "disabled", h.DisabledReason
	}
	for _, k := range h.CustomHeaderNames {
		j.CustomHeaders = append(j.CustomHeaders, headerName{Key: k})
	}
	return j
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (a *hookAPI) fail(w http.ResponseWriter, r *http.Request, err error) {
	nf := projectNotFound
	switch {
	case webhooks.IsHookNotFound(err):
		nf = hookNotFound
	case webhooks.IsDeliveryNotFound(err):
		nf = plainNotFound
	}
	writeGitLabError(w, r, a.logger, err, nf)
}

func (a *hookAPI) list(w http.ResponseWriter, r *http.Request) {
	q, _, err := a.hooks.List(r.Context(), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	err = writeList(w, r, a.publicURL(r), listPage[*ent.Webhook, hookJSON]{
		count: q.Clone().Count,
		load: func(ctx context.Context, offset, limit int) ([]*ent.Webhook, error) {
			return q.Order(ent.Asc("id")).Offset(offset).Limit(limit).All(ctx)
		},
		render: func(h *ent.Webhook) (hookJSON, error) { return renderHook(h), nil },
	})
	if err != nil {
		a.fail(w, r, err)
	}
}

func (a *hookAPI) get(w http.ResponseWriter, r *http.Request) {
	h, err := a.lookup(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, renderHook(h))
}

func (a *hookAPI) create(w http.ResponseWriter, r *http.Request) {
	in, err := a.input(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	c, err := a.hooks.Create(r.Context(), r.PathValue("id"), in)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	j := renderHook(c.Hook)
	j.SigningSecret = c.SigningSecret
	httpjson.Write(w, http.StatusCreated, j)
}

func (a *hookAPI) update(w http.ResponseWriter, r *http.Request) {
	in, err := a.input(r)
	if err == nil {
		var id int
		if id, err = a.hookID(r); err == nil {
			var h *ent.Webhook
			if h, err = a.hooks.Update(r.Context(), r.PathValue("id"), id, in); err == nil {
				httpjson.Write(w, http.StatusOK, renderHook(h))
				return
			}
		}
	}
	a.fail(w, r, err)
}

func (a *hookAPI) delete(w http.ResponseWriter, r *http.Request) {
	id, err := a.hookID(r)
	if err == nil {
		err = a.hooks.Delete(r.Context(), r.PathValue("id"), id)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// test answers POST …/hooks/:hook_id/test/pipeline_events as GitLab does:
// 201 {"message":"201 Created"} once the receiver answered 2xx, else 422
// with what went wrong.
func (a *hookAPI) test(w http.ResponseWriter, r *http.Request) {
	h, err := a.lookup(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d, err := a.hooks.Test(r.Context(), h)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.answerAttempt(w, d)
}

func (a *hookAPI) answerAttempt(w http.ResponseWriter, d *ent.WebhookDelivery) {
	if d.State == "delivered" {
		httpjson.Message(w, http.StatusCreated, "201 Created")
		return
	}
	msg := d.Error
	if d.ResponseStatus != nil {
		msg = "[Hook execution failed] the receiver answered HTTP " + strconv.Itoa(*d.ResponseStatus)
	}
	httpjson.Message(w, http.StatusUnprocessableEntity, msg)
}

// deliveryJSON is an entry of the delivery log (GitLab's WebHookLog, with
// Kickoff's state and attempts).
type deliveryJSON struct {
	ID             int               `json:"id"`
	UUID           string            `json:"uuid"`
	Trigger        string            `json:"trigger"`
	Status         string            `json:"pipeline_status"`
	State          string            `json:"state"`
	Attempts       int               `json:"attempts"`
	ResponseStatus *int              `json:"response_status"`
	ResponseBody   string            `json:"response_body"`
	Error          string            `json:"error"`
	ExecutionDur   *float64          `json:"execution_duration"`
	RequestHeaders map[string]string `json:"request_headers"`
	URL            string            `json:"url"`
	CreatedAt      gitlabTime        `json:"created_at"`
	LastAttemptAt  *gitlabTime       `json:"last_attempt_at"`
	ResentFromID   *int              `json:"resent_from_id"`
}

func renderDelivery(h *ent.Webhook, d *ent.WebhookDelivery) deliveryJSON {
	j := deliveryJSON{
		ID: d.ID, UUID: d.UUID, Trigger: string(d.Kind) + "_hooks", Status: d.Status, State: string(d.State),
		Attempts: d.Attempts, ResponseStatus: d.ResponseStatus, ResponseBody: d.ResponseBody, Error: d.Error,
		RequestHeaders: d.RequestHeaders, URL: h.URL, CreatedAt: gitlabTime(d.CreatedAt),
		LastAttemptAt: timePtr(d.LastAttemptAt), ResentFromID: d.ResentFromID,
	}
	if j.RequestHeaders == nil {
		j.RequestHeaders = map[string]string{}
	}
	if d.DurationMs != nil {
		s := float64(*d.DurationMs) / 1000
		j.ExecutionDur = &s
	}
	return j
}

func (a *hookAPI) events(w http.ResponseWriter, r *http.Request) {
	h, err := a.lookup(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	q := a.hooks.Deliveries(r.Context(), h)
	err = writeList(w, r, a.publicURL(r), listPage[*ent.WebhookDelivery, deliveryJSON]{
		count: q.Clone().Count,
		load: func(ctx context.Context, offset, limit int) ([]*ent.WebhookDelivery, error) {
			return q.Offset(offset).Limit(limit).All(ctx)
		},
		render: func(d *ent.WebhookDelivery) (deliveryJSON, error) { return renderDelivery(h, d), nil },
	})
	if err != nil {
		a.fail(w, r, err)
	}
}

func (a *hookAPI) resend(w http.ResponseWriter, r *http.Request) {
	h, err := a.lookup(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	id, err := strconv.Atoi(r.PathValue("event_id"))
	if err != nil || id <= 0 {
		a.fail(w, r, kickoff.Errorf(kickoff.EInvalid, "event_id is invalid"))
		return
	}
	d, err := a.hooks.Resend(r.Context(), h, id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.answerAttempt(w, d)
}

// hookID reads :hook_id; a malformed one is reported after access is checked.
func (a *hookAPI) hookID(r *http.Request) (int, error) {
	id, err := strconv.Atoi(r.PathValue("hook_id"))
	if err != nil || id <= 0 {
		if _, _, err := a.hooks.List(r.Context(), r.PathValue("id")); err != nil {
			return 0, err
		}
		return 0, kickoff.Errorf(kickoff.EInvalid, "hook_id is invalid")
	}
	return id, nil
}

func (a *hookAPI) lookup(r *http.Request) (*ent.Webhook, error) {
	id, err := a.hookID(r)
	if err != nil {
		return nil, err
	}
	return a.hooks.Get(r.Context(), r.PathValue("id"), id)
}

// input reads a hook's parameters as GitLab's API names them.
func (a *hookAPI) input(r *http.Request) (webhooks.Input, error) {
	params, err := restparams.Parse(r, a.maxBody)
	if err != nil {
		return webhooks.Input{}, err
	}
	var in webhooks.Input
	str := func(name string) *string {
		if v, ok := params.String(name); ok {
			return &v
		}
		return nil
	}
	in.URL, in.Name, in.Description, in.Token = str("url"), str("name"), str("description"), str("token")
	if in.PipelineEvents, err = optionalBool(params, "pipeline_events"); err != nil {
		return in, err
	}
	if in.EnableSSLVerification, err = optionalBool(params, "enable_ssl_verification"); err != nil {
		return in, err
	}
	if in.CustomHeaders, err = customHeaders(params); err != nil {
		return in, err
	}
	if in.Statuses, err = stringList(params, "statuses"); err != nil {
		return in, err
	}
	in.RefGlobs, err = stringList(params, "ref_globs")
	return in, err
}

func optionalBool(p *restparams.Params, name string) (*bool, error) {
	raw, ok := p.String(name)
	if !ok {
		return nil, nil
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		return nil, kickoff.Errorf(kickoff.EInvalid, "%s is invalid", name)
	}
	return &b, nil
}

// customHeaders reads custom_headers: [{key, value}] in JSON, or the form
// fields custom_headers[][key]=…&custom_headers[][value]=….
func customHeaders(p *restparams.Params) (*[]webhooks.Header, error) {
	v, ok := p.Value("custom_headers")
	if !ok {
		return nil, nil
	}
	list, ok := v.([]any)
	if v == nil {
		list, ok = []any{}, true
	}
	if !ok {
		return nil, kickoff.Errorf(kickoff.EInvalid, "custom_headers is invalid: want an array of {key, value}")
	}
	out := make([]webhooks.Header, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		key, kok := m["key"].(string)
		value, vok := m["value"].(string)
		if !ok || !kok || !vok {
			return nil, kickoff.Errorf(kickoff.EInvalid, "custom_headers is invalid: want an array of {key, value}")
		}
		out = append(out, webhooks.Header{Key: key, Value: value})
	}
	return &out, nil
}

// stringList reads an array of strings, or one comma-separated string.
func stringList(p *restparams.Params, name string) (*[]string, error) {
	v, ok := p.Value(name)
	if !ok {
		return nil, nil
	}
	var out []string
	switch t := v.(type) {
	case nil:
	case string:
		for _, s := range strings.Split(t, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	case []any:
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, kickoff.Errorf(kickoff.EInvalid, "%s is invalid: want strings", name)
			}
			out = append(out, s)
		}
	default:
		return nil, kickoff.Errorf(kickoff.EInvalid, "%s is invalid: want an array of strings", name)
	}
	return &out, nil
}
