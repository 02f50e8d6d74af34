package triggers

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
)

func TestValidatePolicy(t *testing.T) {
	list := func(v ...string) *[]string { return &v }
	rate := func(n int) **int { p := &n; return &p }
	var noRate *int
	tests := []struct {
		name    string
		policy  Policy
		problem string // "" when valid
	}{
		{"empty", Policy{}, ""},
		{"ref globs", Policy{AllowedRefs: list("main", "release/*", "v[0-9]*")}, ""},
		{"bad glob", Policy{AllowedRefs: list("release/[")}, "allowedRefs"},
		{"empty glob", Policy{AllowedRefs: list("")}, "allowedRefs"},
		{"long glob", Policy{AllowedRefs: list(strings.Repeat("a", 256))}, "allowedRefs"},
		{"variable names", Policy{AllowedVariables: list("DEPLOY_ENV", "_X", "a1")}, ""},
		{"variable starting with a digit", Policy{AllowedVariables: list("1X")}, "allowedVariables"},
		{"variable with a dash", Policy{AllowedVariables: list("A-B")}, "allowedVariables"},
		{"CIDRs", Policy{AllowedCIDRs: list("10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32")}, ""},
		{"address without prefix", Policy{AllowedCIDRs: list("10.0.0.1")}, "allowedCidrs"},
		{"not an address", Policy{AllowedCIDRs: list("example.com/8")}, "allowedCidrs"},
		{"rate 1", Policy{RateLimitPerMinute: rate(1)}, ""},
		{"rate 100000", Policy{RateLimitPerMinute: rate(100_000)}, ""},
		{"rate 0", Policy{RateLimitPerMinute: rate(0)}, "rateLimitPerMinute"},
		{"rate too high", Policy{RateLimitPerMinute: rate(100_001)}, "rateLimitPerMinute"},
		{"rate removed", Policy{RateLimitPerMinute: &noRate}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validatePolicy(tt.policy)
			switch {
			case tt.problem == "" && err != nil:
				t.Fatalf("validatePolicy = %v, want valid", err)
			case tt.problem == "":
			case kickoff.ErrorCode(err) != kickoff.EInvalid || !strings.Contains(err.Error(), tt.problem):
				t.Fatalf("validatePolicy = %v, want an invalid-input error about %s", err, tt.problem)
			}
		})
	}
}

func TestViolation(t *testing.T) {
	limited := &ent.PipelineTrigger{
		AllowedRefs:      []string{"main", "release/*"},
		AllowedVariables: []string{"DEPLOY_ENV"},
		AllowedCidrs:     []string{"10.0.0.0/8", "2001:db8::/32"},
	}
	inside := netip.MustParseAddr("10.1.2.3")
	tests := []struct {
		name    string
		trigger *ent.PipelineTrigger
		ref     string
		vars    map[string]string
		client  netip.Addr
		problem string // "" when allowed
	}{
		{"no limits", &ent.PipelineTrigger{}, "anything", map[string]string{"X": "1"}, netip.Addr{}, ""},
		{"all within", limited, "release/1.2", map[string]string{"DEPLOY_ENV": "prod"}, inside, ""},
		{"IPv4-mapped IPv6 client", limited, "main", nil, netip.MustParseAddr("::ffff:10.0.0.1"), ""},
		{"IPv6 client", limited, "main", nil, netip.MustParseAddr("2001:db8::1"), ""},
		{"ref outside the globs", limited, "feature/x", nil, inside, "ref feature/x"},
		{"glob does not cross a slash", limited, "release/1/2", nil, inside, "ref release/1/2"},
		{"variable not allowed", limited, "main", map[string]string{"DEPLOY_ENV": "x", "OTHER": "y"}, inside, "variable OTHER"},
		{"client outside the CIDRs", limited, "main", nil, netip.MustParseAddr("192.0.2.1"), "IP address"},
		{"unknown client address", limited, "main", nil, netip.Addr{}, "IP address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Violation(tt.trigger, tt.ref, tt.vars, tt.client)
			if (tt.problem == "") != (got == "") || !strings.Contains(got, tt.problem) {
				t.Fatalf("Violation = %q, want %q", got, tt.problem)
			}
		})
	}
}

func TestExpiryAndGrace(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	tests := []struct {
		name      string
		trigger   ent.PipelineTrigger
		expired   bool
		graceEnds *time.Time
	}{
		{"no expiry, never rotated", ent.PipelineTrigger{}, false, nil},
		{"expires later", ent.PipelineTrigger{ExpiresAt: at(time.Second)}, false, nil},
		{"expires now", ent.PipelineTrigger{ExpiresAt: at(0)}, true, nil},
		{"expired", ent.PipelineTrigger{ExpiresAt: at(-time.Hour)}, true, nil},
		{"in grace", ent.PipelineTrigger{PreviousTokenExpiresAt: at(time.Minute)}, false, at(time.Minute)},
		{"grace ends now", ent.PipelineTrigger{PreviousTokenExpiresAt: at(0)}, false, nil},
		{"grace over", ent.PipelineTrigger{PreviousTokenExpiresAt: at(-time.Minute)}, false, nil},
	}
	s := &Service{now: func() time.Time { return now }}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Expired(&tt.trigger); got != tt.expired {
				t.Errorf("Expired = %v, want %v", got, tt.expired)
			}
			if got := s.RotationGraceEndsAt(&tt.trigger); (got == nil) != (tt.graceEnds == nil) || (got != nil && !got.Equal(*tt.graceEnds)) {
				t.Errorf("RotationGraceEndsAt = %v, want %v", got, tt.graceEnds)
			}
		})
	}
}
