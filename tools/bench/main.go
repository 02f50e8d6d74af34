// Command bench measures SPEC §10's targets in one run and prints them as a
// report: the trigger endpoint on PostgreSQL and SQLite against a bare
// net/http + INSERT … RETURNING baseline, the GraphQL dashboard query against
// a hand-written SQL+JSON handler, and the memory and start-up time of the
// kickoff binary. Everything runs on loopback, in bounded time.
//
//	make bench                        # or: go run ./tools/bench [flags]
//	go run ./tools/bench -duration 30s -skip binary
//
// It exits 0 whatever the numbers (a report, not a test) and 1 only when it
// cannot set a measurement up. docs/benchmarks.md explains each number.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

type options struct {
	clients           int
	rounds            int
	warmup, duration  time.Duration
	maxRequests       int64
	postgresURL       string
	skip              map[string]bool
	goCmd, binary     string
	starts            int
	idleWait          time.Duration
	rssDuration       time.Duration
	dashboardRequests int
	dashboardMaxTime  time.Duration
	profileCalls      int
	cpuProfile        string
}

// errSkip marks a part that cannot run here (no PostgreSQL): reported, not fatal.
type errSkip struct{ error }

var began = time.Now()

// logf reports progress on stderr; the report itself goes to stdout.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%5.1fs] %s\n", time.Since(began).Seconds(), fmt.Sprintf(format, args...))
}

func main() {
	var o options
	var skip string
	goDefault := os.Getenv("GO")
	if goDefault == "" {
		goDefault = "go"
	}
	flag.IntVar(&o.clients, "clients", 32, "concurrent clients of every load phase")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up before each load window (not measured)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured window of each side of a trigger load comparison")
	flag.IntVar(&o.rounds, "rounds", 2, "cut each side's window into this many parts, alternating kickoff and baseline (each part after its own warm-up)")
	flag.Int64Var(&o.maxRequests, "max-requests", 1_000_000, "upper bound on the requests of one load phase")
	flag.StringVar(&o.postgresURL, "postgres-url", os.Getenv("KICKOFF_BENCH_POSTGRES_URL"),
		"PostgreSQL server where a scratch database may be created and dropped (default $KICKOFF_BENCH_POSTGRES_URL); empty skips the PostgreSQL part")
	flag.StringVar(&skip, "skip", "", "comma-separated parts to skip: postgres, sqlite, binary")
	flag.StringVar(&o.goCmd, "go", goDefault, "go command used to build the kickoff binary (default $GO or go)")
	flag.StringVar(&o.binary, "binary", "", "kickoff binary to measure instead of building ./cmd/kickoff")
	flag.IntVar(&o.starts, "starts", 5, "kickoff serve starts timed to /readyz (median reported)")
	flag.DurationVar(&o.idleWait, "idle", 2*time.Second, "how long kickoff serve sits idle before its idle RSS is read")
	flag.DurationVar(&o.rssDuration, "rss-duration", 5*time.Second, "measured window of the trigger load on kickoff serve (RSS)")
	flag.IntVar(&o.dashboardRequests, "dashboard-requests", 200, "dashboard queries timed on each side")
	flag.DurationVar(&o.dashboardMaxTime, "dashboard-max-time", 15*time.Second, "upper bound on the timed dashboard queries")
	flag.IntVar(&o.profileCalls, "profile-calls", 200, "trigger calls made one at a time for the per-call profile")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write CPU profiles of kickoff's first trigger load windows (server and load generator in one process) to FILE.postgres and FILE.sqlite, and of the timed dashboard queries to FILE.dashboard")
	flag.Parse()
	o.skip = map[string]bool{}
	for s := range strings.SplitSeq(skip, ",") {
		switch s = strings.TrimSpace(s); s {
		case "":
		case "postgres", "sqlite", "binary":
			o.skip[s] = true
		default:
			fmt.Fprintf(os.Stderr, "bench: -skip %q: want postgres, sqlite or binary\n", s)
			os.Exit(2)
		}
	}
	if o.clients < 1 || o.duration <= 0 || o.rounds < 1 || o.duration/time.Duration(o.rounds) <= 0 || o.maxRequests < 1 || o.starts < 1 || o.profileCalls < 1 {
		fmt.Fprintln(os.Stderr, "bench: -clients, -duration, -rounds, -max-requests, -starts and -profile-calls must be positive")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r := &report{opts: o, loadBefore: loadAverage()}
	client := newClient(o.clients)
	var failed []error

	switch {
	case o.skip["postgres"]:
		r.pgSkip = "skipped (-skip postgres)"
	case o.postgresURL == "":
		r.pgSkip = "skipped: no PostgreSQL URL (set KICKOFF_BENCH_POSTGRES_URL or -postgres-url)"
	default:
		rep, err := runPostgres(ctx, o, client)
		var skipped errSkip
		switch {
		case errors.As(err, &skipped):
			r.pgSkip = "skipped: PostgreSQL unreachable: " + skipped.Error()
		case err != nil:
			failed = append(failed, fmt.Errorf("postgres: %w", err))
			if rep != nil && rep.kickoff.total > 0 && rep.base.total > 0 {
				r.pg = rep // what was measured before the failure still stands
			} else {
				r.pgSkip = "failed: " + err.Error()
			}
		default:
			r.pg = rep
		}
	}
	if r.pgSkip != "" {
		logf("PostgreSQL part %s", r.pgSkip)
	}
	if !o.skip["sqlite"] && ctx.Err() == nil {
		rep, err := runSQLite(ctx, o, client)
		if err != nil {
			failed = append(failed, fmt.Errorf("sqlite: %w", err))
		} else {
			r.sqlite = rep
		}
	}
	if !o.skip["binary"] && ctx.Err() == nil {
		rep, err := runBinary(ctx, o, client)
		if err != nil {
			failed = append(failed, fmt.Errorf("binary: %w", err))
		} else {
			r.binary = rep
		}
	}
	logf("done")
	r.loadAfter = loadAverage()

	r.print(os.Stdout)
	if len(failed) > 0 || ctx.Err() != nil {
		for _, err := range failed {
			fmt.Fprintln(os.Stderr, "bench: setup failed:", err)
		}
		if ctx.Err() != nil {
			fmt.Fprintln(os.Stderr, "bench: interrupted")
		}
		os.Exit(1)
	}
}

// loadAverage is the 1-minute load average (Linux), to show how busy the
// machine was: other processes compete with both sides of every ratio.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	first, _, _ := strings.Cut(string(b), " ")
	return first
}
