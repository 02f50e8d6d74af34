package pipelines_test

import (
	"context"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/identity"
	"github.com/kickoff-ci/kickoff/domain/projects"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/events/eventstest"
	"github.com/kickoff-ci/kickoff/services/servicestest"
)

// Await answers with the pipeline as it is when the service stops waiting
// (shutdown) or the caller goes away, and leaves no subscription behind.
func TestAwaitEnds(t *testing.T) {
	db := dbtest.Open(t, dialect.SQLite)
	set := servicestest.New(t, db.Client)
	bg := context.Background()
	u, err := set.Identity.CreateUser(bg, identity.NewUser{Username: "dev", Email: "dev@example.com", Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := authz.WithViewer(bg, &authz.Viewer{User: u, CredentialKind: "test"})
	if _, err := set.Projects.Create(ctx, projects.NewProject{Name: "app", Path: "grp/app"}); err != nil {
		t.Fatal(err)
	}
	p, err := set.Pipelines.CreateForUser(ctx, "grp/app", "", nil)
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
