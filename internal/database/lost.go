package database

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
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
// said it ended the session, which aborts the statement. A connection that
// just broke is no such proof: a write may have committed before. (lib/pq
// reports some of those as driver.ErrBadConn, which database/sql retries on
// its own; Kickoff's only write outside a transaction, the iid counter,
// tolerates that.)
func notRun(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && serverEndedSession(pqErr)
}
