package database

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/lib/pq"
)

// TestConnectionLost: which errors mean the connection is gone, and which of
// those prove a statement outside a transaction never took effect.
func TestConnectionLost(t *testing.T) {
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	timeout := &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	for _, c := range []struct {
		name       string
		err        error
		lost, read bool // read: a SELECT may run again
		write      bool // an INSERT may run again
	}{
		{name: "nil"},
		{name: "bad connection", err: fmt.Errorf("loading: %w", driver.ErrBadConn), lost: true, read: true},
		{name: "admin shutdown", err: &pq.Error{Code: "57P01", Severity: "FATAL"}, lost: true, read: true, write: true},
		{name: "crash shutdown", err: &pq.Error{Code: "57P02"}, lost: true, read: true, write: true},
		{name: "cannot connect now", err: &pq.Error{Code: "57P03"}, lost: true, read: true, write: true},
		{name: "connection failure", err: &pq.Error{Code: "08006"}, lost: true, read: true, write: true},
		{name: "query canceled", err: &pq.Error{Code: "57014"}},
		{name: "unique violation", err: &pq.Error{Code: "23505"}},
		{name: "serialization failure", err: &pq.Error{Code: "40001"}},
		{name: "end of stream", err: fmt.Errorf("reading: %w", io.EOF), lost: true, read: true},
		{name: "unexpected end of stream", err: io.ErrUnexpectedEOF, lost: true, read: true},
		{name: "connection reset", err: fmt.Errorf("committing: %w", reset), lost: true, read: true},
		{name: "broken pipe", err: syscall.EPIPE, lost: true, read: true},
		{name: "socket deadline", err: timeout},
		{name: "context canceled", err: context.Canceled},
		{name: "database closed", err: errors.New("sql: database is closed")},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := connectionLost(c.err); got != c.lost {
				t.Errorf("connectionLost = %v, want %v", got, c.lost)
			}
			if got := repeatable(" select id FROM projects", c.err); got != c.read {
				t.Errorf("repeatable(SELECT) = %v, want %v", got, c.read)
			}
			if got := repeatable(`INSERT INTO projects DEFAULT VALUES RETURNING id`, c.err); got != c.write {
				t.Errorf("repeatable(INSERT) = %v, want %v", got, c.write)
			}
		})
	}
}

// TestRetryStatement: a statement outside a transaction runs again once, and
// only when its failure shows that is safe and the caller still waits.
func TestRetryStatement(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	lost := fmt.Errorf("reading: %w", io.EOF)
	for _, c := range []struct {
		name  string
		ctx   context.Context
		query string
		errs  []error // what each run returns
		runs  int
	}{
		{name: "success", ctx: context.Background(), query: "SELECT 1", errs: []error{nil}, runs: 1},
		{name: "read, connection lost", ctx: context.Background(), query: "SELECT 1", errs: []error{lost, nil}, runs: 2},
		{name: "read, lost twice", ctx: context.Background(), query: "SELECT 1", errs: []error{lost, lost}, runs: 2},
		{name: "write, connection lost", ctx: context.Background(), query: "UPDATE t SET n = n + 1", errs: []error{lost}, runs: 1},
		{name: "write, terminated", ctx: context.Background(), query: "UPDATE t SET n = n + 1", errs: []error{&pq.Error{Code: "57P01"}, nil}, runs: 2},
		{name: "read, caller gone", ctx: canceled, query: "SELECT 1", errs: []error{lost}, runs: 1},
		{name: "read, its own error", ctx: context.Background(), query: "SELECT 1", errs: []error{&pq.Error{Code: "42P01"}}, runs: 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			runs := 0
			err := retryStatement(c.ctx, c.query, func() error {
				runs++
				return c.errs[runs-1]
			})
			if runs != c.runs || !errors.Is(err, c.errs[runs-1]) {
				t.Errorf("ran %d times, returned %v; want %d, %v", runs, err, c.runs, c.errs[c.runs-1])
			}
		})
	}
}
