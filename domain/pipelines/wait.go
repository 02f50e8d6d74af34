package pipelines

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kickoff-ci/kickoff/ent"
)

// awaitRecheck is how often Await reads the pipeline again without an event:
// a subscription's buffer keeps only the latest changes of a busy project,
// so one pipeline's event may be coalesced away.
const awaitRecheck = 30 * time.Second

// Await holds until p is finished, wait has passed, ctx ends or the service
// stops waiting (shutdown), and returns p as it is then; finished says
// whether it is. It is driven by the events bus, so a pipeline finished
// through another replica on the same PostgreSQL wakes it too, and it holds
// no database connection while it waits.
//
// The caller has already shown it may see p (it started it, or read it).
func (s *Service) Await(ctx context.Context, p *ent.Pipeline, wait time.Duration) (_ *ent.Pipeline, finished bool, err error) {
	if p.Status.Finished() || wait <= 0 {
		return p, p.Status.Finished(), nil
	}
	waitCtx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	defer context.AfterFunc(s.stopCtx, cancel)()
	// Subscribed before the first read, so a change between the two is not
	// missed: it is either read or delivered.
	sub := s.events.Subscribe(waitCtx, p.ProjectID)
	id := p.ID
	for {
		if p, err = s.client.Pipeline.Get(ctx, id); err != nil {
			return nil, false, fmt.Errorf("reading pipeline %d while waiting for it: %w", id, err)
		}
		if p.Status.Finished() || waitCtx.Err() != nil {
			return p, p.Status.Finished(), nil
		}
		for {
			ids, open := sub.NextWithin(awaitRecheck)
			if !open && ctx.Err() != nil {
				return nil, false, ctx.Err() // the caller went away
			}
			if !open || len(ids) == 0 || slices.Contains(ids, id) {
				break // read it again: changed, due, or the wait is over
			}
		}
	}
}

// StopWaiting ends every Await at once (answered with the pipeline as it
// is), so a shutting-down server does not hold its callers until their wait
// is over.
func (s *Service) StopWaiting() { s.stop() }
