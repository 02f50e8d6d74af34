package joblogs

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/events"
)

// followPiece bounds one piece Follow sends.
const followPiece = 256 << 10

// Follow streams p's log from offset: what is stored, then each piece the
// runner adds, until the pipeline has finished (the last piece says
// Complete) or ctx ends. The viewer must be allowed authz.ReadJobLog, and is
// checked again, against the database, before each piece and at least
// every recheck: a subscription outlives the request that authenticated it.
// When that check or loading fails, ended is called with the reason and the
// channel is closed.
func (s *Service) Follow(ctx context.Context, p *ent.Pipeline, offset int64, recheck time.Duration, ended func(error)) (<-chan Log, error) {
	if _, err := s.Read(ctx, p, offset, 0); err != nil {
		return nil, err
	}
	sub := s.events.SubscribeLogs(ctx, p.ProjectID)
	out := make(chan Log)
	go func() {
		defer close(out)
		if err := s.follow(ctx, sub, p.ID, offset, recheck, out); err != nil && ctx.Err() == nil {
			ended(err)
		}
	}()
	return out, nil
}

func (s *Service) follow(ctx context.Context, sub *events.Subscription, pipelineID int, offset int64, recheck time.Duration, out chan<- Log) error {
	for {
		p, err := s.client.Pipeline.Get(ctx, pipelineID)
		if err != nil {
			return fmt.Errorf("reloading pipeline %d: %w", pipelineID, err)
		}
		// The user is still active and sees the project; Read then checks
		// the project's level for job logs, which may have been raised.
		if err := authz.Recheck(ctx, s.client, p.ProjectID, authz.ReadProject); err != nil {
			return err
		}
		l, err := s.Read(ctx, p, offset, followPiece)
		if err != nil {
			return err
		}
		if len(l.Content) > 0 || l.Complete {
			select {
			case out <- l:
			case <-ctx.Done():
				return nil
			}
			offset += int64(len(l.Content))
		}
		if l.Complete && offset >= l.Size {
			return nil
		}
		if offset < l.Size {
			continue // more is stored already
		}
		if !waitFor(sub, pipelineID, recheck) {
			return nil // the subscription ended with ctx
		}
	}
}

// waitFor returns when the pipeline's log grew or its status changed, or
// when recheck has passed; false once the subscription has ended.
func waitFor(sub *events.Subscription, pipelineID int, recheck time.Duration) bool {
	deadline := time.Now().Add(recheck)
	for {
		ids, open := sub.NextWithin(time.Until(deadline))
		switch {
		case !open:
			return false
		case len(ids) == 0, slices.Contains(ids, pipelineID):
			return true
		}
	}
}
