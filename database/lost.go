package database

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/lib/pq"
)

// connectionLost reports whether err says the connection to the database
// broke, or the server ended the session, rather than that the statement
// itself failed. Inside a transaction either means the transaction is gone
// and did not commit, unless the statement was COMMIT (see tx.Commit).
//
// lib/pq reports a lost connection in several forms: driver.ErrBadConn
// (nothing was sent, or a FATAL message or end of stream arrived), the
// server's FATAL error itself, or the raw network error.
func connectionLost(err error) bool {
	if err == nil {
		return false
	}
	var pqErr *pq.Error
	var netErr net.Error
	switch {
	case errors.Is(err, driver.ErrBadConn),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	case errors.As(err, &pqErr):
		return serverEndedSession(pqErr)
	case errors.As(err, &netErr):
		// A deadline set by the caller's context is not a lost connection.
		return !netErr.Timeout()
	}
	return false
}

// serverEndedSession reports the errors with which PostgreSQL ends a session
// or refuses a new one: class 08 (connection exception) and 57P01
// admin_shutdown (pg_terminate_backend, a fast shutdown), 57P02
// crash_shutdown, 57P03 cannot_connect_now (starting up or shutting down).
// The statement they answer did not take effect: the server aborts the
// running transaction before it sends them.
func serverEndedSession(err *pq.Error) bool {
	switch err.Code {
	case "57P01", "57P02", "57P03":
		return true
	}
	return err.Code.Class() == "08"
}

// notRun reports whether err proves that a statement outside a transaction
// never took effect, so that running it again cannot do it twice: the server
// said it ended the session, which aborts the statement. driver.ErrBadConn is
// not such proof (lib/pq also reports an end of stream after sending with it),
// and database/sql has already retried it where it can.
func notRun(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && serverEndedSession(pqErr)
}

// repeatable reports whether a statement outside a transaction may run again
// after err: a read whose connection was lost (reading twice changes
// nothing), or any statement the server aborted. A write whose connection
// broke after it was sent may have committed and is not run again.
func repeatable(query string, err error) bool {
	if notRun(err) {
		return true
	}
	return connectionLost(err) && isRead(query)
}

// isRead reports whether query is a plain SELECT. ent's reads all are; a
// SELECT calling a function with side effects is not something Kickoff runs
// outside a transaction.
func isRead(query string) bool {
	q := strings.TrimSpace(query)
	return len(q) >= len("SELECT") && strings.EqualFold(q[:len("SELECT")], "SELECT")
}
