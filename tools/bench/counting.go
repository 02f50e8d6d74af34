package main

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	"github.com/99designs/gqlgen/graphql"
)

// counters are what countingDriver records: every SQL round trip ent makes
// (statements, BEGIN, COMMIT, ROLLBACK) and the wall time spent in them,
// including the wait for a pool connection. The cost per statement is two
// clock reads, a few atomic adds and a map update under a mutex: far below
// one loopback round trip.
type counters struct {
	queries, execs  atomic.Int64
	begins, commits atomic.Int64
	rollbacks       atomic.Int64
	inGraphQL       atomic.Int64 // statements issued while a GraphQL operation executes
	dbNanos         atomic.Int64
	tracing         atomic.Bool
	mu              sync.Mutex
	ops             map[string]*opStat // per round trip kind ("UPDATE projects")
	trace           []string           // what one traced request did, in order
	traceLast       time.Time
}

// opStat is how often one kind of round trip ran and how long it took in all.
type opStat struct {
	count int64
	total time.Duration
}

// opsSnapshot copies the per-kind statistics.
func (c *counters) opsSnapshot() map[string]opStat {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]opStat, len(c.ops))
	for k, v := range c.ops {
		out[k] = *v
	}
	return out
}

// snapshot is a copy of the counters at one moment.
type snapshot struct {
	Queries, Execs, Begins, Commits, Rollbacks, InGraphQL int64
	DB                                                    time.Duration
}

func (c *counters) snapshot() snapshot {
	return snapshot{
		Queries: c.queries.Load(), Execs: c.execs.Load(),
		Begins: c.begins.Load(), Commits: c.commits.Load(), Rollbacks: c.rollbacks.Load(),
		InGraphQL: c.inGraphQL.Load(), DB: time.Duration(c.dbNanos.Load()),
	}
}

func (s snapshot) sub(o snapshot) snapshot {
	return snapshot{
		Queries: s.Queries - o.Queries, Execs: s.Execs - o.Execs,
		Begins: s.Begins - o.Begins, Commits: s.Commits - o.Commits, Rollbacks: s.Rollbacks - o.Rollbacks,
		InGraphQL: s.InGraphQL - o.InGraphQL, DB: s.DB - o.DB,
	}
}

func (s snapshot) add(o snapshot) snapshot {
	return snapshot{
		Queries: s.Queries + o.Queries, Execs: s.Execs + o.Execs,
		Begins: s.Begins + o.Begins, Commits: s.Commits + o.Commits, Rollbacks: s.Rollbacks + o.Rollbacks,
		InGraphQL: s.InGraphQL + o.InGraphQL, DB: s.DB + o.DB,
	}
}

// Statements are queries plus execs; round trips add BEGIN/COMMIT/ROLLBACK.
func (s snapshot) Statements() int64 { return s.Queries + s.Execs }
func (s snapshot) RoundTrips() int64 {
	return s.Statements() + s.Begins + s.Commits + s.Rollbacks
}

// startTrace records the round trips that follow until stopTrace.
func (c *counters) startTrace() {
	c.mu.Lock()
	c.trace, c.traceLast = nil, time.Now()
	c.mu.Unlock()
	c.tracing.Store(true)
}

// stopTrace ends the trace once the response is read, and adds the time
// after the last round trip (rendering the answer, HTTP) as a last line.
func (c *counters) stopTrace() []string {
	c.tracing.Store(false)
	c.mu.Lock()
	defer c.mu.Unlock()
	return append(c.trace, fmt.Sprintf("%-32s %8s in Go after the last round trip (answer, HTTP)", "(response)", fmtDur(time.Since(c.traceLast))))
}

func (c *counters) note(ctx context.Context, kind, query string, start time.Time) {
	end := time.Now()
	c.dbNanos.Add(int64(end.Sub(start)))
	switch kind {
	case "query":
		c.queries.Add(1)
	case "exec":
		c.execs.Add(1)
	case "begin":
		c.begins.Add(1)
	case "commit":
		c.commits.Add(1)
	case "rollback":
		c.rollbacks.Add(1)
	}
	inGraphQL := (kind == "query" || kind == "exec") && ctx != nil && graphql.HasOperationContext(ctx)
	if inGraphQL {
		c.inGraphQL.Add(1)
	}
	op := describe(kind, query)
	c.mu.Lock()
	if c.ops == nil {
		c.ops = map[string]*opStat{}
	}
	st := c.ops[op]
	if st == nil {
		st = &opStat{}
		c.ops[op] = st
	}
	st.count++
	st.total += end.Sub(start)
	c.mu.Unlock()
	if c.tracing.Load() {
		c.mu.Lock()
		gap := start.Sub(c.traceLast)
		c.traceLast = end
		where := ""
		if inGraphQL {
			where = ", GraphQL execution"
		}
		c.trace = append(c.trace, fmt.Sprintf("%-32s %8s in the database, %8s in Go before it%s",
			op, fmtDur(end.Sub(start)), fmtDur(gap), where))
		c.mu.Unlock()
	}
}

