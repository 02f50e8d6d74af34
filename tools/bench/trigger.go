package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"time"

	"entgo.io/ent/dialect"

	"github.com/kickoff-ci/kickoff/internal/database"
)

// triggerReport is one dialect's trigger endpoint measurement.
type triggerReport struct {
	dialect        string
	kickoff, base  loadResult
	kickoffCounted snapshot // ent round trips over the whole load phase
	// PostgreSQL server counters over each load phase (nil on SQLite).
	kickoffPG, basePG *pgStats
	// What else each load phase's measured window saw.
	kickoffWin, baseWin window
	profile             serialProfile
	// profileBinaryParams is the same serial profile with lib/pq's
	// binary_parameters=yes, which sends a statement with arguments in one
	// network round trip instead of two (PostgreSQL only; a what-if).
	profileBinaryParams *serialProfile
	dashboard           *dashboardReport // PostgreSQL only
}

// serialProfile is one client calling the trigger endpoint n times in a row:
// no queueing, so every number is the cost of one call.
type serialProfile struct {
	calls    int
	counted  snapshot      // ent round trips over the measured calls
	elapsed  time.Duration // of the measured calls
	trace    []string      // one call's round trips, in order
	pg       *pgStats      // server counters over every call of the profile
	pgCalls  int           // calls pg covers (warm-up included)
	traceDur time.Duration
}

func (o options) loadSpec(name, url, body string) loadSpec {
	return loadSpec{
		name: name, clients: o.clients, warmup: o.warmup, duration: o.duration,
		maxRequests: o.maxRequests, want: http.StatusCreated,
		newRequest: formPost(url, body),
	}
}

