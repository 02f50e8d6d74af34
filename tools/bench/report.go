package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

type report struct {
	opts                  options
	loadBefore, loadAfter string
	pg                    *triggerReport
	pgSkip                string
	sqlite                *triggerReport
	binary                *binaryReport
}

type row struct{ metric, kickoff, baseline, ratio, target, result string }

func fmtDur(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms >= 100:
		return fmt.Sprintf("%.0f ms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1f ms", ms)
	case ms >= 0.1:
		return fmt.Sprintf("%.2f ms", ms)
	}
	return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func ratio(a, b float64) (float64, string) {
	if b == 0 {
		return 0, "—"
	}
	return a / b, fmt.Sprintf("%.2f×", a/b)
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func (r *report) rows() []row {
	var rows []row
	trig := func(label string, t *triggerReport) {
		if t == nil {
			rows = append(rows, row{"trigger endpoint, " + label, "—", "—", "—", "", "SKIP"})
			return
		}
		k, b := t.kickoff, t.base
		x, xs := ratio(k.throughput(), b.throughput())
		rows = append(rows, row{"trigger throughput, " + label,
			fmt.Sprintf("%.0f req/s", k.throughput()), fmt.Sprintf("%.0f req/s", b.throughput()), xs, "≥ 0.70×", verdict(x >= 0.7)})
		_, ps := ratio(float64(k.percentile(50)), float64(b.percentile(50)))
		rows = append(rows, row{"trigger p50 latency, " + label, fmtDur(k.percentile(50)), fmtDur(b.percentile(50)), ps, "", ""})
		p, ps := ratio(float64(k.percentile(99)), float64(b.percentile(99)))
		rows = append(rows, row{"trigger p99 latency, " + label, fmtDur(k.percentile(99)), fmtDur(b.percentile(99)), ps, "≤ 2.00×", verdict(p <= 2 && k.ok > 0 && b.ok > 0)})
		rows = append(rows, row{"trigger non-2xx/errors, " + label, fmt.Sprint(k.errors), fmt.Sprint(b.errors), "", "0", verdict(k.errors == 0 && b.errors == 0)})
	}
	trig("postgres", r.pg)
	trig("sqlite", r.sqlite)

	if r.pg != nil && r.pg.dashboard != nil {
		d := r.pg.dashboard
		x, xs := ratio(float64(pct(d.kickoff, 50)), float64(pct(d.base, 50)))
		rows = append(rows,
			row{"dashboard query p50 latency, postgres", fmtDur(pct(d.kickoff, 50)), fmtDur(pct(d.base, 50)), xs, "≤ 2.00×", verdict(x <= 2 && len(d.kickoff) > 0)})
		_, xs = ratio(float64(pct(d.kickoff, 99)), float64(pct(d.base, 99)))
		rows = append(rows,
			row{"dashboard query p99 latency, postgres", fmtDur(pct(d.kickoff, 99)), fmtDur(pct(d.base, 99)), xs, "", ""},
			row{"dashboard SQL statements, 100 pipelines", fmt.Sprint(d.stmtsBig), "1", "", "≤ 6", verdict(d.stmtsBig <= 6)},
			row{fmt.Sprintf("dashboard SQL statements, %d pipelines", smallPipelines), fmt.Sprint(d.stmtsSmall), "1", "", "same as 100", verdict(d.stmtsSmall == d.stmtsBig)},
			row{"dashboard SQL statements incl. PAT auth", fmt.Sprint(d.stmtsBigHTTP), "1", "", "", ""})
	} else {
		rows = append(rows, row{"dashboard query, postgres", "—", "—", "—", "", "SKIP"})
	}

	if b := r.binary; b != nil {
		median := b.starts[len(b.starts)/2]
		rows = append(rows,
			row{"RSS idle, kickoff serve on sqlite", mib(b.idle.rss), "", "", "≤ 60 MiB", verdict(b.idle.rss > 0 && b.idle.rss <= 60<<20)},
			row{"RSS peak under trigger load", mib(b.peak.rss), "", "", "≤ 200 MiB", verdict(b.peak.rss > 0 && b.peak.rss <= 200<<20)},
			row{fmt.Sprintf("start to ready, median of %d", len(b.starts)), fmtDur(median), "", "", "≤ 500 ms", verdict(median <= 500*time.Millisecond)},
			row{"trigger throughput of kickoff serve", fmt.Sprintf("%.0f req/s", b.load.throughput()), "", "", "", ""},
		)
		if b.load.errors > 0 {
			rows = append(rows, row{"trigger non-2xx/errors, kickoff serve", fmt.Sprint(b.load.errors), "", "", "0", "MISS"})
		}
	} else {
		rows = append(rows, row{"RSS and start-up, kickoff serve", "—", "", "", "", "SKIP"})
	}
	return rows
}

func (r *report) print(w io.Writer) {
	o := r.opts
	fmt.Fprintf(w, "\nKickoff benchmark — %s, %s, %d CPUs, %s/%s\n", time.Now().Format("2006-01-02 15:04 MST"), runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "trigger load: %d clients; %s measured per side in %d alternating rounds, each after a %s warm-up; ratios are kickoff/baseline\n",
		o.clients, o.duration, o.rounds, o.warmup)
	fmt.Fprintf(w, "1-minute load average: %s before, %s after (other processes compete with both sides)\n\n", r.loadBefore, r.loadAfter)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "metric\tkickoff\tbaseline\tratio\ttarget\tresult")
	fmt.Fprintln(tw, "------\t-------\t--------\t-----\t------\t------")
	for _, rw := range r.rows() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", rw.metric, rw.kickoff, rw.baseline, rw.ratio, rw.target, rw.result)
	}
	_ = tw.Flush()

	if r.pgSkip != "" {
		fmt.Fprintf(w, "\nPostgreSQL part %s\n", r.pgSkip)
	}
	for _, t := range []*triggerReport{r.pg, r.sqlite} {
		if t != nil {
			r.printTriggerPath(w, t)
		}
	}
	if r.pg != nil && r.pg.dashboard != nil {
		d := r.pg.dashboard
		fmt.Fprintf(w, "\nDashboard query on postgres: %d GraphQL and %d baseline requests, one at a time, alternating\n", len(d.kickoff), len(d.base))
		fmt.Fprintf(w, "  one GraphQL request's round trips (%s end to end):\n", fmtDur(d.traceDur))
		printTrace(w, d.trace)
	}
	if b := r.binary; b != nil {
		fmt.Fprintf(w, "\nkickoff serve on SQLite:")
		if b.buildTime > 0 {
			fmt.Fprintf(w, " built in %s;", fmtDur(b.buildTime))
		}
		var starts []string
		for _, s := range b.starts {
			starts = append(starts, fmtDur(s))
		}
		fmt.Fprintf(w, " starts to ready %s\n", strings.Join(starts, ", "))
		fmt.Fprintf(w, "  idle after %s: VmRSS %s (anon %s, file %s)\n", b.idleAfter, mib(b.idle.rss), mib(b.idle.anon), mib(b.idle.file))
		fmt.Fprintf(w, "  under load (%d samples): peak VmRSS %s (anon %s, file %s); VmHWM over the process's life %s\n",
			b.rssSamples, mib(b.peak.rss), mib(b.peak.anon), mib(b.peak.file), mib(b.hwm))
		if s := b.load.errorSummary(); s != "" {
			fmt.Fprintf(w, "  load errors: %s\n", s)
		}
		if b.memNote != "" {
			fmt.Fprintf(w, "  %s\n", b.memNote)
		}
	}
	fmt.Fprintln(w)
}

