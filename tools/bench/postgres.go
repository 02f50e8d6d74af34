package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "github.com/lib/pq" // "postgres"
)

// pgServer is the PostgreSQL server the benchmark creates its scratch
// database on, through an admin connection to the URL it was given.
type pgServer struct {
	admin   *sql.DB
	baseURL *url.URL
	name    string // the scratch database
}

// connectPostgres checks that the server answers (errSkip when it does not)
// and creates a scratch database on it. The caller drops it with drop.
func connectPostgres(ctx context.Context, rawURL string) (*pgServer, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parsing the PostgreSQL URL: %w", err)
	}
	admin, err := sql.Open("postgres", rawURL)
	if err != nil {
		return nil, err
	}
	admin.SetMaxOpenConns(2)
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := admin.PingContext(pingCtx); err != nil {
		_ = admin.Close()
		return nil, errSkip{fmt.Errorf("%s:%s does not answer: %w", u.Hostname(), u.Port(), redact(err, u))}
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "kickoff_bench_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = admin.Close()
		return nil, fmt.Errorf("creating scratch database: %w", redact(err, u))
	}
	return &pgServer{admin: admin, baseURL: u, name: name}, nil
}

// URL is the scratch database's URL.
func (p *pgServer) URL() string {
	u := *p.baseURL
	u.Path = "/" + p.name
	return u.String()
}

func (p *pgServer) drop() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = p.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+p.name+" WITH (FORCE)")
	_ = p.admin.Close()
}

// pgStats are server counters: commits in the scratch database, and WAL
// records, bytes, writes and fsyncs cluster-wide (pg_stat_wal; nothing else
// writes while a phase runs, bar autovacuum). A backend publishes its
// counters at most once a second while busy and at exit, so read them only
// after the pool that did the work is closed (settle).
type pgStats struct {
	commits, walRecords, walBytes, walWrites, walSyncs int64
}

func (p *pgServer) stats(ctx context.Context) (pgStats, error) {
	var s pgStats
	err := p.admin.QueryRowContext(ctx, `SELECT xact_commit FROM pg_stat_database WHERE datname = $1`, p.name).Scan(&s.commits)
	if err != nil {
		return s, err
	}
	err = p.admin.QueryRowContext(ctx, `SELECT wal_records, wal_bytes::bigint, wal_write, wal_sync FROM pg_stat_wal`).
		Scan(&s.walRecords, &s.walBytes, &s.walWrites, &s.walSyncs)
	return s, err
}

func (s pgStats) sub(o pgStats) pgStats {
	return pgStats{s.commits - o.commits, s.walRecords - o.walRecords, s.walBytes - o.walBytes, s.walWrites - o.walWrites, s.walSyncs - o.walSyncs}
}

// settle waits until no backend is connected to the scratch database, so
// every backend has published its counters.
func (p *pgServer) settle(ctx context.Context) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		err := p.admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, p.name).Scan(&n)
		if err != nil || n == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
}

// redact keeps a password in the URL out of messages.
func redact(err error, u *url.URL) error {
	if u.User == nil {
		return err
	}
	if pw, ok := u.User.Password(); ok && pw != "" {
		return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), pw, "****"))
	}
	return err
}

// activity is what PostgreSQL's client backends on the scratch database
// were doing, sampled from pg_stat_activity: samples per state, e.g.
// "active, running", "active, waiting on Lock:transactionid", "idle in
// transaction" (waiting for the client's next statement).
type activity struct {
	samples int            // sampling rounds
	states  map[string]int // backend-samples per state
}

// sampleActivity samples pg_stat_activity every 25 ms from after until stop.
func (p *pgServer) sampleActivity(ctx context.Context, after time.Duration) (stop func() activity) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan activity, 1)
	go func() {
		a := activity{states: map[string]int{}}
		defer func() { done <- a }()
		select {
		case <-time.After(after):
		case <-ctx.Done():
			return
		}
		tick := time.NewTicker(25 * time.Millisecond)
		defer tick.Stop()
		for {
			rows, err := p.admin.QueryContext(ctx, `SELECT state, coalesce(wait_event_type || ':' || wait_event, ''), query
FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'`, p.name)
			if err == nil {
				for rows.Next() {
					var state, wait, query string
					if rows.Scan(&state, &wait, &query) == nil {
						a.states[describeBackend(state, wait, query)]++
					}
				}
				_ = rows.Close()
				a.samples++
			}
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() activity {
		cancel()
		return <-done
	}
}

// describeBackend names a backend's state; an active one by what it waits
// on and the statement it runs (verb and table only: no values).
func describeBackend(state, wait, query string) string {
	switch {
	case state == "active" && wait == "":
		return "executing (CPU)"
	case state == "active":
		return wait + " in " + describe("query", query)
	case state == "idle in transaction":
		return "idle in transaction (waiting for the client)"
	case state == "idle":
		return "idle (waiting for the client)"
	}
	return state
}
