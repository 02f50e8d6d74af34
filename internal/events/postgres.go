package events

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

// Channel is the PostgreSQL notification channel. Each notification's
// payload is "<projectID>:<pipelineID>", or "<projectID>:<pipelineID>:log"
// when the pipeline's job log grew.
const Channel = "kickoff_pipelines"

const (
	// publishQueue bounds the events waiting to be sent; beyond it they are
	// dropped (and counted in the log) rather than slowing requests down.
	publishQueue = 4096
	// maxBatch bounds the notifications sent in one statement.
	maxBatch = 500
	// listenTimeout bounds how long Start waits for the listening connection.
	listenTimeout = 10 * time.Second
	// stopTimeout bounds how long Stop waits for the listener: lib/pq cannot
	// interrupt a connection attempt to an unreachable server, and a
	// shutdown should not wait for one.
	stopTimeout = 5 * time.Second
	// Reconnect intervals of the listening connection: the first retry
	// after one second, then doubling up to a few seconds, so a restarted
	// PostgreSQL is noticed quickly without hammering one that is down.
	minReconnect = time.Second
	maxReconnect = 4 * time.Second
)

// notifySQL sends one notification per payload, in one statement and so one
// transaction, where PostgreSQL folds identical payloads into one.
// Notifications are not durable: the transaction writes nothing worth
// waiting for the WAL flush for, so it commits with synchronous_commit off
// (for itself only), keeping its commit off the disk's critical path.
const notifySQL = `SELECT pg_notify($1, p), set_config('synchronous_commit', 'off', true) FROM unnest($2::text[]) AS p`

// pgRelay publishes events with NOTIFY and delivers the ones LISTEN hears,
// from every replica, to this process's broker.
//
// Publishing is after commit and asynchronous, not a pg_notify inside the
// changing transaction, although that would be atomic with the change:
// PostgreSQL serialises the commits of all notifying transactions behind one
// global lock held across their WAL flush, which would make every trigger
// call of every replica wait for the others' disk writes. Here one
// goroutine per replica sends whatever has queued up in one statement, so
// the request path only enqueues. The price: events queued when the process
// dies are lost, which live hints can afford.
type pgRelay struct {
	db      *sql.DB
	dsn     string
	broker  *Broker
	logger  *slog.Logger
	queue   chan Event
	dropped atomic.Int64
}

func newPGRelay(db *sql.DB, dsn string, broker *Broker, logger *slog.Logger) *pgRelay {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &pgRelay{db: db, dsn: dsn, broker: broker, logger: logger, queue: make(chan Event, publishQueue)}
}

func (r *pgRelay) publish(e Event) {
	select {
	case r.queue <- e:
	default:
		r.dropped.Add(1)
	}
}

