package events_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"go.uber.org/goleak"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/events"
)

func openPostgres(t *testing.T) *database.DB {
	t.Helper()
	if !slices.Contains(dbtest.Dialects(), dialect.Postgres) {
		t.Skip("needs " + dbtest.PostgresURLEnv)
	}
	return dbtest.Open(t, dialect.Postgres)
}

func startBus(t *testing.T, db *database.DB) *events.Bus {
	t.Helper()
	bus := events.New(db, nil)
	if err := bus.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Stop)
	return bus
}

// nextWithin returns the subscription's next batch, or fails the test when
// none comes: the bound only keeps a broken relay from hanging the test.
func nextWithin(t *testing.T, s *events.Subscription) []int {
	t.Helper()
	got := make(chan []int, 1)
	go func() { got <- nextIDs(s) }()
	select {
	case ids := <-got:
		return ids
	case <-time.After(20 * time.Second):
		t.Fatal("no event arrived")
		return nil
	}
}

func TestSQLiteBusIsInProcess(t *testing.T) {
	db := dbtest.Open(t, dialect.SQLite)
	bus := events.New(db, nil)
	if err := bus.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer bus.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := bus.Subscribe(ctx, 7)
	bus.Publish(events.Event{ProjectID: 7, PipelineID: 70})
	if got := nextIDs(s); !slices.Equal(got, []int{70}) {
		t.Fatalf("got %v", got)
	}
}

// Two buses on one database stand for two replicas: each hears both.
func TestPostgresRelayAcrossReplicas(t *testing.T) {
	db := openPostgres(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := startBus(t, db), startBus(t, db)
	onA, onB := a.Subscribe(ctx, 1), b.Subscribe(ctx, 1)

	a.Publish(events.Event{ProjectID: 1, PipelineID: 11})
	for name, s := range map[string]*events.Subscription{"publisher's replica": onA, "other replica": onB} {
		if got := nextWithin(t, s); !slices.Equal(got, []int{11}) {
			t.Fatalf("%s got %v, want [11]", name, got)
		}
	}
	// Foreign or malformed notifications on the channel are ignored.
	if _, err := db.SQL.ExecContext(ctx, `SELECT pg_notify($1, 'x:1'), pg_notify($1, '1:y')`, events.Channel); err != nil {
		t.Fatal(err)
	}
	b.Publish(events.Event{ProjectID: 1, PipelineID: 12})
	if got := nextWithin(t, onA); !slices.Equal(got, []int{12}) {
		t.Fatalf("after malformed notifications got %v, want [12]", got)
	}
	cancel()
	a.Stop()
	b.Stop()
}

// lib/pq reconnects the listening connection by itself; events published
// while it was down are lost (documented), later ones arrive again.
func TestPostgresRelayReconnects(t *testing.T) {
	db := openPostgres(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bus := startBus(t, db)
	s := bus.Subscribe(ctx, 1)
	res, err := db.SQL.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN %'`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("terminated %d listening connections, want 1", n)
	}
	got := make(chan []int, 1)
	go func() { got <- nextIDs(s) }()
	deadline := time.After(30 * time.Second)
	for id := 1; ; id++ {
		bus.Publish(events.Event{ProjectID: 1, PipelineID: id})
		select {
		case ids := <-got:
			if len(ids) == 0 {
				t.Fatal("empty batch")
			}
			return
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("no event after the listening connection was killed")
		}
	}
}
