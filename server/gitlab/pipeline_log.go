package gitlab

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/joblogs"
	"github.com/kickoff-ci/kickoff/server/httpjson"
)

// jobLogAPI serves GET /api/v4/projects/:id/pipelines/:pipeline_id/log, a
// Kickoff extension in the spirit of GitLab's job trace endpoint: the log as
// text/plain for Maintainers, Range requests answered 206 (to tail a log:
// bytes=<offset>-).
type jobLogAPI struct {
	*pipelineAPI
	logs *joblogs.Service
}

func (a *jobLogAPI) get(w http.ResponseWriter, r *http.Request) {
	p, err := a.lookup(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	l, err := a.logs.Read(r.Context(), p, 0, math.MaxInt64)
	if errors.Is(err, joblogs.ErrCannotRead) {
		httpjson.Message(w, http.StatusForbidden, "403 Forbidden - "+kickoff.ErrorMessage(err))
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Kickoff-Log-Complete", strconv.FormatBool(l.Complete))
	// ServeContent answers Range (206) and HEAD; no modification time, as
	// a growing log must never be answered 304.
	http.ServeContent(&jsonRangeErrors{ResponseWriter: w, size: l.Size}, r, "", time.Time{}, bytes.NewReader(l.Content))
}

// jsonRangeErrors gives ServeContent's 416 (a malformed or unsatisfiable
// Range) a JSON body like every other refusal.
type jsonRangeErrors struct {
	http.ResponseWriter
	size    int64
	refused bool
}

func (j *jsonRangeErrors) WriteHeader(code int) {
	if code != http.StatusRequestedRangeNotSatisfiable {
		j.ResponseWriter.WriteHeader(code)
		return
	}
	j.refused = true
	j.Header().Del("X-Content-Type-Options")
	httpjson.Write(j.ResponseWriter, code, map[string]string{
		"error": fmt.Sprintf("the Range is malformed or past the end of the log (%d bytes); ask for bytes=<offset>-", j.size),
	})
}

func (j *jsonRangeErrors) Write(b []byte) (int, error) {
	if j.refused {
		return len(b), nil // ServeContent's text message, replaced above
	}
	return j.ResponseWriter.Write(b)
}
