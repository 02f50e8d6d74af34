package outbound_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kickoff-ci/kickoff/internal/outbound"
)

var acceptedURLs = []string{
	"https://example.com/hook",
	"http://hooks.example.org:8080/x?y=1",
	"https://user:pass@example.com/",
	"https://[2606:4700::1]/",
	"https://1.1.1.1/hook",
	"https://Example.COM./hook",
	"https://xn--bcher-kva.example/",
	"https://a-b.c0.example:443/#frag",
}

var refusedURLs = []struct{ url, want string }{
	{"", "empty"},
	{"ftp://example.com/", `not "ftp"`},
	{"javascript:alert(1)", `not "javascript"`},
	{"example.com/hook", "scheme must be http or https"},
	{"http:///path", "no host"},
	{"http:example.com", "no host"},
	{"http://127.0.0.1/", "loopback"},
	{"http://[::1]/", "loopback"},
	{"http://10.0.0.1/", "private"},
	{"http://172.16.5.4/", "private"},
	{"http://192.168.1.1/", "private"},
	{"http://169.254.169.254/latest/meta-data", "link-local"},
	{"http://[fd00:ec2::254]/", "unique local"},
	{"http://[fe80::1%25eth0]/", "link-local"},
	{"http://[::ffff:127.0.0.1]/", "destination 127.0.0.1 is not allowed (loopback"},
	{"http://[::ffff:7f00:1]/", "loopback"},
	{"http://100.64.0.1/", "carrier-grade NAT"},
	{"http://0.0.0.0/", "unspecified"},
	{"http://[::]/", "unspecified"},
	{"http://0x7f000001/", "unusual notation"},
	{"http://2130706433/", "unusual notation"},
	{"http://0177.0.0.1/", "unusual notation"},
	{"http://127.1/", "unusual notation"},
	{"http://0x7f.1/", "unusual notation"},
	{"http://127.0.0.1./", "unusual notation"},
	{"http://%31%32%37.0.0.1/", "invalid URL escape"},
	{"http://[example.com]/", "invalid host"},
	{"http://[1.2.3.4]/", "invalid IP-literal"},
	{"http://localhost/", "localhost"},
	{"http://LOCALHOST./", "localhost name"},
	{"http://a.localhost/", "a.localhost"},
	{"http://exa mple.com/", "invalid character"},
	{"http://exa_mple.com/", "not a valid host name"},
	{"http://-a.example/", "hyphen"},
	{"http://a..example/", "empty label"},
	{"http://" + strings.Repeat("a", 64) + ".example/", "over 63"},
	{"http://" + strings.Repeat("a.", 127) + "example/", "longer than 253"},
	{"http://bücher.example/", "punycode"},
	{"http://example.com:0/", "port"},
	{"http://example.com:70000/", "port"},
	{"http://example.com:99999999999999999999/", "port"},
	{"http://example.com:x/", "invalid port"},
	{"https://example.com/" + strings.Repeat("a", 3000), "longer than 2048"},
}

