// Package events carries "this pipeline changed" notices from the code that
// commits the change to the GraphQL subscribers that show it: in-process on
// SQLite (one replica), through PostgreSQL's LISTEN/NOTIFY to every replica
// otherwise. Notices are live hints, not a log: a subscriber that misses one
// (a full buffer, a reconnect) sees the pipeline's current state with the
// next one or when it reloads.
package events

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Event says that a pipeline was created or changed status. It carries IDs
// only: subscribers load the pipeline as it is when they send it, so an
// event can neither go stale nor carry fields a subscriber may not see.
type Event struct {
	ProjectID  int
	PipelineID int
	// Log marks "the pipeline's job log grew": delivered to log
	// subscriptions (SubscribeLogs) only, which get status changes too.
	Log bool
}

// topic is what a subscription listens to: a project's status changes or
// its job logs.
type topic struct {
	projectID int
	log       bool
}

// SubscriptionBuffer bounds how many distinct pipelines one subscriber may
// have pending. Beyond it the oldest is dropped: a subscriber that slow is
// better served by reloading the list than by a backlog.
const SubscriptionBuffer = 64

// Broker fans events out to this process's subscribers, by project. It never
// blocks a publisher: each subscriber has its own bounded buffer.
type Broker struct {
	mu   sync.Mutex
	subs map[topic]map[*Subscription]struct{}
	n    int
}

// NewBroker returns a broker without subscribers.
func NewBroker() *Broker {
	return &Broker{subs: make(map[topic]map[*Subscription]struct{})}
}

// Subscribe registers interest in the project's pipelines until ctx ends.
// Ending ctx is the only way to unsubscribe, so a subscriber cannot be
// forgotten by a caller that returns early.
func (b *Broker) Subscribe(ctx context.Context, projectID int) *Subscription {
	return b.subscribe(ctx, topic{projectID: projectID})
}

// SubscribeLogs is Subscribe for the growth of the project's job logs.
func (b *Broker) SubscribeLogs(ctx context.Context, projectID int) *Subscription {
	return b.subscribe(ctx, topic{projectID: projectID, log: true})
}

func (b *Broker) subscribe(ctx context.Context, t topic) *Subscription {
	s := &Subscription{ready: make(chan struct{}, 1), done: ctx.Done()}
	b.mu.Lock()
	if b.subs[t] == nil {
		b.subs[t] = make(map[*Subscription]struct{})
	}
	b.subs[t][s] = struct{}{}
	b.n++
	b.mu.Unlock()
	context.AfterFunc(ctx, func() { b.remove(t, s) })
	return s
}

func (b *Broker) remove(t topic, s *Subscription) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[t][s]; !ok {
		return
	}
	delete(b.subs[t], s)
	if len(b.subs[t]) == 0 {
		delete(b.subs, t)
	}
	b.n--
}

// Deliver hands e to this process's subscribers of its project.
func (b *Broker) Deliver(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	// Log followers hear of status changes too: a finished pipeline's log
	// is complete.
	for s := range b.subs[topic{projectID: e.ProjectID, log: true}] {
		s.add(e.PipelineID)
	}
	if e.Log {
		return
	}
	for s := range b.subs[topic{projectID: e.ProjectID}] {
		s.add(e.PipelineID)
	}
}

// Subscribers is how many subscriptions are open (for metrics and tests).
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// Subscription is one subscriber's buffer of changed pipelines. Repeated
// changes of one pipeline are coalesced: the subscriber loads its current
// state once.
type Subscription struct {
	ready   chan struct{} // holds a token while pending is not empty
	done    <-chan struct{}
	mu      sync.Mutex
	pending []int // distinct pipeline IDs, oldest first
}

func (s *Subscription) add(pipelineID int) {
	s.mu.Lock()
	if !slices.Contains(s.pending, pipelineID) {
		if len(s.pending) == SubscriptionBuffer {
			s.pending = slices.Delete(s.pending, 0, 1)
		}
		s.pending = append(s.pending, pipelineID)
	}
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default: // already signalled
	}
}

// NextWithin waits up to d for changed pipelines and returns their IDs,
// oldest change first, or no IDs when d passed first. open is false once
// the subscription's context has ended.
func (s *Subscription) NextWithin(d time.Duration) (ids []int, open bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case <-s.done:
			return nil, false
		case <-timer.C:
			return nil, true
		case <-s.ready:
		}
		s.mu.Lock()
		ids := s.pending
		s.pending = nil
		s.mu.Unlock()
		if len(ids) > 0 {
			return ids, true
		}
	}
}
