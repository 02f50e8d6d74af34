package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime/pprof"
	"time"

	"github.com/kickoff-ci/kickoff/internal/database"
)

// profileTrigger calls the trigger endpoint profileWarmup times, traces one
// call's round trips, then times o.profileCalls calls in a row.
func profileTrigger(ctx context.Context, o options, client *http.Client, db *database.DB, f *fixture) (serialProfile, error) {
	c := &counters{}
	h, err := newKickoff(db, c)
	if err != nil {
		return serialProfile{}, err
	}
	t, err := serveLoopback(h)
	if err != nil {
		return serialProfile{}, err
	}
	defer t.Close()
	defer client.CloseIdleConnections()
	call := formPost(triggerURL(t.URL), triggerBody(f.triggerToken))
	one := func() error {
		status, body, err := do(ctx, client, call)
		if err == nil && status != http.StatusCreated {
			err = fmt.Errorf("trigger call answered %d: %.200s", status, body)
		}
		return err
	}
	for range profileWarmup {
		if err := one(); err != nil {
			return serialProfile{}, err
		}
	}
	p := serialProfile{calls: o.profileCalls}
	c.startTrace()
	start := time.Now()
	err = one()
	p.traceDur = time.Since(start)
	p.trace = c.stopTrace()
	if err != nil {
		return p, err
	}
	before := c.snapshot()
	start = time.Now()
	for range p.calls {
		if err := one(); err != nil {
			return p, err
		}
	}
	p.elapsed = time.Since(start)
	p.counted = c.snapshot().sub(before)
	return p, nil
}

// startCPUProfile profiles the process from after the warm-up until stop.
func startCPUProfile(path string, after time.Duration) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	timer := time.AfterFunc(after, func() { _ = pprof.StartCPUProfile(f) })
	return func() {
		timer.Stop()
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}