// printTriggerPath explains where a trigger call's time goes.
func (r *report) printTriggerPath(w io.Writer, t *triggerReport) {
	fmt.Fprintf(w, "\nTrigger path on %s\n", t.dialect)
	for _, side := range []struct {
		name string
		res  loadResult
	}{{"kickoff", t.kickoff}, {"baseline", t.base}} {
		if s := side.res.errorSummary(); s != "" {
			fmt.Fprintf(w, "  %s load: %s\n", side.name, s)
		}
	}
	p := t.profile
	if p.calls > 0 {
		per := func(n int64) float64 { return float64(n) / float64(p.calls) }
		lat := p.elapsed / time.Duration(p.calls)
		db := p.counted.DB / time.Duration(p.calls)
		fmt.Fprintf(w, "  one client, %d calls in a row: %s per call, %s of it inside ent's SQL calls (%.0f%%), %s elsewhere (HTTP, JSON, Go)\n",
			p.calls, fmtDur(lat), fmtDur(db), 100*float64(db)/float64(lat), fmtDur(lat-db))
		fmt.Fprintf(w, "  round trips per call: %.1f = %.1f statements (%.1f queries, %.1f execs) + %.1f BEGIN + %.1f COMMIT + %.1f ROLLBACK\n",
			per(p.counted.RoundTrips()), per(p.counted.Statements()), per(p.counted.Queries), per(p.counted.Execs),
			per(p.counted.Begins), per(p.counted.Commits), per(p.counted.Rollbacks))
		if s := p.pg; s != nil && p.pgCalls > 0 {
			n := float64(p.pgCalls)
			fmt.Fprintf(w, "  server per call: %.1f xact_commit (every autocommit statement counts, and so does each prepare step of lib/pq's default two-step statements), %.1f WAL fsyncs, %.0f WAL records, %.1f KiB WAL\n",
				float64(s.commits)/n, float64(s.walSyncs)/n, float64(s.walRecords)/n, float64(s.walBytes)/n/1024)
		}
		if b := t.profileBinaryParams; b != nil && b.calls > 0 {
			blat := b.elapsed / time.Duration(b.calls)
			fmt.Fprintf(w, "  the same with binary_parameters=yes in the URL (one network round trip per statement instead of two): %s per call, %s inside ent's SQL calls\n",
				fmtDur(blat), fmtDur(b.counted.DB/time.Duration(b.calls)))
		}
		fmt.Fprintf(w, "  one call's round trips (%s end to end):\n", fmtDur(p.traceDur))
		printTrace(w, p.trace)
	}
	if t.kickoff.total == 0 {
		return
	}
	fmt.Fprintf(w, "  under load (%d clients):\n", r.opts.clients)
	for _, side := range []struct {
		name string
		res  loadResult
		win  window
	}{{"kickoff", t.kickoff, t.kickoffWin}, {"baseline", t.base, t.baseWin}} {
		if side.res.total == 0 {
			continue
		}
		n := float64(side.res.total)
		fmt.Fprintf(w, "    %-8s p50 %s; per call %.2f waits for a pool connection (pool of %d), %s waiting",
			side.name, fmtDur(side.res.percentile(50)), float64(side.win.pool.WaitCount)/n, side.win.pool.MaxOpenConnections,
			fmtDur(time.Duration(float64(side.win.pool.WaitDuration)/n)))
		if side.name == "kickoff" {
			c := t.kickoffCounted
			fmt.Fprintf(w, ", %.1f round trips, %s inside ent's SQL calls (pool waits included)",
				float64(c.RoundTrips())/n, fmtDur(c.DB/time.Duration(side.res.total)))
		}
		if u := side.win.cpu; side.res.ok > 0 && u.self > 0 {
			fmt.Fprintf(w, "; CPU per call: %s in this process (server and load generator)", fmtDur(u.self/time.Duration(side.res.ok)))
			if u.haveProcesses {
				fmt.Fprintf(w, ", %s in PostgreSQL's %d backends", fmtDur(u.pg/time.Duration(side.res.ok)), u.pgBackends)
			}
			if u.haveMachine {
				fmt.Fprintf(w, "; machine CPUs %.0f%% busy", 100*u.busyShare)
			}
		}
		fmt.Fprintln(w)
	}
	if ops := t.kickoffWin.ops; len(ops) > 0 {
		var all time.Duration
		keys := make([]string, 0, len(ops))
		for k, v := range ops {
			all += v.total
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int { return int(ops[b].total - ops[a].total) })
		var parts []string
		for _, k := range keys[:min(5, len(keys))] {
			v := ops[k]
			parts = append(parts, fmt.Sprintf("%s %.0f%% (%s each)", k, 100*float64(v.total)/float64(all), fmtDur(v.total/time.Duration(v.count))))
		}
		fmt.Fprintf(w, "    kickoff's SQL time by round trip (a pool wait falls on a call's first use of a connection): %s\n", strings.Join(parts, ", "))
	}
	for _, side := range []struct {
		name string
		act  activity
	}{{"kickoff", t.kickoffWin.act}, {"baseline", t.baseWin.act}} {
		if side.act.samples > 0 {
			fmt.Fprintf(w, "    %s's PostgreSQL backends (pg_stat_activity, %d samples): %s\n", side.name, side.act.samples, side.act.summary())
		}
	}
	if t.kickoffPG != nil && t.basePG != nil && t.kickoff.total > 0 && t.base.total > 0 {
		k, b := t.kickoffPG, t.basePG
		kn, bn := float64(t.kickoff.total), float64(t.base.total)
		fmt.Fprintf(w, "    server per call: kickoff %.2f xact_commit, %.2f WAL fsyncs, %.1f KiB WAL; baseline %.2f xact_commit, %.2f WAL fsyncs, %.1f KiB WAL\n",
			float64(k.commits)/kn, float64(k.walSyncs)/kn, float64(k.walBytes)/kn/1024,
			float64(b.commits)/bn, float64(b.walSyncs)/bn, float64(b.walBytes)/bn/1024)
	}
}

// summary lists the states by share of backend-samples, largest first.
func (a activity) summary() string {
	total := 0
	for _, n := range a.states {
		total += n
	}
	if total == 0 {
		return "none seen"
	}
	keys := make([]string, 0, len(a.states))
	for k := range a.states {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y string) int { return a.states[y] - a.states[x] })
	var parts []string
	for _, k := range keys {
		if share := 100 * float64(a.states[k]) / float64(total); share >= 1 {
			parts = append(parts, fmt.Sprintf("%s %.0f%%", k, share))
		}
	}
	return fmt.Sprintf("%.1f on average, %s", float64(total)/float64(a.samples), strings.Join(parts, ", "))
}

func printTrace(w io.Writer, trace []string) {
	for i, s := range trace {
		if i == len(trace)-1 {
			fmt.Fprintf(w, "        %s\n", s)
			continue
		}
		fmt.Fprintf(w, "    %2d  %s\n", i+1, s)
	}
}
