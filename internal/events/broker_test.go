package events_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kickoff-ci/kickoff/internal/events"
	"github.com/kickoff-ci/kickoff/internal/events/eventstest"
)

func TestBrokerDeliversByProject(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bus := events.NewLocal()
	a1, a2 := bus.Subscribe(ctx, 1), bus.Subscribe(ctx, 1)
	b := bus.Subscribe(ctx, 2)

	bus.Publish(events.Event{ProjectID: 1, PipelineID: 10})
	for _, s := range []*events.Subscription{a1, a2} {
		if got := nextIDs(s); !slices.Equal(got, []int{10}) {
			t.Fatalf("project 1 subscriber got %v, want [10]", got)
		}
	}
	bus.Publish(events.Event{ProjectID: 2, PipelineID: 20})
	// b's first batch is its own project's: nothing of project 1 reached it.
	if got := nextIDs(b); !slices.Equal(got, []int{20}) {
		t.Fatalf("project 2 subscriber got %v, want [20]", got)
	}
}

func TestSubscriptionCoalescesAndDropsOldest(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bus := events.NewLocal()
	s := bus.Subscribe(ctx, 1)
	for _, id := range []int{1, 2, 1, 3, 2} {
		bus.Publish(events.Event{ProjectID: 1, PipelineID: id})
	}
	if got := nextIDs(s); !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("got %v, want each changed pipeline once, oldest first", got)
	}
	for id := range events.SubscriptionBuffer + 10 {
		bus.Publish(events.Event{ProjectID: 1, PipelineID: id + 1})
	}
	got := nextIDs(s)
	if len(got) != events.SubscriptionBuffer || got[0] != 11 || got[len(got)-1] != events.SubscriptionBuffer+10 {
		t.Fatalf("overflowing buffer kept %d IDs from %d to %d, want the newest %d", len(got), got[0], got[len(got)-1], events.SubscriptionBuffer)
	}
}

// A subscriber that never reads must not hold up publishers.
func TestPublishNeverBlocks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bus := events.NewLocal()
	bus.Subscribe(ctx, 1) // never read
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 100_000 {
			bus.Publish(events.Event{ProjectID: 1, PipelineID: i + 1})
		}
	}()
	<-done // a blocking Publish would hang here (and the test time out)
}

func TestSubscriptionEndsWithContext(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	bus := events.NewLocal()
	ctx, cancel := context.WithCancel(context.Background())
	s := bus.Subscribe(ctx, 1)
	other := bus.Subscribe(context.Background(), 1)
	open := make(chan bool)
	go func() {
		_, ok := s.NextWithin(time.Minute)
		open <- ok
	}()
	cancel()
	if <-open {
		t.Fatal("NextWithin after the context ended says the subscription is open")
	}
	eventstest.WaitSubscribers(t, bus, 1)
	bus.Publish(events.Event{ProjectID: 1, PipelineID: 5}) // reaches only the live one
	if got := nextIDs(other); !slices.Equal(got, []int{5}) {
		t.Fatalf("remaining subscriber got %v", got)
	}
}

func TestNextWithinTimesOut(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	bus := events.NewLocal()
	s := bus.Subscribe(t.Context(), 1)
	if ids, open := s.NextWithin(10 * time.Millisecond); ids != nil || !open {
		t.Fatalf("NextWithin on a quiet project = (%v, %v), want (nil, true)", ids, open)
	}
}

// nextIDs waits for the next batch, long enough for any test.
func nextIDs(s *events.Subscription) []int {
	ids, _ := s.NextWithin(time.Minute)
	return ids
}
