package gitlab

import (
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/pipelines"
	"github.com/kickoff-ci/kickoff/domain/refs"
	"github.com/kickoff-ci/kickoff/domain/triggers"
	"github.com/kickoff-ci/kickoff/internal/ratelimit"
	"github.com/kickoff-ci/kickoff/server/gitlab/restparams"
	"github.com/kickoff-ci/kickoff/server/httpjson"
)

// triggerPipelineAPI serves the endpoints that start pipelines with a trigger
// token: GitLab's POST /projects/:id/trigger/pipeline, its webhook form
// /projects/:id/ref/:ref/trigger/pipeline, and the one-URL /api/trigger/:token.
type triggerPipelineAPI struct {
	pipelines *pipelines.Service
	publicURL func(*http.Request) *url.URL
	clientIP  func(*http.Request) netip.Addr
	// floods counts unknown tokens per client IP; past its threshold the
	// IP's calls get 429 before any database work.
	floods  *floodGuard
	maxBody int64
	// maxWait bounds the wait parameter.
	maxWait time.Duration
	logger  *slog.Logger
}

// form says which endpoint a request came to.
type form int

const (
	formGitLab  form = iota // POST /projects/:id/trigger/pipeline
	formWebhook             // POST /projects/:id/ref/:ref/trigger/pipeline
	formOneURL              // POST /api/trigger/:token
)

func (a *triggerPipelineAPI) gitlab(w http.ResponseWriter, r *http.Request) {
	a.serve(w, r, formGitLab, r.PathValue("id"), "")
}

// webhook handles /projects/:id/ref/<ref>/trigger/pipeline. The ref may hold
// unescaped slashes (GitLab's route allows any ref), so the route is a
// catch-all and the suffix is cut here.
func (a *triggerPipelineAPI) webhook(w http.ResponseWriter, r *http.Request) {
	rest := r.PathValue("rest")
	ref, ok := strings.CutSuffix(rest, "/trigger/pipeline")
	if !ok || ref == "" {
		httpjson.NotFound(w, r)
		return
	}
	a.serve(w, r, formWebhook, r.PathValue("id"), ref)
}

func (a *triggerPipelineAPI) oneURL(w http.ResponseWriter, r *http.Request) {
	a.serve(w, r, formOneURL, "", "")
}

