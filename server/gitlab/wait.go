package gitlab

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/pipelines"
	"github.com/kickoff-ci/kickoff/ent"
)

// waitParam reads Kickoff's wait parameter: whole seconds, from 0 to max,
// that the answer may be held for the pipeline to finish. The errors are
// Grape's wording for an Integer parameter with a range of values.
func waitParam(raw string, max time.Duration) (*time.Duration, error) {
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil {
		return nil, kickoff.Errorf(kickoff.EInvalid, "wait is invalid")
	}
	d := time.Duration(n) * time.Second
	if n < 0 || d > max {
		return nil, kickoff.Errorf(kickoff.EInvalid, "wait does not have a valid value (0 to %d seconds)", int(max.Seconds()))
	}
	return &d, nil
}

// awaitAsked holds the answer until p is finished or the wait is over, when
// the caller asked to wait (wait not nil), and says in the header
// X-Kickoff-Pipeline-Final whether p is finished. ok is false when there is
// nothing more to answer: fail has answered an error, or the caller is gone.
func awaitAsked(w http.ResponseWriter, r *http.Request, svc *pipelines.Service, p *ent.Pipeline, wait *time.Duration, fail func(error)) (_ *ent.Pipeline, ok bool) {
	if wait == nil {
		return p, true
	}
	p, final, err := svc.Await(r.Context(), p, *wait)
	if err != nil {
		if r.Context().Err() == nil { // else the caller has gone: nobody to answer
			fail(err)
		}
		return nil, false
	}
	w.Header().Set("X-Kickoff-Pipeline-Final", strconv.FormatBool(final))
	return p, true
}