// describe names a round trip by its verb and table, never its arguments.
func describe(kind, query string) string {
	switch kind {
	case "begin":
		return "BEGIN"
	case "commit":
		return "COMMIT"
	case "rollback":
		return "ROLLBACK"
	}
	q := strings.TrimSpace(query)
	verb, _, _ := strings.Cut(q, " ")
	verb = strings.ToUpper(verb)
	table := ""
	switch verb {
	case "SELECT":
		table = quotedAfter(q, " FROM ")
	case "INSERT":
		table = quotedAfter(q, "INSERT INTO ")
	case "UPDATE":
		table = quotedAfter(q, "UPDATE ")
	case "DELETE":
		table = quotedAfter(q, "DELETE FROM ")
	}
	if strings.Contains(q, " RETURNING ") {
		verb += "…RETURNING"
	}
	if table == "" {
		return verb
	}
	return verb + " " + table
}

func quotedAfter(q, marker string) string {
	i := strings.Index(q, marker)
	if i < 0 {
		return ""
	}
	rest := strings.TrimSpace(q[i+len(marker):])
	if strings.HasPrefix(rest, `"`) || strings.HasPrefix(rest, "`") {
		end := strings.IndexAny(rest[1:], "\"`")
		if end >= 0 {
			return rest[1 : end+1]
		}
	}
	name, _, _ := strings.Cut(rest, " ")
	return name
}

// countingDriver wraps ent's SQL driver, as graph/statements_test.go does
// with dialect.DebugWithContext, but counts by kind and times each call.
type countingDriver struct {
	dialect.Driver
	c *counters
}

func (d *countingDriver) Exec(ctx context.Context, query string, args, v any) error {
	start := time.Now()
	err := d.Driver.Exec(ctx, query, args, v)
	d.c.note(ctx, "exec", query, start)
	return err
}

func (d *countingDriver) Query(ctx context.Context, query string, args, v any) error {
	start := time.Now()
	err := d.Driver.Query(ctx, query, args, v)
	d.c.note(ctx, "query", query, start)
	return err
}

func (d *countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	start := time.Now()
	tx, err := d.Driver.Tx(ctx)
	d.c.note(ctx, "begin", "", start)
	if err != nil {
		return nil, err
	}
	return &countingTx{Tx: tx, c: d.c, ctx: ctx}, nil
}

// ExecContext and QueryContext pass ent's raw-SQL calls (client.ExecContext,
// client.QueryContext) through, counted like the rest.
func (d *countingDriver) ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error) {
	ex, ok := d.Driver.(interface {
		ExecContext(context.Context, string, ...any) (stdsql.Result, error)
	})
	if !ok {
		return nil, errors.New("bench: driver has no ExecContext")
	}
	start := time.Now()
	res, err := ex.ExecContext(ctx, query, args...)
	d.c.note(ctx, "exec", query, start)
	return res, err
}

func (d *countingDriver) QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error) {
	q, ok := d.Driver.(interface {
		QueryContext(context.Context, string, ...any) (*stdsql.Rows, error)
	})
	if !ok {
		return nil, errors.New("bench: driver has no QueryContext")
	}
	start := time.Now()
	rows, err := q.QueryContext(ctx, query, args...)
	d.c.note(ctx, "query", query, start)
	return rows, err
}

type countingTx struct {
	dialect.Tx
	c   *counters
	ctx context.Context
}

func (t *countingTx) Exec(ctx context.Context, query string, args, v any) error {
	start := time.Now()
	err := t.Tx.Exec(ctx, query, args, v)
	t.c.note(ctx, "exec", query, start)
	return err
}

func (t *countingTx) Query(ctx context.Context, query string, args, v any) error {
	start := time.Now()
	err := t.Tx.Query(ctx, query, args, v)
	t.c.note(ctx, "query", query, start)
	return err
}

func (t *countingTx) Commit() error {
	start := time.Now()
	err := t.Tx.Commit()
	t.c.note(t.ctx, "commit", "", start)
	return err
}

func (t *countingTx) Rollback() error {
	start := time.Now()
	err := t.Tx.Rollback()
	t.c.note(t.ctx, "rollback", "", start)
	return err
}

func (t *countingTx) ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error) {
	ex, ok := t.Tx.(interface {
		ExecContext(context.Context, string, ...any) (stdsql.Result, error)
	})
	if !ok {
		return nil, errors.New("bench: transaction has no ExecContext")
	}
	start := time.Now()
	res, err := ex.ExecContext(ctx, query, args...)
	t.c.note(ctx, "exec", query, start)
	return res, err
}

func (t *countingTx) QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error) {
	q, ok := t.Tx.(interface {
		QueryContext(context.Context, string, ...any) (*stdsql.Rows, error)
	})
	if !ok {
		return nil, errors.New("bench: transaction has no QueryContext")
	}
	start := time.Now()
	rows, err := q.QueryContext(ctx, query, args...)
	t.c.note(ctx, "query", query, start)
	return rows, err
}