// serve runs SPEC §5's checks in order and answers with GitLab's bodies.
func (a *triggerPipelineAPI) serve(w http.ResponseWriter, r *http.Request, f form, projectRef, pathRef string) {
	if r.Header.Get("X-Gitlab-Event") == "Pipeline Hook" {
		// A pipeline event webhook pointed back at a trigger would loop forever.
		httpjson.Message(w, http.StatusForbidden, "403 Forbidden")
		return
	}
	params, err := restparams.Parse(r, a.maxBody)
	if err != nil {
		a.fail(w, r, "", err)
		return
	}
	req, wait, err := a.request(r, params, f, projectRef, pathRef)
	if err != nil {
		a.fail(w, r, req.Token, err)
		return
	}
	// After the checks above, which need no database, and before the token
	// is looked up: a flooding IP costs nothing more past its threshold.
	if blocked, wait := a.floods.blocked(ratelimit.IPKey(req.ClientIP), req.Token); blocked {
		tooManyUnknownTokens(w, wait)
		return
	}
	p, replayed, err := a.pipelines.Trigger(r.Context(), req)
	if errors.Is(err, pipelines.ErrPing) {
		httpjson.Write(w, http.StatusOK, map[string]string{"status": "pong"})
		return
	}
	if err != nil {
		a.fail(w, r, req.Token, err)
		return
	}
	a.floods.accepted(req.Token)
	p, ok := awaitAsked(w, r, a.pipelines, p, wait, func(err error) { a.fail(w, r, req.Token, err) })
	if !ok {
		return
	}
	body, err := RenderPipeline(r.Context(), p, a.publicURL(r))
	if err != nil {
		a.fail(w, r, req.Token, err)
		return
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	status := http.StatusCreated
	if f == formOneURL {
		status = http.StatusOK // the one-URL trigger answers 200, as its users' scripts expect
	}
	httpjson.Write(w, status, body)
}

// request reads the parameters, answering missing ones like GitLab's Grape:
// "ref is missing, ref is empty, token is missing", only the parts that
// apply. wait is Kickoff's optional wait parameter, nil when absent.
func (a *triggerPipelineAPI) request(r *http.Request, params *restparams.Params, f form, projectRef, pathRef string) (req pipelines.TriggerRequest, wait *time.Duration, err error) {
	req = pipelines.TriggerRequest{
		ProjectRef: projectRef, Ref: pathRef,
		IdempotencyKey: r.Header.Get("Idempotency-Key"),
		ClientIP:       a.clientIP(r),
		Signature: triggers.Signature{
			Timestamp: r.Header.Get(triggers.TimestampHeader), Value: r.Header.Get(triggers.SignatureHeader),
			Body:   params.Body(),
			GitHub: r.Header.Get(triggers.GitHubSignatureHeader), Delivery: r.Header.Get(triggers.GitHubDeliveryHeader),
			Event:       r.Header.Get(triggers.GitHubEventHeader),
			GitLabToken: r.Header.Get(triggers.GitLabTokenHeader), GitLabEvent: r.Header.Get(triggers.GitLabEventHeader),
			StandardID: r.Header.Get("webhook-id"), StandardTimestamp: r.Header.Get("webhook-timestamp"),
			StandardSignature: r.Header.Get("webhook-signature"),
			Header:            r.Header.Get,
		},
	}
	var missing []string
	if f != formWebhook {
		ref, present := params.String("ref")
		switch {
		case !present && f == formGitLab:
			missing = append(missing, "ref is missing", "ref is empty")
		case present && strings.TrimSpace(ref) == "":
			missing = append(missing, "ref is empty")
		}
		req.Ref = ref
	}
	if f == formOneURL {
		req.Token = r.PathValue("token")
	} else {
		token, present := params.String("token")
		switch {
		case !present:
			missing = append(missing, "token is missing")
		case strings.TrimSpace(token) == "":
			missing = append(missing, "token is empty")
		}
		req.Token = token
	}
	if len(missing) > 0 {
		return req, nil, kickoff.Errorf(kickoff.EInvalid, "%s", strings.Join(missing, ", "))
	}
	if req.Variables, err = params.Variables(); err != nil {
		return req, nil, err
	}
	// The webhook form's body is someone else's payload, which may well
	// have a "wait" of its own: there, only the query string sets it.
	rawWait, present := params.String("wait")
	if f == formWebhook {
		present = r.URL.Query().Has("wait")
		rawWait = r.URL.Query().Get("wait")
	}
	if present {
		if wait, err = waitParam(rawWait, a.maxWait); err != nil {
			return req, nil, err
		}
	}
	if f == formWebhook {
		omit := []string{"token"}
		if present {
			omit = append(omit, "wait")
		}
		if req.Payload, err = params.Payload(omit...); err != nil {
			return req, nil, err
		}
	}
	return req, wait, nil
}

// fail answers an error with GitLab's status and body for the trigger
// endpoints; token is the one presented, "" when not read yet.
func (a *triggerPipelineAPI) fail(w http.ResponseWriter, r *http.Request, token string, err error) {
	if writeRefError(w, err) {
		return
	}
	switch {
	case errors.Is(err, pipelines.ErrDuplicatePayload):
		httpjson.Message(w, http.StatusUnprocessableEntity, baseErrors(kickoff.ErrorMessage(err)))
		return
	case errors.Is(err, triggers.ErrSignature):
		httpjson.Message(w, http.StatusUnauthorized, "401 Unauthorized - "+kickoff.ErrorMessage(err))
		return
	}
	if wait, ok := kickoff.RetryAfter(err); ok {
		w.Header().Set("Retry-After", ratelimit.RetryAfterSeconds(wait))
	}
	if kickoff.ErrorCode(err) == kickoff.ENotFound {
		if ok, wait := a.floods.failed(ratelimit.IPKey(a.clientIP(r)), token); !ok {
			tooManyUnknownTokens(w, wait)
			return
		}
	}
	writeGitLabError(w, r, a.logger, err, plainNotFound)
}

// tooManyUnknownTokens answers a client IP past its unknown-token threshold.
func tooManyUnknownTokens(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", ratelimit.RetryAfterSeconds(wait))
	httpjson.Message(w, http.StatusTooManyRequests, "Too many requests with invalid trigger tokens. Try again later.")
}

// writeRefError answers a ref that is unknown or ambiguous as GitLab does
// when creating a pipeline, reporting whether err was one.
func writeRefError(w http.ResponseWriter, err error) bool {
	if errors.Is(err, refs.ErrNotFound) || errors.Is(err, refs.ErrAmbiguous) {
		httpjson.Message(w, http.StatusBadRequest, baseErrors(kickoff.ErrorMessage(err)))
		return true
	}
	return false
}

// baseErrors is GitLab's validation body: {"base": [msg]}.
func baseErrors(msg string) map[string][]string {
	return map[string][]string{"base": {msg}}
}