func TestCheckURL(t *testing.T) {
	var p outbound.Policy
	for _, raw := range acceptedURLs {
		u, err := p.CheckURL(raw)
		if err != nil {
			t.Errorf("CheckURL(%q): %v, want accepted", raw, err)
			continue
		}
		if u.String() == "" || (u.Scheme != "http" && u.Scheme != "https") {
			t.Errorf("CheckURL(%q) = %v", raw, u)
		}
	}
	for _, tc := range refusedURLs {
		u, err := p.CheckURL(tc.url)
		if err == nil {
			t.Errorf("CheckURL(%.80q) = %v, want an error with %q", tc.url, u, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckURL(%.80q): %v, want an error with %q", tc.url, err, tc.want)
		}
		if strings.Contains(err.Error(), "pass") {
			t.Errorf("CheckURL(%.80q): error quotes the URL: %v", tc.url, err)
		}
	}

	// Literal IP errors are BlockedErrors, with the flag to mention.
	_, err := p.CheckURL("http://127.0.0.1/")
	var b *outbound.BlockedError
	if !errors.As(err, &b) || b.Addr != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("CheckURL(127.0.0.1): %#v, want a *BlockedError for 127.0.0.1", err)
	}
	if want := "destination 127.0.0.1 is not allowed (loopback address); an operator can allow it with --webhook-allowed-networks"; err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}

	// An operator's allowed networks open literal IPs, but not localhost.
	allowed := outbound.Policy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	if _, err := allowed.CheckURL("http://127.0.0.1:9/"); err != nil {
		t.Errorf("with 127.0.0.0/8 allowed, CheckURL(http://127.0.0.1:9/): %v", err)
	}
	if _, err := allowed.CheckURL("http://[::ffff:127.0.0.1]:9/"); err != nil {
		t.Errorf("with 127.0.0.0/8 allowed, CheckURL(http://[::ffff:127.0.0.1]:9/): %v", err)
	}
	if _, err := allowed.CheckURL("http://10.0.0.1/"); err == nil {
		t.Error("with 127.0.0.0/8 allowed, http://10.0.0.1/ was accepted")
	}
	if _, err := allowed.CheckURL("http://localhost:9/"); err == nil {
		t.Error("with 127.0.0.0/8 allowed, http://localhost:9/ was accepted")
	}
}

