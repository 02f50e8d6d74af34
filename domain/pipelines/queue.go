package pipelines

import (
	"context"
	"sync"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/events"
)

// signal wakes everyone waiting for the next event: wait returns a channel
// that notify closes. It is how runners long-polling on this replica learn
// at once that a pipeline was queued here (other replicas' pipelines are
// found by the runners' periodic re-check).
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

func (s *signal) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

func (s *signal) notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// Queued returns a channel closed the next time a pipeline is queued
// (created or retried) on this replica. Take it before looking for work, so
// a pipeline queued in between is not missed.
func (s *Service) Queued() <-chan struct{} { return s.queued.wait() }

// afterCommit runs fn once ctx's transaction (a GraphQL mutation's) has
// committed, or at once when ctx carries none: a runner woken earlier would
// not see the pipeline yet.
func afterCommit(ctx context.Context, fn func()) {
	tx := ent.TxFromContext(ctx)
	if tx == nil {
		fn()
		return
	}
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			err := next.Commit(ctx, tx)
			if err == nil {
				fn()
			}
			return err
		})
	})
}

// announce tells subscribers (GraphQL pipelineUpdated) that p was created
// or changed status, once the transaction in ctx commits: called where the
// change is made, it is published exactly when the change becomes visible,
// and never for a change that was rolled back.
func (s *Service) announce(ctx context.Context, p *ent.Pipeline) {
	e := events.Event{ProjectID: p.ProjectID, PipelineID: p.ID}
	afterCommit(ctx, func() { s.events.Publish(e) })
}
