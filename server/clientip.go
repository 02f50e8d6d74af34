package server

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/kickoff-ci/kickoff/domain/audit"
)

// maxUserAgentLen bounds what one request can put into the audit log; the
// audit package clips further.
const maxUserAgentLen = 512

// withRequestInfo records where each request came from (client IP and user
// agent) in its context, for the audit log and for rate limits keyed by IP.
func (s *server) withRequestInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua := r.UserAgent()
		if len(ua) > maxUserAgentLen {
			ua = ua[:maxUserAgentLen]
		}
		info := audit.RequestInfo{IP: clientIP(r, s.trusted), UserAgent: ua}
		next.ServeHTTP(w, r.WithContext(audit.WithRequest(r.Context(), info)))
	})
}

// clientIP returns the address of the client that sent r. The TCP peer is
// the client unless it is a trusted proxy; then X-Forwarded-For is read
// from the right, each trusted proxy having appended the address it got the
// request from, and the first untrusted address is the client. Entries left
// of it were written by the client itself and prove nothing, so a client
// cannot pick its own IP (and escape per-IP rate limits) by sending the
// header.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	peer, ok := parseAddr(r.RemoteAddr)
	if !ok {
		// Not a TCP address (tests, unix sockets): keep it for the log.
		return r.RemoteAddr
	}
	if !isTrusted(peer, trusted) {
		return peer.String()
	}
	client := peer
	hops := forwardedFor(r.Header)
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseAddr(hops[i])
		if !ok {
			// A trusted proxy would not write garbage, so it came
			// from the client: the proxy nearest to it is as far as
			// we can tell.
			break
		}
		client = hop
		if !isTrusted(hop, trusted) {
			break
		}
	}
	return client.String()
}

// clientAddr is clientIP as an address, for callers that match CIDRs or key
// rate limits; the zero Addr when the peer is not an IP (never over TCP).
func (s *server) clientAddr(r *http.Request) netip.Addr {
	a, _ := netip.ParseAddr(clientIP(r, s.trusted))
	return a
}

// forwardedFor returns the X-Forwarded-For entries of every such header in
// order; proxies may append a header instead of extending the last one.
func forwardedFor(h http.Header) []string {
	var hops []string
	for _, v := range h.Values("X-Forwarded-For") {
		for hop := range strings.SplitSeq(v, ",") {
			hops = append(hops, strings.TrimSpace(hop))
		}
	}
	return hops
}

// parseAddr reads an IP address with or without a port ("192.0.2.1",
// "192.0.2.1:1234", "[2001:db8::1]:1234", "2001:db8::1"), dropping any IPv6
// zone and unmapping IPv4-in-IPv6 so one client has one spelling.
func parseAddr(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return normalize(ap.Addr()), true
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return normalize(a), true
	}
	return netip.Addr{}, false
}

func normalize(a netip.Addr) netip.Addr {
	return a.Unmap().WithZone("")
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseTrustedProxies reads the --trusted-proxies value: comma-separated
// CIDRs ("10.0.0.0/8, fd00::/8"); a bare address means just that host.
// Blank input means no trusted proxies.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := parsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: want a CIDR such as 10.0.0.0/8 or an IP address", part)
		}
		out = append(out, p)
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		a = normalize(a)
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	// Masked, so "10.1.2.3/8" means 10.0.0.0/8 as an operator would expect.
	return p.Masked(), nil
}
