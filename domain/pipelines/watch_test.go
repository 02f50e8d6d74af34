package pipelines_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/domain/pipelines"

	"entgo.io/ent/dialect"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/identity"
	"github.com/kickoff-ci/kickoff/domain/projects"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/services"
	"github.com/kickoff-ci/kickoff/services/servicestest"
)

// watchGoroutines counts the goroutines Watch started that are still running.
func watchGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "pipelines.(*Service).Watch.func")
}

// Watch streams a pipeline created after it started and leaves nothing
// behind once its context ends: no subscription, no goroutine.
func TestWatchStopsWithContext(t *testing.T) {
	set, ctx := devWithProject(t)
	before := watchGoroutines()

	if _, err := set.Pipelines.Watch(ctx, "grp/none", time.Minute, func(error) {}); kickoff.ErrorCode(err) != kickoff.ENotFound {
		t.Fatalf("Watch of an unknown project = %v, want ENotFound", err)
	}
	watchCtx, stop := context.WithCancel(ctx)
	ch, err := set.Pipelines.Watch(watchCtx, "grp/app", time.Minute, func(err error) { t.Errorf("ended: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	if n := watchGoroutines(); n != before+1 {
		t.Fatalf("%d watch goroutines, want %d", n, before+1)
	}
	p, err := set.Pipelines.Create(ctx, pipelines.NewPipeline{ProjectRef: "grp/app"})
	if err != nil {
		t.Fatal(err)
	}
	if got := <-ch; got.ID != p.ID || got.Status != kickoff.StatusCreated {
		t.Fatalf("watched %+v, want pipeline %d created", got, p.ID)
	}
	stop()
	if _, open := <-ch; open {
		t.Fatal("channel still open after the context ended")
	}
	deadline := time.Now().Add(10 * time.Second)
	for set.Events.Subscribers() != 0 || watchGoroutines() != before {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscriptions and %d watch goroutines left", set.Events.Subscribers(), watchGoroutines()-before)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// devWithProject returns the services on a fresh SQLite database and the
// context of user dev, who created project grp/app.
func devWithProject(t *testing.T) (services.Set, context.Context) {
	t.Helper()
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
	return set, ctx
}
