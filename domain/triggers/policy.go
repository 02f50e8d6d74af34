package triggers

import (
	"fmt"
	"net/netip"
	"path"
	"regexp"
	"slices"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
)

// Policy holds the optional per-token limits beyond GitLab; nil fields are
// left unchanged by Update, and empty lists mean "no limit".
type Policy struct {
	AllowedRefs        *[]string
	AllowedVariables   *[]string
	AllowedCIDRs       *[]string
	RateLimitPerMinute **int // set to a nil *int to remove the limit
}

var variableKeyPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// validatePolicy checks a policy before it is stored; Violation and Admit
// enforce it (allowedRefs as path.Match globs, variable names, CIDRs, the
// rate).
func validatePolicy(p Policy) error {
	if p.AllowedRefs != nil {
		for _, pattern := range *p.AllowedRefs {
			if _, err := path.Match(pattern, ""); err != nil || pattern == "" || len(pattern) > 255 {
				return kickoff.Errorf(kickoff.EInvalid, "allowedRefs: %q is not a valid glob pattern", kickoff.Excerpt(pattern, 64))
			}
		}
	}
	if p.AllowedVariables != nil {
		for _, key := range *p.AllowedVariables {
			if !variableKeyPattern.MatchString(key) || len(key) > 255 {
				return kickoff.Errorf(kickoff.EInvalid, "allowedVariables: %q is not a valid variable name", kickoff.Excerpt(key, 64))
			}
		}
	}
	if p.AllowedCIDRs != nil {
		for _, cidr := range *p.AllowedCIDRs {
			if _, err := netip.ParsePrefix(cidr); err != nil {
				return kickoff.Errorf(kickoff.EInvalid, "allowedCidrs: %q is not a CIDR such as 10.0.0.0/8", kickoff.Excerpt(cidr, 64))
			}
		}
	}
	if p.RateLimitPerMinute != nil && *p.RateLimitPerMinute != nil {
		if n := **p.RateLimitPerMinute; n < 1 || n > 100_000 {
			return kickoff.Errorf(kickoff.EInvalid, "rateLimitPerMinute must be between 1 and 100000")
		}
	}
	return nil
}

// applyPolicy sets the policy's given fields on a create or update.
func applyPolicy(m *ent.PipelineTriggerMutation, p Policy) {
	if p.AllowedRefs != nil {
		m.SetAllowedRefs(*p.AllowedRefs)
	}
	if p.AllowedVariables != nil {
		m.SetAllowedVariables(*p.AllowedVariables)
	}
	if p.AllowedCIDRs != nil {
		m.SetAllowedCidrs(*p.AllowedCIDRs)
	}
	if p.RateLimitPerMinute != nil {
		if *p.RateLimitPerMinute == nil {
			m.ClearRateLimitPerMinute()
		} else {
			m.SetRateLimitPerMinute(**p.RateLimitPerMinute)
		}
	}
}

// Violation says which of t's limits a trigger call breaks — the ref, a
// variable name or the client's address — or "" when it breaks none. The
// rate limit is Admit's, inside the pipeline's transaction.
func Violation(t *ent.PipelineTrigger, ref string, variables map[string]string, client netip.Addr) string {
	if len(t.AllowedRefs) > 0 && !anyGlob(t.AllowedRefs, ref) {
		return fmt.Sprintf("ref %s is not allowed for this trigger token", kickoff.Excerpt(ref, 64))
	}
	if len(t.AllowedVariables) > 0 {
		for key := range variables {
			if !slices.Contains(t.AllowedVariables, key) {
				return fmt.Sprintf("variable %s is not allowed for this trigger token", kickoff.Excerpt(key, 64))
			}
		}
	}
	if len(t.AllowedCidrs) > 0 && !inAnyPrefix(t.AllowedCidrs, client) {
		return "requests from this IP address are not allowed for this trigger token"
	}
	return ""
}

func anyGlob(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

func inAnyPrefix(cidrs []string, ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, c := range cidrs {
		if p, err := netip.ParsePrefix(c); err == nil && p.Contains(ip) {
			return true
		}
	}
	return false
}
