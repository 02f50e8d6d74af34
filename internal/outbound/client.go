package outbound

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"syscall"
	"time"
)

// MaxResponseBody is how much of a response body callers should keep, as
// an excerpt, with [ReadBody].
const MaxResponseBody = 64 << 10

// Client returns a new HTTP client that only connects to destinations p
// allows. The check is in the dialer's Control function, which sees the
// resolved IP of every connection attempt, so names resolving to internal
// addresses, and DNS rebinding after [Policy.CheckURL], are refused too;
// the error satisfies [IsBlocked]. Environment proxies are ignored (they
// would connect for us, unchecked) and redirects are never followed: a 3xx
// is returned as the response. verifyTLS false skips certificate checks, for
// receivers with self-signed certificates.
//
// Each call builds its own Transport and connection pool; long-lived callers
// should build a [Sender] once instead.
func (p Policy) Client(verifyTLS bool) *http.Client {
	p.Allowed = slices.Clone(p.Allowed) // later changes by the caller do not apply
	dialer := &net.Dialer{
		Timeout:   5 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			switch network {
			case "tcp", "tcp4", "tcp6":
			default:
				return fmt.Errorf("outbound: refusing network %q", network)
			}
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("outbound: cannot check destination %q: %v", address, err)
			}
			return p.CheckAddr(ap.Addr())
		},
	}
	return &http.Client{
		Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            dialer.DialContext,
			ForceAttemptHTTP2:      true,
			TLSHandshakeTimeout:    5 * time.Second,
			ResponseHeaderTimeout:  10 * time.Second,
			MaxResponseHeaderBytes: 64 << 10,
			MaxIdleConns:           100,
			IdleConnTimeout:        90 * time.Second,
			ExpectContinueTimeout:  1 * time.Second,
			TLSClientConfig: &tls.Config{
				InsecureSkipVerify: !verifyTLS, // the webhook's own setting
				MinVersion:         tls.VersionTLS12,
			},
		},
	}
}

// Sender holds the two clients of one Policy (TLS verification on and off),
// built once so that connections to receivers are reused between
// deliveries. It is safe for concurrent use.
type Sender struct {
	policy   Policy
	verify   *http.Client
	noVerify *http.Client
}

// NewSender builds the clients for p. They keep their own copy of
// p.Allowed: a Policy cannot be changed under a Sender.
func NewSender(p Policy) *Sender {
	return &Sender{policy: p, verify: p.Client(true), noVerify: p.Client(false)}
}

// Policy returns the policy the clients enforce, for [Policy.CheckURL].
func (s *Sender) Policy() Policy { return s.policy }

// Client returns the shared client with TLS certificate verification on or
// off; see [Policy.Client].
func (s *Sender) Client(verifyTLS bool) *http.Client {
	if verifyTLS {
		return s.verify
	}
	return s.noVerify
}

// ReadBody reads at most limit bytes of r (MaxResponseBody if limit <= 0)
// and stops there, so a receiver cannot make us read an endless body. It
// returns what it read, even with an error. The caller still closes the
// body; the rest is not drained, so that connection is not reused.
func ReadBody(r io.Reader, limit int64) (excerpt []byte, err error) {
	if limit <= 0 {
		limit = MaxResponseBody
	}
	return io.ReadAll(io.LimitReader(r, limit))
}
