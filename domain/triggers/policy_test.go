package triggers

import (
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff"
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
