// Package eventstest holds test helpers for event buses.
package eventstest

import (
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/internal/events"
)

// WaitSubscribers waits until bus has n subscriptions: unsubscribing happens
// when a server notices its socket closed, which takes a moment.
func WaitSubscribers(t testing.TB, bus *events.Bus, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for bus.Subscribers() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscriptions open, want %d", bus.Subscribers(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
