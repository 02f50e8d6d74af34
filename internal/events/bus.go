package events

import (
	"context"
	"log/slog"
	"sync"

	"entgo.io/ent/dialect"

	"github.com/kickoff-ci/kickoff/internal/database"
)

// Bus is what the rest of Kickoff sees: Publish after a commit, Subscribe
// per project. On SQLite events stay in the process (one replica owns the
// file); on PostgreSQL they go through NOTIFY, and this replica's
// subscribers get their own replica's events back through LISTEN like
// everyone else's, so there is one delivery path and no duplicates.
type Bus struct {
	broker *Broker
	relay  *pgRelay // nil: in-process

	mu   sync.Mutex
	stop context.CancelFunc
	done chan struct{}
}

// NewLocal returns an in-process bus.
func NewLocal() *Bus { return &Bus{broker: NewBroker()} }

// New returns the bus for db: in-process on SQLite, LISTEN/NOTIFY on
// PostgreSQL. On PostgreSQL nothing is delivered until Start.
func New(db *database.DB, logger *slog.Logger) *Bus {
	b := NewLocal()
	if db.Dialect == dialect.Postgres {
		b.relay = newPGRelay(db.SQL, db.DataSource(), b.broker, logger)
	}
	return b
}

// Publish announces e. Call it once the change is committed: a subscriber
// woken earlier would load the pipeline as it was. It never blocks.
func (b *Bus) Publish(e Event) {
	if b.relay == nil {
		b.broker.Deliver(e)
		return
	}
	b.relay.publish(e)
}

// Subscribe returns a subscription to the project's events that ends with ctx.
func (b *Bus) Subscribe(ctx context.Context, projectID int) *Subscription {
	return b.broker.Subscribe(ctx, projectID)
}

// SubscribeLogs returns a subscription to the growth of the project's job
// logs that ends with ctx.
func (b *Bus) SubscribeLogs(ctx context.Context, projectID int) *Subscription {
	return b.broker.SubscribeLogs(ctx, projectID)
}

// Subscribers is how many subscriptions are open in this process.
func (b *Bus) Subscribers() int { return b.broker.Subscribers() }

// Start begins relaying through PostgreSQL: it returns once this replica
// listens (or fails to within a few seconds), and relays until Stop or
// until ctx ends. On SQLite there is nothing to start.
func (b *Bus) Start(ctx context.Context) error {
	if b.relay == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	if err := b.relay.start(ctx, done); err != nil {
		cancel()
		return err
	}
	b.mu.Lock()
	b.stop, b.done = cancel, done
	b.mu.Unlock()
	return nil
}

// Stop ends the relaying Start began and waits until its goroutines and
// its listening connection are gone. It may be called more than once.
func (b *Bus) Stop() {
	b.mu.Lock()
	stop, done := b.stop, b.done
	b.mu.Unlock()
	if stop == nil {
		return
	}
	stop()
	<-done
}