func TestCheckAddr(t *testing.T) {
	var p outbound.Policy
	for _, s := range []string{"1.1.1.1", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4001::200e", "172.32.0.1", "100.128.0.1", "11.0.0.1"} {
		if err := p.CheckAddr(netip.MustParseAddr(s)); err != nil {
			t.Errorf("CheckAddr(%s): %v, want accepted", s, err)
		}
	}
	for _, tc := range []struct{ addr, reason string }{
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "unspecified"},
		{"::", "unspecified"},
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"::1", "loopback"},
		{"10.0.0.1", "private"},
		{"10.255.255.255", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.0.1", "private"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"100.127.255.255", "carrier-grade NAT"},
		{"169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"febf::1", "link-local"},
		{"fc00::1", "unique local"},
		{"fd00:ec2::254", "unique local"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"255.255.255.255", "broadcast"},
		{"192.0.0.8", "IETF"},
		{"192.0.2.1", "documentation"},
		{"198.18.0.1", "benchmarking"},
		{"198.19.255.255", "benchmarking"},
		{"198.51.100.7", "documentation"},
		{"203.0.113.9", "documentation"},
		{"240.0.0.1", "reserved"},
		{"2001:db8::1", "documentation"},
		{"64:ff9b::7f00:1", "NAT64"},
		{"64:ff9b::808:808", "NAT64"},
		{"2002:7f00:1::1", "6to4"},
		{"2001:0:4136:e378::1", "Teredo"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:10.1.2.3", "private"},
		{"::ffff:169.254.169.254", "link-local"},
		{"::127.0.0.1", "IPv4-compatible"},
		{"100::1", "discard"},
		{"4000::1", "not a global unicast"},
	} {
		ip := netip.MustParseAddr(tc.addr)
		err := p.CheckAddr(ip)
		var b *outbound.BlockedError
		if !errors.As(err, &b) {
			t.Errorf("CheckAddr(%s) = %v, want a *BlockedError", tc.addr, err)
			continue
		}
		if !strings.Contains(b.Reason, tc.reason) {
			t.Errorf("CheckAddr(%s): reason %q, want %q", tc.addr, b.Reason, tc.reason)
		}
		if b.Addr != ip.WithZone("").Unmap() {
			t.Errorf("CheckAddr(%s): Addr %s, want it unmapped and without zone", tc.addr, b.Addr)
		}
		if !outbound.IsBlocked(err) {
			t.Errorf("IsBlocked(CheckAddr(%s)) = false", tc.addr)
		}
	}
	if err := p.CheckAddr(netip.Addr{}); !outbound.IsBlocked(err) {
		t.Errorf("CheckAddr(zero Addr) = %v, want blocked", err)
	}

	allowed := outbound.Policy{Allowed: mustParseNetworks(t, "10.1.0.0/16", "fd00::/8", "::ffff:192.168.7.0/120")}
	for _, s := range []string{"10.1.2.3", "::ffff:10.1.2.3", "fd00:ec2::254", "192.168.7.9"} {
		if err := allowed.CheckAddr(netip.MustParseAddr(s)); err != nil {
			t.Errorf("with allowed networks, CheckAddr(%s): %v", s, err)
		}
	}
	for _, s := range []string{"10.2.0.1", "127.0.0.1", "fc00::1", "192.168.8.1"} {
		if err := allowed.CheckAddr(netip.MustParseAddr(s)); err == nil {
			t.Errorf("with allowed networks, CheckAddr(%s) accepted", s)
		}
	}
}

func mustParseNetworks(t *testing.T, list ...string) []netip.Prefix {
	t.Helper()
	ps, err := outbound.ParseNetworks(list)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestParseNetworks(t *testing.T) {
	got := mustParseNetworks(t, " 10.0.0.0/8", "", "192.0.2.7 ", "fd00::1", "10.1.2.3/16", "::ffff:127.0.0.1", " ")
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "fd00::1/128", "10.1.0.0/16", "127.0.0.1/32"}
	if len(got) != len(want) {
		t.Fatalf("ParseNetworks = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("ParseNetworks[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0", "fe80::1%eth0/64"} {
		_, err := outbound.ParseNetworks([]string{"10.0.0.0/8", bad})
		if err == nil || !strings.Contains(err.Error(), `"`+bad+`"`) || !strings.Contains(err.Error(), "--webhook-allowed-networks") {
			t.Errorf("ParseNetworks(%q): %v, want an error naming it", bad, err)
		}
	}
}

func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if h != nil {
			h(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestClientRefusesAtConnectTime(t *testing.T) {
	srv, n := countingServer(t, nil)
	u, _ := url.Parse(srv.URL)
	byName := "http://localhost:" + u.Port() + "/"

	for _, verify := range []bool{true, false} {
		client := outbound.Policy{}.Client(verify)
		for _, target := range []string{srv.URL, byName} {
			resp, err := client.Get(target)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("Get(%s) succeeded with the zero Policy", target)
			}
			if !outbound.IsBlocked(err) {
				t.Errorf("Get(%s): %v, want IsBlocked", target, err)
			}
			if !strings.Contains(err.Error(), "loopback address") {
				t.Errorf("Get(%s): %v, want it to name the loopback address", target, err)
			}
		}
	}
	if got := n.Load(); got != 0 {
		t.Errorf("server saw %d requests, want 0", got)
	}

	// A shared Sender does the same.
	s := outbound.NewSender(outbound.Policy{})
	if _, err := s.Client(true).Get(srv.URL); !outbound.IsBlocked(err) {
		t.Errorf("Sender: Get(%s): %v, want IsBlocked", srv.URL, err)
	}

	allowed := outbound.Policy{Allowed: mustParseNetworks(t, "127.0.0.1")}
	for _, target := range []string{srv.URL, byName} {
		resp, err := allowed.Client(true).Get(target)
		if err != nil {
			t.Fatalf("with 127.0.0.1 allowed, Get(%s): %v", target, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("with 127.0.0.1 allowed, Get(%s): %s", target, resp.Status)
		}
	}
	if got := n.Load(); got != 2 {
		t.Errorf("server saw %d requests, want 2", got)
	}

	// Environment proxies are not used: they would connect for us,
	// unchecked. (ProxyFromEnvironment reads the environment once per
	// process, so setting HTTP_PROXY here would prove nothing.)
	for _, verify := range []bool{true, false} {
		tr, ok := outbound.Policy{}.Client(verify).Transport.(*http.Transport)
		if !ok {
			t.Fatalf("Client(%v): Transport is not an *http.Transport", verify)
		}
		if tr.Proxy != nil {
			t.Errorf("Client(%v): the Transport has a Proxy function, want none", verify)
		}
		if tr.TLSClientConfig.InsecureSkipVerify == verify {
			t.Errorf("Client(%v): InsecureSkipVerify = %v", verify, tr.TLSClientConfig.InsecureSkipVerify)
		}
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	b, nb := countingServer(t, nil)
	a, na := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, b.URL+"/next", http.StatusFound)
	})
	p := outbound.Policy{Allowed: mustParseNetworks(t, "127.0.0.1/32")}
	resp, err := outbound.NewSender(p).Client(true).Get(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != b.URL+"/next" {
		t.Errorf("got %s, Location %q; want the 302 itself", resp.Status, resp.Header.Get("Location"))
	}
	if na.Load() != 1 || nb.Load() != 0 {
		t.Errorf("A saw %d requests and B %d, want 1 and 0", na.Load(), nb.Load())
	}
}

func TestReadBodyLimit(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 1<<20)
	for _, limit := range []int64{outbound.MaxResponseBody, 0} {
		got, err := outbound.ReadBody(bytes.NewReader(big), limit)
		if err != nil || len(got) != 64<<10 {
			t.Errorf("ReadBody(1 MiB, %d) = %d bytes, %v; want 65536", limit, len(got), err)
		}
	}
	got, err := outbound.ReadBody(strings.NewReader("short"), outbound.MaxResponseBody)
	if err != nil || string(got) != "short" {
		t.Errorf("ReadBody(short) = %q, %v", got, err)
	}
	// Through a real response, from a server that would send forever.
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("y"), 32<<10)
		for range 64 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	resp, err := outbound.Policy{Allowed: mustParseNetworks(t, "127.0.0.1")}.Client(true).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err = outbound.ReadBody(resp.Body, outbound.MaxResponseBody)
	if err != nil || len(got) != outbound.MaxResponseBody {
		t.Errorf("ReadBody(response) = %d bytes, %v; want %d", len(got), err, outbound.MaxResponseBody)
	}
}

func TestRedacted(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://example.com/hook", "https://example.com/hook"},
		{"https://user:s3cret@example.com/hook?token=abc&x=1&flag&e=", "https://****@example.com/hook?token=****&x=****&****&e=****"},
		{"https://api-token@example.com/?", "https://****@example.com/?"},
		{"https://example.com/h#access_token=abc", "https://example.com/h"},
		{"https://us%40er:pa%3Ass@[2606:4700::1]:8443/p%20q?a=b%26c", "https://****@[2606:4700::1]:8443/p%20q?a=****"},
	} {
		u, err := url.Parse(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		got := outbound.Redacted(u)
		if got != tc.want {
			t.Errorf("Redacted(%s) = %s, want %s", tc.in, got, tc.want)
		}
		if strings.Contains(got, "s3cret") || strings.Contains(got, "abc") {
			t.Errorf("Redacted(%s) = %s shows a secret", tc.in, got)
		}
		if u.String() != tc.in {
			t.Errorf("Redacted changed its argument to %s", u)
		}
	}
	if got := outbound.Redacted(nil); got != "" {
		t.Errorf("Redacted(nil) = %q", got)
	}
}

func FuzzCheckURL(f *testing.F) {
	for _, s := range acceptedURLs {
		f.Add(s)
	}
	for _, tc := range refusedURLs {
		f.Add(tc.url)
	}
	f.Add("http://127.0.0.1:9/")
	var p outbound.Policy
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := p.CheckURL(raw)
		if err != nil {
			if u != nil {
				t.Fatalf("CheckURL(%q) returned both %v and %v", raw, u, err)
			}
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			t.Fatalf("CheckURL(%q) accepted scheme %q", raw, u.Scheme)
		}
		if u.Host == "" {
			t.Fatalf("CheckURL(%q) accepted an empty host", raw)
		}
		if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
			if err := p.CheckAddr(ip); err != nil {
				t.Fatalf("CheckURL(%q) accepted host %s but CheckAddr refuses it: %v", raw, ip, err)
			}
		}
		_ = outbound.Redacted(u)
	})
}
