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
		name         string
		err          error
		lost, notRun bool
	}{
		{name: "nil"},
		{name: "bad connection", err: fmt.Errorf("loading: %w", driver.ErrBadConn), lost: true},
		{name: "admin shutdown", err: &pq.Error{Code: "57P01", Severity: "FATAL"}, lost: true, notRun: true},
		{name: "crash shutdown", err: &pq.Error{Code: "57P02"}, lost: true, notRun: true},
		{name: "cannot connect now", err: &pq.Error{Code: "57P03"}, lost: true, notRun: true},
		{name: "connection failure", err: fmt.Errorf("x: %w", &pq.Error{Code: "08006"}), lost: true, notRun: true},
		{name: "query canceled", err: &pq.Error{Code: "57014"}},
		{name: "unique violation", err: &pq.Error{Code: "23505"}},
		{name: "serialization failure", err: &pq.Error{Code: "40001"}},
		{name: "end of stream", err: fmt.Errorf("reading: %w", io.EOF), lost: true},
		{name: "unexpected end of stream", err: io.ErrUnexpectedEOF, lost: true},
		{name: "connection reset", err: fmt.Errorf("committing: %w", reset), lost: true},
		{name: "broken pipe", err: syscall.EPIPE, lost: true},
		{name: "socket deadline", err: timeout},
		{name: "context canceled", err: context.Canceled},
		{name: "database closed", err: errors.New("sql: database is closed")},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := connectionLost(c.err); got != c.lost {
				t.Errorf("connectionLost = %v, want %v", got, c.lost)
			}
			if got := notRun(c.err); got != c.notRun {
				t.Errorf("notRun = %v, want %v", got, c.notRun)
			}
		})
	}
}

// TestRetryStatement: a statement outside a transaction runs again once, and
// only when the server aborted it and the caller still waits.
func TestRetryStatement(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	lost, aborted := fmt.Errorf("reading: %w", io.EOF), &pq.Error{Code: "57P01"}
	for _, c := range []struct {
		name string
		ctx  context.Context
		errs []error // what each run returns
		runs int
	}{
		{name: "success", ctx: context.Background(), errs: []error{nil}, runs: 1},
		{name: "aborted", ctx: context.Background(), errs: []error{aborted, nil}, runs: 2},
		{name: "aborted twice", ctx: context.Background(), errs: []error{aborted, aborted}, runs: 2},
		{name: "connection lost after sending", ctx: context.Background(), errs: []error{lost}, runs: 1},
		{name: "aborted, caller gone", ctx: canceled, errs: []error{aborted}, runs: 1},
		{name: "its own error", ctx: context.Background(), errs: []error{&pq.Error{Code: "42P01"}}, runs: 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			runs := 0
			err := retryStatement(c.ctx, func() error {
				runs++
				return c.errs[runs-1]
			})
			if runs != c.runs || !errors.Is(err, c.errs[runs-1]) {
				t.Errorf("ran %d times, returned %v; want %d, %v", runs, err, c.runs, c.errs[c.runs-1])
			}
		})
	}
}
