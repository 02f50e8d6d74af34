package pipelines_test

import (
	"context"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/domain/pipelines"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/internal/events/eventstest"
)

// Await answers with the pipeline as it is when the service stops waiting
// (shutdown) or the caller goes away, and leaves no subscription behind.
func TestAwaitEnds(t *testing.T) {
	set, ctx := devWithProject(t)
	p, err := set.Pipelines.Create(ctx, pipelines.NewPipeline{ProjectRef: "grp/app"})
	if err != nil {
		t.Fatal(err)
	}

	gone, leave := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, leave)
	if _, _, err := set.Pipelines.Await(gone, p, time.Hour); err != context.Canceled {
		t.Fatalf("Await after the caller left = %v, want context.Canceled", err)
	}

	time.AfterFunc(50*time.Millisecond, set.Pipelines.StopWaiting)
	started := time.Now()
	got, final, err := set.Pipelines.Await(ctx, p, time.Hour)
	if err != nil || final || got.ID != p.ID || got.Status != kickoff.StatusCreated {
		t.Fatalf("Await at shutdown = %+v, %v, %v; want the created pipeline, not final", got, final, err)
	}
	if waited := time.Since(started); waited > 10*time.Second {
		t.Fatalf("Await held on for %v after StopWaiting", waited)
	}
	// Once stopped, an Await answers at once.
	if _, final, err := set.Pipelines.Await(ctx, p, time.Hour); err != nil || final {
		t.Fatalf("Await after StopWaiting = %v, %v", final, err)
	}
	eventstest.WaitSubscribers(t, set.Events, 0)
}
