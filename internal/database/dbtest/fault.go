package dbtest

import (
	"bytes"
	"net"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// Fault relays connections to a PostgreSQL server and, once armed, breaks
// the connections whose client sends a message containing a marker (say
// "COMMIT\x00"), to test what a lost connection does at that moment.
type Fault struct {
	// URL is the database URL through the relay.
	URL     string
	target  string
	marker  []byte
	deliver bool
	armed   atomic.Int32 // connections still to break
	tripped atomic.Int32 // connections broken
}

// NewFault relays to the server of dsn. With deliver the server still gets
// the marked message and acts on it, and only its answer is lost; without,
// the connection breaks before the server sees it. Arm it when setup is done.
func NewFault(tb testing.TB, dsn, marker string, deliver bool) *Fault {
	tb.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ln.Close() })
	f := &Fault{target: u.Host, marker: []byte(marker), deliver: deliver}
	u.Host = ln.Addr().String()
	f.URL = u.String()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.relay(c)
		}
	}()
	return f
}

// Arm makes the next n marked messages break their connections.
func (f *Fault) Arm(n int) { f.armed.Store(int32(n)) }

// Tripped is how many connections were broken.
func (f *Fault) Tripped() int { return int(f.tripped.Load()) }

// trip reports whether a message should break its connection, and counts it.
func (f *Fault) trip(msg []byte) bool {
	if !bytes.Contains(msg, f.marker) || f.armed.Add(-1) < 0 {
		return false
	}
	f.tripped.Add(1)
	return true
}

func (f *Fault) relay(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", f.target)
	if err != nil {
		return
	}
	defer server.Close()
	var mute atomic.Bool // set: the server's answers are dropped
	go relayAnswers(server, client, &mute)
	buf := make([]byte, 32<<10)
	for {
		n, err := client.Read(buf)
		chunk := buf[:n]
		if f.trip(chunk) {
			mute.Store(true)
			if f.deliver {
				_, _ = server.Write(chunk)
				// Let the server act on it before the connection goes.
				time.Sleep(200 * time.Millisecond)
			}
			return
		}
		if _, werr := server.Write(chunk); werr != nil || err != nil {
			return
		}
	}
}

// relayAnswers copies the server's messages to the client until mute.
func relayAnswers(server, client net.Conn, mute *atomic.Bool) {
	defer client.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := server.Read(buf)
		if mute.Load() {
			return
		}
		if _, werr := client.Write(buf[:n]); werr != nil || err != nil {
			return
		}
	}
}
