package server

import (
	"net/http/httptest"
	"net/netip"
	"slices"
	"testing"

	"github.com/kickoff-ci/kickoff/internal/ratelimit"
)

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("fd00::/8"),
	}
	tests := []struct {
		name    string
		remote  string
		xff     []string // one entry per header line
		trusted []netip.Prefix
		want    string
	}{
		{"direct client", "203.0.113.5:4321", nil, trusted, "203.0.113.5"},
		{"direct client's X-Forwarded-For is ignored", "203.0.113.5:4321", []string{"198.51.100.1"}, trusted, "203.0.113.5"},
		{"no trusted proxies: header ignored", "10.0.0.2:80", []string{"198.51.100.1"}, nil, "10.0.0.2"},
		{"one trusted proxy", "10.0.0.2:80", []string{"198.51.100.1"}, trusted, "198.51.100.1"},
		{"client-supplied entries left of the client are ignored", "10.0.0.2:80", []string{"1.2.3.4, 198.51.100.1"}, trusted, "198.51.100.1"},
		{"chain of trusted proxies", "10.0.0.2:80", []string{"198.51.100.1, 10.1.1.1, 10.2.2.2"}, trusted, "198.51.100.1"},
		{"several header lines read as one list", "10.0.0.2:80", []string{"1.2.3.4, 198.51.100.1", "10.1.1.1"}, trusted, "198.51.100.1"},
		{"spoofed trusted address left of the client", "10.0.0.2:80", []string{"10.9.9.9, 198.51.100.1"}, trusted, "198.51.100.1"},
		{"all hops trusted: the farthest one", "10.0.0.2:80", []string{"10.3.3.3, 10.1.1.1"}, trusted, "10.3.3.3"},
		{"trusted proxy without header", "10.0.0.2:80", nil, trusted, "10.0.0.2"},
		{"empty header", "10.0.0.2:80", []string{""}, trusted, "10.0.0.2"},
		{"garbage stops the walk at the nearest proxy", "10.0.0.2:80", []string{"198.51.100.1, not-an-ip, 10.1.1.1"}, trusted, "10.1.1.1"},
		{"garbage right after the peer", "10.0.0.2:80", []string{"junk"}, trusted, "10.0.0.2"},
		{"entry with a port", "10.0.0.2:80", []string{"198.51.100.1:5555"}, trusted, "198.51.100.1"},
		{"IPv6 peer", "[2001:db8::1]:443", nil, trusted, "2001:db8::1"},
		{"IPv6 trusted proxy and client", "[fd00::1]:443", []string{"2001:db8::7"}, trusted, "2001:db8::7"},
		{"bracketed IPv6 entry with port", "10.0.0.2:80", []string{"[2001:db8::7]:1234"}, trusted, "2001:db8::7"},
		{"bracketed IPv6 entry", "10.0.0.2:80", []string{"[2001:db8::7]"}, trusted, "2001:db8::7"},
		{"IPv4-mapped IPv6 peer is unmapped", "[::ffff:10.0.0.2]:80", []string{"198.51.100.1"}, trusted, "198.51.100.1"},
		{"IPv6 zone dropped", "[fe80::1%eth0]:80", nil, trusted, "fe80::1"},
		{"non-TCP remote address kept as is", "pipe", []string{"198.51.100.1"}, trusted, "pipe"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientIP(r, tc.trusted); got != tc.want {
				t.Errorf("clientIP(remote %q, X-Forwarded-For %q) = %q, want %q", tc.remote, tc.xff, got, tc.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{"", nil, false},
		{" , ", nil, false},
		{"10.0.0.0/8", []string{"10.0.0.0/8"}, false},
		{"10.0.0.0/8, 192.168.1.1, fd00::/8", []string{"10.0.0.0/8", "192.168.1.1/32", "fd00::/8"}, false},
		{"10.1.2.3/8", []string{"10.0.0.0/8"}, false},
		{"::1", []string{"::1/128"}, false},
		{"10.0.0.0/33", nil, true},
		{"example.com", nil, true},
		{"10.0.0.0/8,nope", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTrustedProxies(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseTrustedProxies(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			}
			var gotS []string
			for _, p := range got {
				gotS = append(gotS, p.String())
			}
			if !slices.Equal(gotS, tc.want) {
				t.Errorf("ParseTrustedProxies(%q) = %v, want %v", tc.in, gotS, tc.want)
			}
		})
	}
}

func TestClientAddr(t *testing.T) {
	s := &server{trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:999"
	r.Header.Set("X-Forwarded-For", "2001:db8::9")
	if got := s.clientAddr(r); got != netip.MustParseAddr("2001:db8::9") {
		t.Errorf("clientAddr = %v, want 2001:db8::9", got)
	}
	r.RemoteAddr = "pipe"
	if got := s.clientAddr(r); got.IsValid() {
		t.Errorf("clientAddr of a non-IP peer = %v, want the zero Addr", got)
	}
}

func TestIPLimitKey(t *testing.T) {
	tests := map[string]string{
		"203.0.113.5":          "203.0.113.5",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":      "2001:db8:1:3::/64",
	}
	for in, want := range tests {
		if got := ratelimit.IPKey(netip.MustParseAddr(in)); got != want {
			t.Errorf("ipLimitKey(%s) = %s, want %s", in, got, want)
		}
	}
}