// start listens, then runs the receiving and sending goroutines until ctx
// ends; done is closed once they have stopped (or after stopTimeout).
func (r *pgRelay) start(ctx context.Context, done chan struct{}) error {
	l := pq.NewListener(r.dsn, minReconnect, maxReconnect, r.listenerEvent)
	if err := listen(ctx, l); err != nil {
		closeListener(l)
		// The DSN may hold a password; lib/pq's errors do not repeat it.
		return fmt.Errorf("listening for pipeline events on PostgreSQL: %w", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { r.receive(ctx, l) })
	wg.Go(func() { r.send(ctx) })
	go func() {
		wg.Wait()
		close(done)
	}()
	return nil
}

// listen subscribes l to Channel. lib/pq's Listen waits for a connection
// as long as it takes; closing the listener is the only way to give up.
func listen(ctx context.Context, l *pq.Listener) error {
	ctx, cancel := context.WithTimeout(ctx, listenTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { _ = l.Close() })
	err := l.Listen(Channel)
	if !stop() {
		return fmt.Errorf("no connection within %s: %w", listenTimeout, context.Cause(ctx))
	}
	return err
}

// closeListener closes l and waits (up to stopTimeout) for its goroutine,
// which ends by closing Notify; draining Notify lets it get there.
func closeListener(l *pq.Listener) {
	_ = l.Close()
	timeout := time.After(stopTimeout)
	for {
		select {
		case _, ok := <-l.Notify:
			if !ok {
				return
			}
		case <-timeout:
			return
		}
	}
}

// receive delivers what LISTEN hears until ctx ends. A dead connection is
// noticed by lib/pq on its next read, or by TCP keepalive (on by default
// for Go's dialer) when the server vanished without closing it; lib/pq
// then reconnects and listens again by itself.
func (r *pgRelay) receive(ctx context.Context, l *pq.Listener) {
	defer closeListener(l)
	for {
		select {
		case <-ctx.Done():
			return
		case n, ok := <-l.Notify:
			if !ok {
				return
			}
			r.handle(n)
		}
	}
}

func (r *pgRelay) handle(n *pq.Notification) {
	if n == nil {
		// lib/pq sends nil after reconnecting: whatever was notified while
		// the connection was down is lost (NOTIFY keeps nothing for
		// absent listeners). Subscribers catch up with the next change.
		r.logger.Warn("pipeline events: listening again after losing the PostgreSQL connection; events in between were missed")
		return
	}
	e, err := parsePayload(n.Extra)
	if err != nil {
		// Anyone allowed to connect may NOTIFY; the payload is not logged.
		r.logger.Warn("pipeline events: ignoring a malformed notification", "channel", n.Channel, "err", err)
		return
	}
	r.broker.Deliver(e)
}

func (r *pgRelay) listenerEvent(ev pq.ListenerEventType, err error) {
	switch ev {
	case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
		r.logger.Warn("pipeline events: PostgreSQL listening connection down; reconnecting", "event", ev.String(), "err", err)
	case pq.ListenerEventReconnected:
		r.logger.Info("pipeline events: PostgreSQL listening connection restored")
	}
}

// send publishes queued events until ctx ends, each time all that queued
// up meanwhile (up to maxBatch) in one statement.
func (r *pgRelay) send(ctx context.Context) {
	for {
		var first Event
		select {
		case <-ctx.Done():
			return
		case first = <-r.queue:
		}
		batch := r.collect(first)
		if err := r.notify(ctx, batch); err != nil && ctx.Err() == nil {
			r.logger.Error("pipeline events: publishing failed; subscribers miss these changes", "count", len(batch), "err", err)
		}
		if n := r.dropped.Swap(0); n > 0 {
			r.logger.Warn("pipeline events: publish queue full; events dropped", "count", n)
		}
	}
}

func (r *pgRelay) collect(first Event) []string {
	payloads := []string{formatPayload(first)}
	for len(payloads) < maxBatch {
		select {
		case e := <-r.queue:
			payloads = append(payloads, formatPayload(e))
		default:
			return payloads
		}
	}
	return payloads
}

func (r *pgRelay) notify(ctx context.Context, payloads []string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := r.db.ExecContext(ctx, notifySQL, Channel, pq.Array(payloads)); err != nil {
		return fmt.Errorf("sending NOTIFY: %w", err)
	}
	return nil
}

func formatPayload(e Event) string {
	s := strconv.Itoa(e.ProjectID) + ":" + strconv.Itoa(e.PipelineID)
	if e.Log {
		s += logSuffix
	}
	return s
}

const logSuffix = ":log"

func parsePayload(s string) (Event, error) {
	s, log := strings.CutSuffix(s, logSuffix)
	project, pipeline, ok := strings.Cut(s, ":")
	if !ok {
		return Event{}, errors.New("want <projectID>:<pipelineID>")
	}
	p, err1 := strconv.Atoi(project)
	q, err2 := strconv.Atoi(pipeline)
	if err := errors.Join(err1, err2); err != nil || p <= 0 || q <= 0 {
		return Event{}, errors.New("want two positive numbers")
	}
	return Event{ProjectID: p, PipelineID: q, Log: log}, nil
}
