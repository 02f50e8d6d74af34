//go:build unix

package database

import (
	"fmt"
	"io"
	"syscall"
)

// closedByPeer reads whatever the socket holds without blocking, keeping
// data in c.pending, and reports an end of stream or a socket error. The
// caller holds c.mu and no Read is under way, so reading the descriptor
// directly competes with nobody.
func (c *checkedConn) closedByPeer() error {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	var closed error
	var buf [512]byte
	err = raw.Control(func(fd uintptr) {
		for {
			n, err := syscall.Read(int(fd), buf[:])
			switch {
			case err == syscall.EINTR:
				continue
			case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK:
				return // nothing (more) to read: the socket is open
			case err != nil:
				closed = err
				return
			case n == 0:
				closed = io.EOF
				return
			}
			c.pending = append(c.pending, buf[:n]...)
		}
	})
	if err != nil {
		return nil // let the write itself fail
	}
	if closed != nil {
		return fmt.Errorf("the database server closed the connection: %w", closed)
	}
	return nil
}
