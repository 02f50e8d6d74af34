package database

import (
	"io"
	"net"
	"testing"
	"time"
)

// TestCheckedConnRefusesClosedSocket: a write to a socket the server closed
// writes nothing and fails (lib/pq then reports the retryable
// driver.ErrBadConn), while bytes read ahead on an open one are not lost.
func TestCheckedConnRefusesClosedSocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	c, err := checkingDialer{}.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	server := <-accepted

	// Open: an unsolicited message waiting on the socket is kept for Read.
	if _, err := server.Write([]byte("notice")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if n, err := c.Write([]byte("query")); n != 5 || err != nil {
		t.Fatalf("Write on an open socket = %d, %v", n, err)
	}
	got := make([]byte, 6)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "notice" {
		t.Fatalf("Read after the check = %q, %v; want the bytes read ahead", got, err)
	}

	// Closed by the server: nothing is written.
	server.Close()
	time.Sleep(50 * time.Millisecond)
	n, err := c.Write([]byte("query"))
	if n != 0 || err == nil {
		t.Fatalf("Write on a socket the server closed = %d, %v; want 0 and an error", n, err)
	}
}
