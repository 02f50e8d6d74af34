// Package outbound sends HTTP requests to URLs that users typed in (webhooks)
// without letting those URLs reach Kickoff's own network (SSRF).
//
// There are two checks, and both are needed:
//
//   - [Policy.CheckURL], when a URL is saved: it refuses bad syntax, schemes
//     other than http and https, literal internal IPs and numeric-looking
//     hosts that some resolvers read as IPs. It does no DNS lookup, because
//     what a name resolves to can change after it is saved.
//   - [Policy.Client] (or a [Sender]), when a request is sent: its dialer
//     checks every resolved IP right before connecting, so a name that
//     resolves to (or is later rebound to) an internal address is refused,
//     and redirects are never followed.
//
// Operators open internal networks on purpose with --webhook-allowed-networks
// (see [ParseNetworks]).
package outbound

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// AllowFlag names the server flag that opens networks; it is quoted in
// errors so that an end user can tell the operator what to change.
const AllowFlag = "--webhook-allowed-networks"

// Policy says which destinations outbound requests may reach. The zero
// Policy allows only public addresses.
type Policy struct {
	// Allowed are networks an operator explicitly opened; an address inside
	// one is accepted even if it would otherwise be blocked.
	Allowed []netip.Prefix
}

// BlockedError is returned when a destination is an internal or otherwise
// non-public address. It is final: retrying cannot succeed.
type BlockedError struct {
	Addr   netip.Addr
	Reason string // e.g. "loopback address"
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("destination %s is not allowed (%s); an operator can allow it with %s", e.Addr, e.Reason, AllowFlag)
}

// IsBlocked reports whether err is, or wraps (through *url.Error,
// *net.OpError…), a *BlockedError, so that callers can report "refused:
// internal destination" and not retry.
func IsBlocked(err error) bool {
	var b *BlockedError
	return errors.As(err, &b)
}

// ParseNetworks parses the values of --webhook-allowed-networks: CIDR
// networks or single IPs (which become a /32 or /128). Spaces are trimmed and
// empty entries skipped, so "10.0.0.0/8, 192.0.2.7," works. IPv4-mapped IPv6
// entries become plain IPv4, since [Policy.CheckAddr] unmaps addresses.
func ParseNetworks(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, entry := range list {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		var p netip.Prefix
		if strings.Contains(entry, "/") {
			var err error
			p, err = netip.ParsePrefix(entry)
			if err != nil {
				return nil, fmt.Errorf("invalid network %q in %s: want a CIDR network like 10.0.0.0/8 or a single IP", entry, AllowFlag)
			}
			p = p.Masked()
		} else {
			a, err := netip.ParseAddr(entry)
			if err != nil {
				return nil, fmt.Errorf("invalid network %q in %s: want a CIDR network like 10.0.0.0/8 or a single IP", entry, AllowFlag)
			}
			a = a.WithZone("")
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		out = append(out, p)
	}
	return out, nil
}

type blockedRange struct {
	prefix netip.Prefix
	reason string
}

// blocked lists non-public ranges, most specific first so that the reason
// shown is the most helpful one. IPv6 addresses outside 2000::/3 are refused
// as well (see CheckAddr), so this list only needs the special blocks inside
// it and the ones worth naming.
var blocked = func() []blockedRange {
	rs := []struct{ cidr, reason string }{
		{"255.255.255.255/32", "broadcast address"},
		{"0.0.0.0/8", "unspecified address"},
		{"127.0.0.0/8", "loopback address"},
		{"10.0.0.0/8", "private address"},
		{"172.16.0.0/12", "private address"},
		{"192.168.0.0/16", "private address"},
		{"100.64.0.0/10", "carrier-grade NAT address"},
		{"169.254.0.0/16", "link-local address"},
		{"192.0.0.0/24", "IETF protocol assignment"},
		{"192.0.2.0/24", "documentation address"},
		{"198.51.100.0/24", "documentation address"},
		{"203.0.113.0/24", "documentation address"},
		{"192.88.99.0/24", "6to4 relay address"},
		{"198.18.0.0/15", "benchmarking address"},
		{"224.0.0.0/4", "multicast address"},
		{"240.0.0.0/4", "reserved address"},

		{"::/128", "unspecified address"},
		{"::1/128", "loopback address"},
		{"::/96", "IPv4-compatible address"},
		{"fe80::/10", "link-local address"},
		{"fc00::/7", "unique local address"},
		{"ff00::/8", "multicast address"},
		{"100::/64", "discard-only address"},
		// These embed an IPv4 address that a gateway may reach on our
		// behalf; simpler and safer to refuse them all.
		{"64:ff9b::/96", "NAT64 address"},
		{"64:ff9b:1::/48", "NAT64 address"},
		{"2002::/16", "6to4 address"},
		{"2001::/32", "Teredo address"},
		{"2001:db8::/32", "documentation address"},
		{"2001::/23", "IETF protocol assignment"},
	}
	out := make([]blockedRange, len(rs))
	for i, r := range rs {
		out[i] = blockedRange{netip.MustParsePrefix(r.cidr), r.reason}
	}
	return out
}()

var globalUnicast6 = netip.MustParsePrefix("2000::/3")

// CheckAddr returns a *BlockedError unless ip is a public unicast address or
// lies in one of p.Allowed. IPv4-mapped IPv6 addresses (::ffff:127.0.0.1)
// are checked as the IPv4 address they carry, and zones are ignored.
func (p Policy) CheckAddr(ip netip.Addr) error {
	ip = ip.WithZone("").Unmap()
	if !ip.IsValid() {
		return &BlockedError{Addr: ip, Reason: "invalid address"}
	}
	for _, a := range p.Allowed {
		if a.Contains(ip) {
			return nil
		}
	}
	for _, r := range blocked {
		if r.prefix.Contains(ip) {
			return &BlockedError{Addr: ip, Reason: r.reason}
		}
	}
	if ip.Is6() && !globalUnicast6.Contains(ip) {
		return &BlockedError{Addr: ip, Reason: "not a global unicast address"}
	}
	return nil
}