// runPostgres measures the trigger endpoint, its baseline, the dashboard
// query and one serial trigger profile on a scratch database.
func runPostgres(ctx context.Context, o options, client *http.Client) (*triggerReport, error) {
	pg, err := connectPostgres(ctx, o.postgresURL)
	if err != nil {
		return nil, err
	}
	defer pg.drop()
	cfg := database.Config{URL: pg.URL()}
	rep := &triggerReport{dialect: dialect.Postgres}

	logf("postgres: migrating scratch database %s and creating the fixture", pg.name)
	setup, err := openMigrated(ctx, cfg)
	if err != nil {
		return nil, err
	}
	f, err := seed(ctx, setup, true)
	_ = setup.Close()
	if err != nil {
		return nil, err
	}

	// Each phase gets a pool of its own (Kickoff's default settings), closed
	// at its end so PostgreSQL publishes the phase's counters.
	withPool := func(fn func(db *database.DB) error) (*pgStats, error) {
		pg.settle(ctx)
		before, serr := pg.stats(ctx)
		db, err := database.Open(ctx, cfg)
		if err != nil {
			return nil, err
		}
		err = fn(db)
		_ = db.Close()
		if err != nil {
			return nil, err
		}
		pg.settle(ctx)
		after, aerr := pg.stats(ctx)
		if serr != nil || aerr != nil {
			return nil, nil // counters unavailable; the timings still stand
		}
		d := after.sub(before)
		return &d, nil
	}

	// pgWindow has a load phase sample its backends' CPU and activity.
	pgWindow := func(w *window) *window {
		w.pgDatabase = pg.name
		w.sampler = func() func() {
			stop := pg.sampleActivity(ctx, o.warmup)
			return func() { w.act = stop() }
		}
		return w
	}
	// The measured windows alternate, kickoff then baseline, o.rounds
	// times, so a busy neighbour on the machine weighs on both sides alike.
	slice := o.slice()
	for round := range o.rounds {
		var kw, bw window
		kpg, err := withPool(func(db *database.DB) error {
			res, counted, err := loadKickoff(ctx, slice, client, db, f, "postgres", round, pgWindow(&kw))
			rep.addKickoff(res, counted, kw)
			return err
		})
		if err != nil {
			return nil, err
		}
		rep.kickoffPG = addPG(rep.kickoffPG, kpg, round)
		bpg, err := withPool(func(db *database.DB) error {
			res, err := loadBaseline(ctx, slice, client, db, "postgres", round, pgWindow(&bw))
			rep.addBaseline(res, bw)
			return err
		})
		if err != nil {
			return nil, err
		}
		rep.basePG = addPG(rep.basePG, bpg, round)
	}
	rep.finish()
	_, err = withPool(func(db *database.DB) error {
		var err error
		rep.dashboard, err = runDashboard(ctx, o, client, db, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	rep.profile.pg, err = withPool(func(db *database.DB) error {
		var err error
		rep.profile, err = profileTrigger(ctx, o, client, db, f)
		return err
	})
	if err != nil {
		return rep, err
	}
	if rep.profile.pg != nil {
		rep.profile.pgCalls = rep.profile.calls + profileWarmup + 1
	}
	if u, perr := url.Parse(cfg.URL); perr == nil && u.Query().Get("binary_parameters") == "" {
		q := u.Query()
		q.Set("binary_parameters", "yes")
		u.RawQuery = q.Encode()
		db, err := database.Open(ctx, database.Config{URL: u.String()})
		if err != nil {
			return rep, err
		}
		defer db.Close()
		p, err := profileTrigger(ctx, o, client, db, f)
		if err != nil {
			return rep, fmt.Errorf("profile with binary_parameters=yes: %w", err)
		}
		rep.profileBinaryParams = &p
	}
	return rep, nil
}

// runSQLite does the same on an embedded database in a temp directory.
func runSQLite(ctx context.Context, o options, client *http.Client) (*triggerReport, error) {
	dir, err := os.MkdirTemp("", "kickoff-bench-sqlite-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	rep := &triggerReport{dialect: dialect.SQLite}

	logf("sqlite: migrating %s and creating the fixture", dir)
	db, err := openMigrated(ctx, database.Config{DataDir: dir + "/kickoff"})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	f, err := seed(ctx, db, false)
	if err != nil {
		return nil, err
	}
	// The baseline gets its own file, opened with the same DSN and pool.
	base, err := database.Open(ctx, database.Config{DataDir: dir + "/baseline"})
	if err != nil {
		return nil, err
	}
	defer base.Close()
	slice := o.slice()
	for round := range o.rounds {
		var kw, bw window
		res, counted, err := loadKickoff(ctx, slice, client, db, f, "sqlite", round, &kw)
		if err != nil {
			return nil, err
		}
		rep.addKickoff(res, counted, kw)
		bres, err := loadBaseline(ctx, slice, client, base, "sqlite", round, &bw)
		if err != nil {
			return nil, err
		}
		rep.addBaseline(bres, bw)
	}
	rep.finish()
	rep.profile, err = profileTrigger(ctx, o, client, db, f)
	return rep, err
}

// loadKickoff drives the real server's trigger endpoint on db; w records
// what else the measured window saw.
func loadKickoff(ctx context.Context, o options, client *http.Client, db *database.DB, f *fixture, label string, round int, w *window) (loadResult, snapshot, error) {
	c := &counters{}
	h, err := newKickoff(db, c)
	if err != nil {
		return loadResult{}, snapshot{}, err
	}
	t, err := serveLoopback(h)
	if err != nil {
		return loadResult{}, snapshot{}, err
	}
	defer t.Close()
	defer client.CloseIdleConnections()
	if o.cpuProfile != "" && round == 0 {
		stop, err := startCPUProfile(o.cpuProfile+"."+label, o.warmup)
		if err != nil {
			return loadResult{}, snapshot{}, err
		}
		defer stop()
	}
	logf("%s: kickoff trigger endpoint, round %d/%d: %d clients, %s warm-up + %s", label, round+1, o.rounds, o.clients, o.warmup, o.duration)
	res := w.measure(ctx, o, client, db, o.loadSpec("kickoff", triggerURL(t.URL), triggerBody(f.triggerToken)))
	w.ops = c.opsSnapshot()
	return res, c.snapshot(), ctx.Err()
}

func loadBaseline(ctx context.Context, o options, client *http.Client, db *database.DB, label string, round int, w *window) (loadResult, error) {
	insert, err := createBaselineTable(ctx, db.SQL, db.Dialect)
	if err != nil {
		return loadResult{}, fmt.Errorf("creating the baseline table: %w", err)
	}
	t, err := serveLoopback(triggerBaseline(db.SQL, insert))
	if err != nil {
		return loadResult{}, err
	}
	defer t.Close()
	defer client.CloseIdleConnections()
	logf("%s: baseline INSERT … RETURNING handler, round %d/%d: %d clients, %s warm-up + %s", label, round+1, o.rounds, o.clients, o.warmup, o.duration)
	// The same path and body, so the HTTP work is the same.
	spec := o.loadSpec("baseline", triggerURL(t.URL), triggerBody("kot_baselinebaselinebaselinebaseline00"))
	res := w.measure(ctx, o, client, db, spec)
	return res, ctx.Err()
}

// window is what one load phase's measured window saw besides the answers.
type window struct {
	pgDatabase string            // sample its backends' activity and CPU (PostgreSQL)
	sampler    func() func()     // starts sampling pg_stat_activity; nil on SQLite
	pool       sql.DBStats       // waits for a pool connection over the phase
	cpu        cpuUsage          // over the measured window
	act        activity          // pg_stat_activity samples (PostgreSQL)
	ops        map[string]opStat // kickoff's SQL time per round trip kind
}

// measure runs the load, sampling the pool, the CPU and (PostgreSQL) the
// backends' activity around it.
func (w *window) measure(ctx context.Context, o options, client *http.Client, db *database.DB, spec loadSpec) loadResult {
	before := db.SQL.Stats()
	if w.sampler != nil {
		defer w.sampler()()
	}
	cpuDone := make(chan cpuUsage, 1)
	go func() {
		var u cpuUsage
		defer func() { cpuDone <- u }()
		select {
		case <-time.After(spec.warmup):
		case <-ctx.Done():
			return
		}
		start := sampleCPU(w.pgDatabase)
		select {
		case <-time.After(spec.duration):
		case <-ctx.Done():
			return
		}
		u = sampleCPU(w.pgDatabase).sub(start)
	}()
	res := runLoad(ctx, client, spec)
	w.cpu = <-cpuDone
	after := db.SQL.Stats()
	after.WaitCount -= before.WaitCount
	after.WaitDuration -= before.WaitDuration
	w.pool = after
	return res
}

// slice is o with each load window cut into o.rounds parts.
func (o options) slice() options {
	o.duration /= time.Duration(o.rounds)
	return o
}

func (r *triggerReport) addKickoff(res loadResult, counted snapshot, w window) {
	r.kickoff.merge(res)
	r.kickoffCounted = r.kickoffCounted.add(counted)
	r.kickoffWin.merge(w)
}

func (r *triggerReport) addBaseline(res loadResult, w window) {
	r.base.merge(res)
	r.baseWin.merge(w)
}

// finish sorts the merged latencies.
func (r *triggerReport) finish() {
	slices.Sort(r.kickoff.latencies)
	slices.Sort(r.base.latencies)
}

// addPG sums server counters over rounds; nil once any round has none.
func addPG(sum, d *pgStats, round int) *pgStats {
	if round == 0 || sum == nil || d == nil {
		if round == 0 {
			return d
		}
		return nil
	}
	total := *sum
	total.commits += d.commits
	total.walRecords += d.walRecords
	total.walBytes += d.walBytes
	total.walWrites += d.walWrites
	total.walSyncs += d.walSyncs
	return &total
}

// merge adds another window's observations to w.
func (w *window) merge(o window) {
	w.pool.MaxOpenConnections = o.pool.MaxOpenConnections
	w.pool.WaitCount += o.pool.WaitCount
	w.pool.WaitDuration += o.pool.WaitDuration
	w.cpu.merge(o.cpu)
	w.act.samples += o.act.samples
	for k, n := range o.act.states {
		if w.act.states == nil {
			w.act.states = map[string]int{}
		}
		w.act.states[k] += n
	}
	for k, v := range o.ops {
		if w.ops == nil {
			w.ops = map[string]opStat{}
		}
		sum := w.ops[k]
		sum.count += v.count
		sum.total += v.total
		w.ops[k] = sum
	}
}

const profileWarmup = 5
