//go:build !unix

package database

// closedByPeer has no non-blocking peek here; lib/pq finds out on its own.
func (c *checkedConn) closedByPeer() error { return nil }
