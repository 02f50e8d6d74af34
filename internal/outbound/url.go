package outbound

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// MaxURLLength bounds the URLs that [Policy.CheckURL] accepts.
const MaxURLLength = 2048

// CheckURL checks an untrusted webhook URL when it is created or changed and
// returns it parsed. It refuses anything but absolute http and https URLs
// with a valid port, literal IPs that [Policy.CheckAddr] refuses, hosts
// written as numbers in notations other than the dotted quad (0x7f000001,
// 2130706433, 0177.0.0.1, 127.1: resolvers and browsers disagree on what
// they mean), names that are not plain ASCII DNS names (give IDNs in
// punycode), and localhost.
//
// It does no DNS lookup: names are checked when connecting (see
// [Policy.Client]), where every resolved address is seen. The URL may carry
// a user name and password; store it as a secret and show it with
// [Redacted]. Errors are meant for the end user and never quote the URL.
func (p Policy) CheckURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("invalid URL: empty")
	}
	if len(raw) > MaxURLLength {
		return nil, fmt.Errorf("invalid URL: longer than %d bytes", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may hold a password
		}
		return nil, fmt.Errorf("invalid URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" {
			return nil, errors.New("invalid URL: the scheme must be http or https, as in https://example.com/hook")
		}
		return nil, fmt.Errorf("invalid URL: the scheme must be http or https, not %q", u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" {
		return nil, errors.New("invalid URL: no host, want one like https://example.com/hook")
	}
	if port := u.Port(); port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("invalid URL: port %q is not between 1 and 65535", port)
		}
	}
	host := u.Hostname()
	if strings.HasPrefix(u.Host, "[") {
		ip, err := netip.ParseAddr(host)
		if err != nil || !ip.Is6() {
			return nil, fmt.Errorf("invalid URL: %q in brackets is not an IPv6 address", host)
		}
		if err := p.CheckAddr(ip); err != nil {
			return nil, err
		}
		return u, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Is4() {
		if err := p.CheckAddr(ip); err != nil {
			return nil, err
		}
		return u, nil
	}
	if err := checkHostname(host); err != nil {
		return nil, err
	}
	return u, nil
}

// checkHostname accepts plain DNS names (LDH labels of at most 63 bytes, at
// most 253 bytes in all, one trailing dot allowed) that cannot be read as an
// IPv4 address and are not localhost.
func checkHostname(host string) error {
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if name == "" {
		return errors.New("invalid URL: no host, want one like https://example.com/hook")
	}
	if len(name) > 253 {
		return errors.New("invalid URL: the host name is longer than 253 bytes")
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return fmt.Errorf("invalid URL: %q is not a valid host name (empty label or label over 63 bytes)", host)
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("invalid URL: %q is not a valid host name (a label starts or ends with a hyphen)", host)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return fmt.Errorf("invalid URL: %q is not a valid host name (only letters, digits, hyphens and dots; give international names in punycode)", host)
			}
		}
	}
	// Like the WHATWG URL parser: a host whose last label is a number is an
	// IPv4 address, and if it was not a dotted quad it is in an odd notation.
	if last := labels[len(labels)-1]; isNumber(last) {
		return fmt.Errorf("invalid URL: %q looks like an IP address in an unusual notation; write IPv4 addresses as four decimal numbers, like 192.0.2.1", host)
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return fmt.Errorf("invalid URL: %q is a localhost name; local destinations are not allowed", host)
	}
	return nil
}

// isNumber reports whether label is all decimal digits, or 0x followed by
// hex digits (possibly none).
func isNumber(label string) bool {
	digits := "0123456789"
	if len(label) >= 2 && label[0] == '0' && label[1] == 'x' {
		label, digits = label[2:], "0123456789abcdef"
		if label == "" {
			return true
		}
	}
	for i := 0; i < len(label); i++ {
		if !strings.ContainsRune(digits, rune(label[i])) {
			return false
		}
	}
	return label != ""
}

// Redacted returns u for display and logs, with its user information (a
// user name alone is often an API token) and the value of every query
// parameter replaced by ****, since webhook URLs often carry tokens there.
// A query item without "=" is replaced whole, and the fragment is dropped.
// The path is kept: a secret in the path (as in some chat services' hook
// URLs) is not hidden.
func Redacted(u *url.URL) string {
	if u == nil {
		return ""
	}
	r := *u
	userinfo := ""
	if r.User != nil {
		// url.User would escape the stars; splice them in below.
		userinfo = "****@"
		r.User = nil
	}
	if r.RawQuery != "" || r.ForceQuery {
		items := strings.Split(r.RawQuery, "&")
		for i, item := range items {
			if k, _, ok := strings.Cut(item, "="); ok {
				items[i] = k + "=****"
			} else if item != "" {
				items[i] = "****"
			}
		}
		r.RawQuery = strings.Join(items, "&")
	}
	r.Fragment, r.RawFragment = "", ""
	s := r.String()
	if userinfo != "" {
		if i := strings.Index(s, "://"); i >= 0 {
			return s[:i+3] + userinfo + s[i+3:]
		}
	}
	return s
}
