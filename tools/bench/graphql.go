package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kickoff-ci/kickoff/internal/database"
)

// dashboardGraphQL is SPEC §10's dashboard query.
func dashboardGraphQL(fullPath string) string {
	return `query { project(fullPath: "` + fullPath + `") { pipelines(first: 100) { nodes {
  iid status ref source createdAt trigger { owner { username } } user { username } } } } }`
}

type dashboardReport struct {
	kickoff, base []time.Duration // sorted
	// SQL statements of one query while GraphQL executes it (what
	// graph/statements_test.go pins), and for the whole HTTP request
	// (PAT authentication included), on the big and the small project.
	stmtsBig, stmtsSmall         int64
	stmtsBigHTTP, stmtsSmallHTTP int64
	nodes                        int
	trace                        []string // one request's round trips
	traceDur                     time.Duration
}

func pct(sorted []time.Duration, p float64) time.Duration {
	return loadResult{latencies: sorted}.percentile(p)
}

// runDashboard times the dashboard query against Kickoff's GraphQL endpoint
// and the hand-written baseline, one request at a time, alternating, and
// counts the SQL statements of one query.
func runDashboard(ctx context.Context, o options, client *http.Client, db *database.DB, f *fixture) (*dashboardReport, error) {
	c := &counters{}
	h, err := newKickoff(db, c)
	if err != nil {
		return nil, err
	}
	k, err := serveLoopback(h)
	if err != nil {
		return nil, err
	}
	defer k.Close()
	b, err := serveLoopback(dashboardBaseline(db.SQL))
	if err != nil {
		return nil, err
	}
	defer b.Close()
	defer client.CloseIdleConnections()

	gql := func(fullPath string) func(context.Context) (*http.Request, error) {
		body, _ := json.Marshal(map[string]string{"query": dashboardGraphQL(fullPath)})
		return func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, k.URL+"/api/graphql", bytes.NewReader(body))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("PRIVATE-TOKEN", f.pat)
			return req, nil
		}
	}
	baseline := func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, b.URL+"/?project="+url.QueryEscape(dashboardProject), nil)
	}
	check := func(name string, newReq func(context.Context) (*http.Request, error), want int) error {
		status, body, err := do(ctx, client, newReq)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if got := strings.Count(body, `"iid"`); status != http.StatusOK || strings.Contains(body, `"errors"`) || got != want {
			return fmt.Errorf("%s answered %d with %d pipelines, want 200 with %d: %.300s", name, status, got, want, body)
		}
		return nil
	}
	big, small := gql(dashboardProject), gql(smallProject)

	logf("postgres: dashboard query, GraphQL vs hand-written SQL+JSON, %d requests each", o.dashboardRequests)
	for range 20 { // warm up: query cache, pool connections, PAT last-use write
		if err := check("GraphQL dashboard query", big, 100); err != nil {
			return nil, err
		}
		if err := check("baseline dashboard handler", baseline, 100); err != nil {
			return nil, err
		}
		if err := check("GraphQL dashboard query (small project)", small, smallPipelines); err != nil {
			return nil, err
		}
	}
	rep := &dashboardReport{nodes: 100}
	count := func(newReq func(context.Context) (*http.Request, error), want int) (graphQL, http int64, err error) {
		before := c.snapshot()
		if err := check("GraphQL dashboard query", newReq, want); err != nil {
			return 0, 0, err
		}
		d := c.snapshot().sub(before)
		return d.InGraphQL, d.Statements(), nil
	}
	if rep.stmtsBig, rep.stmtsBigHTTP, err = count(big, 100); err != nil {
		return nil, err
	}
	c.startTrace()
	start := time.Now()
	err = check("GraphQL dashboard query", big, 100)
	rep.traceDur = time.Since(start)
	rep.trace = c.stopTrace()
	if err != nil {
		return nil, err
	}
	if rep.stmtsSmall, rep.stmtsSmallHTTP, err = count(small, smallPipelines); err != nil {
		return nil, err
	}

	if o.cpuProfile != "" {
		stop, err := startCPUProfile(o.cpuProfile+".dashboard", 0)
		if err != nil {
			return nil, err
		}
		defer stop()
	}
	deadline := time.Now().Add(o.dashboardMaxTime)
	for i := 0; i < o.dashboardRequests && time.Now().Before(deadline); i++ {
		for _, side := range []struct {
			newReq func(context.Context) (*http.Request, error)
			into   *[]time.Duration
		}{{big, &rep.kickoff}, {baseline, &rep.base}} {
			start := time.Now()
			status, body, err := do(ctx, client, side.newReq)
			if err != nil || status != http.StatusOK {
				return nil, fmt.Errorf("dashboard request answered %d %v: %.200s", status, err, body)
			}
			*side.into = append(*side.into, time.Since(start))
		}
	}
	slices.Sort(rep.kickoff)
	slices.Sort(rep.base)
	return rep, ctx.Err()
}
