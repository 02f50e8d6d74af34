package ratelimit

import "net/netip"

// IPKey is the per-IP limiters' key for a client address. IPv6 clients are
// counted per /64, the smallest block a site is normally given, since
// anyone with one can use 2^64 addresses.
func IPKey(a netip.Addr) string {
	if a.Is6() {
		return netip.PrefixFrom(a, 64).Masked().String()
	}
	return a.String()
}
