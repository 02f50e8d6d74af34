package database

import (
	"context"
	"database/sql/driver"
	"net"
	"sync"
	"time"

	"github.com/lib/pq"
)

// postgresConnector opens lib/pq connections whose sockets check, before
// each write, that PostgreSQL has not closed them in the meantime.
//
// When PostgreSQL restarts, fails over or terminates backends, every idle
// connection in the pool is dead, and lib/pq only learns it by sending a
// query: depending on how the socket fails that is either a FATAL message
// (reported as driver.ErrBadConn, which database/sql retries on another
// connection) or "connection reset by peer" (reported as is, because the
// query may have run, and failing the request). Noticing the close before
// anything is written turns every such case into the retryable one, the
// way pgx checks a connection's liveness before handing it out. One
// non-blocking read per write is negligible next to a round trip.
func postgresConnector(dsn string) (driver.Connector, error) {
	c, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	c.Dialer(checkingDialer{})
	return c, nil
}

// checkingDialer dials like lib/pq's default dialer and wraps the socket.
type checkingDialer struct{ d net.Dialer }

func (d checkingDialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

func (d checkingDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.DialContext(ctx, network, address)
}

func (d checkingDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := d.d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return &checkedConn{Conn: c}, nil
}

// checkedConn refuses to write to a socket the server has closed, writing
// nothing, which lib/pq reports as a safely retryable driver.ErrBadConn.
// Bytes the check reads ahead (a notice, a notification) are handed to the
// next Read. No check runs while a Read is under way (lib/pq reads and
// writes at once during COPY): it would take the bytes that Read waits for.
type checkedConn struct {
	net.Conn
	mu      sync.Mutex // guards pending and reading
	pending []byte
	reading bool
}

func (c *checkedConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		c.mu.Unlock()
		return n, nil
	}
	c.reading = true
	c.mu.Unlock()
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.reading = false
	c.mu.Unlock()
	return n, err
}

func (c *checkedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	var err error
	if !c.reading {
		err = c.closedByPeer()
	}
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}
