package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/joblogs"
	"github.com/kickoff-ci/kickoff/domain/pipelines"
	"github.com/kickoff-ci/kickoff/domain/runners"
	"github.com/kickoff-ci/kickoff/server/gitlab"
	"github.com/kickoff-ci/kickoff/server/gitlab/restparams"
	"github.com/kickoff-ci/kickoff/server/httpjson"
)

// runnerAPI serves the runner endpoints (SPEC §6): claiming pipelines with a
// runner token and reporting on them with the job token a claim hands out.
// Both authenticate by "Authorization: Bearer", never by cookies or PATs.
type runnerAPI struct {
	runners   *runners.Service
	pipelines *pipelines.Service
	logs      *joblogs.Service
	publicURL func(*http.Request) *url.URL
	logger    *slog.Logger
}

// jobJSON is the answer to a successful claim.
type jobJSON struct {
	Pipeline  gitlab.Pipeline      `json:"pipeline"`
	Variables []pipelines.Variable `json:"variables"`
	JobToken  string               `json:"job_token"`
}

// errBodyTooLarge is answered with 413.
var errBodyTooLarge = errors.New(bodyTooLarge)

// requestJob is POST /api/v1/runner/jobs/request: 201 with a job, or 204.
func (a *runnerAPI) requestJob(w http.ResponseWriter, r *http.Request) {
	runner, err := a.runners.Authenticate(r.Context(), bearerToken(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var body struct {
		WaitSeconds *int `json:"wait_seconds"`
	}
	if err := readJSON(w, r, &body); err != nil {
		a.fail(w, r, err)
		return
	}
	wait, err := runners.WaitFor(deref(body.WaitSeconds))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	job, err := a.runners.RequestJob(r.Context(), runner, wait)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if job == nil {
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	p, err := gitlab.RenderPipeline(r.Context(), job.Pipeline, a.publicURL(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusCreated, jobJSON{Pipeline: p, Variables: job.Variables, JobToken: job.JobToken})
}

// updatePipeline is PUT /api/v1/runner/pipelines/:id with the job token.
func (a *runnerAPI) updatePipeline(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id <= 0 {
		httpjson.NotFound(w, r)
		return
	}
	var body struct {
		Status        *string `json:"status"`
		FailureReason *string `json:"failure_reason"`
	}
	up := pipelines.StatusUpdate{}
	switch err := readJSON(w, r, &body); {
	case err != nil:
		up.InputErr = err
	case body.Status == nil:
		up.InputErr = kickoff.Errorf(kickoff.EInvalid, "status is missing")
	default:
		up.Status, up.FailureReason = kickoff.PipelineStatus(*body.Status), body.FailureReason
	}
	p, err := a.pipelines.UpdateStatus(r.Context(), id, bearerToken(r), up)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out, err := gitlab.RenderPipeline(r.Context(), p, a.publicURL(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, out)
}

// appendLog is PATCH /api/v1/runner/pipelines/:id/log with the job token:
// GitLab runner's trace protocol. The body continues the log from the
// Content-Range start ("<from>-<to>", to inclusive); the answer's Range
// header says how much Kickoff has received, and 416 with that Range means
// the runner must resend from there.
func (a *runnerAPI) appendLog(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id <= 0 {
		httpjson.NotFound(w, r)
		return
	}
	body, err := restparams.ReadBody(r, joblogs.MaxChunk)
	if err != nil {
		a.fail(w, r, logBodyError(err))
		return
	}
	from, err := contentRangeStart(r.Header.Get("Content-Range"), len(body))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	received, err := a.logs.Append(r.Context(), id, bearerToken(r), from, body)
	var mismatch *joblogs.RangeError
	if errors.As(err, &mismatch) {
		w.Header().Set("Range", fmt.Sprintf("0-%d", mismatch.Received))
		httpjson.Write(w, http.StatusRequestedRangeNotSatisfiable, map[string]any{"error": err.Error(), "received": mismatch.Received})
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Range", fmt.Sprintf("0-%d", received))
	httpjson.Write(w, http.StatusAccepted, map[string]int64{"received": received})
}

// contentRangeStart reads "<from>-<to>" (GitLab runner's form; "bytes "
// before it is accepted too) for a body of n bytes and returns from.
func contentRangeStart(header string, n int) (int64, error) {
	spec := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(header), "bytes "))
	if header == "" {
		return 0, kickoff.Errorf(kickoff.EInvalid, "Content-Range is missing: send <from>-<to>, the body's first and last byte offsets in the log")
	}
	a, b, ok := strings.Cut(spec, "-")
	from, err1 := strconv.ParseInt(a, 10, 64)
	to, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || from < 0 || to < from-1 {
		return 0, kickoff.Errorf(kickoff.EInvalid, "Content-Range %q is invalid: send <from>-<to>, e.g. 0-1023", kickoff.Excerpt(header, 64))
	}
	if to-from+1 != int64(n) {
		return 0, kickoff.Errorf(kickoff.EInvalid, "Content-Range %q names %d bytes, the body has %d", kickoff.Excerpt(header, 64), to-from+1, n)
	}
	return from, nil
}

// logBodyError gives a too large log chunk its own message.
func logBodyError(err error) error {
	if errors.Is(err, restparams.ErrBodyTooLarge) {
		return fmt.Errorf("%w: a log chunk may hold at most %d bytes", errBodyTooLarge, joblogs.MaxChunk)
	}
	return kickoff.Errorf(kickoff.EInvalid, "could not read the request body")
}

// fail answers the runner API's errors: 401 and 403 bare, as GitLab's
// runner API does, 409 and 400 with the reason, 413 for large bodies.
func (a *runnerAPI) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, errBodyTooLarge):
		httpjson.Write(w, http.StatusRequestEntityTooLarge, map[string]string{"error": err.Error()})
	case kickoff.ErrorCode(err) == kickoff.EUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="kickoff"`)
		httpjson.Message(w, http.StatusUnauthorized, "401 Unauthorized")
	case kickoff.ErrorCode(err) == kickoff.EForbidden:
		httpjson.Message(w, http.StatusForbidden, "403 Forbidden")
	default:
		gitlab.WriteError(w, r, a.logger, err)
	}
}

// bearerToken returns the credential of "Authorization: Bearer <token>", or "".
func bearerToken(r *http.Request) string {
	scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// readJSON decodes an optional JSON object body into v: an empty body
// leaves v as it is. Decoder errors are not passed on verbatim.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := restparams.ReadBody(r, MaxBodyBytes)
	switch {
	case errors.Is(err, restparams.ErrBodyTooLarge):
		return errBodyTooLarge
	case err != nil:
		return kickoff.Errorf(kickoff.EInvalid, "could not read the request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil || dec.More() {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return kickoff.Errorf(kickoff.EInvalid, "%s is invalid", typeErr.Field)
		}
		return kickoff.Errorf(kickoff.EInvalid, "the request body must be a JSON object")
	}
	return nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
