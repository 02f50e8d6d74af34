package pipelines

import (
	"context"
	"sync"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/database"
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

// Notifier hears of each pipeline creation and status change inside the
// transaction that makes it, so what it writes (webhooks' outbox) commits
// or rolls back with the change.
type Notifier interface {
	PipelineChanged(ctx context.Context, c *ent.Client, p *ent.Pipeline) error
}

// Notify makes the service tell n of every pipeline change.
func (s *Service) Notify(n Notifier) { s.notifier = n }

// announce tells subscribers (GraphQL pipelineUpdated) that p was created
// or changed status, once the transaction in ctx commits: called where the
// change is made, it is published exactly when the change becomes visible,
// and never for a change that was rolled back. The notifier hears of it in
// the transaction, through c.
func (s *Service) announce(ctx context.Context, c *ent.Client, p *ent.Pipeline) error {
	e := events.Event{ProjectID: p.ProjectID, PipelineID: p.ID}
	database.AfterCommit(ctx, func() { s.events.Publish(e) })
	if s.notifier == nil {
		return nil
	}
	return s.notifier.PipelineChanged(ctx, c, p)
}
