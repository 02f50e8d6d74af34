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
// the first connection whose client sends a message containing a marker
// (say "COMMIT\x00"), to test what a lost connection does at that moment.
type Fault struct {
	// URL is the database URL through the relay.
	URL     string
	target  string
	marker  []byte
	deliver bool
	armed   atomic.Bool
	tripped atomic.Bool
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

// Arm makes the next marked message break its connection.
func (f *Fault) Arm() { f.armed.Store(true) }

// Tripped reports whether a connection was broken.
func (f *Fault) Tripped() bool { return f.tripped.Load() }

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
		if f.armed.Load() && bytes.Contains(chunk, f.marker) && f.tripped.CompareAndSwap(false, true) {
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
