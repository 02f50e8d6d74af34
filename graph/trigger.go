package graph

import (
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/triggers"
	"github.com/kickoff-ci/kickoff/graph/model"
)

func createPolicy(in model.PipelineTriggerCreateInput) triggers.Policy {
	p := triggers.Policy{
		AllowedRefs:      nonNil(in.AllowedRefs),
		AllowedVariables: nonNil(in.AllowedVariables),
		AllowedCIDRs:     nonNil(in.AllowedCidrs),
	}
	if in.RateLimitPerMinute != nil {
		p.RateLimitPerMinute = &in.RateLimitPerMinute
	}
	return p
}

func updateOf(in model.PipelineTriggerUpdateInput) triggers.TriggerUpdate {
	up := triggers.TriggerUpdate{
		Description: in.Description,
		Policy: triggers.Policy{
			AllowedRefs:      nonNil(in.AllowedRefs),
			AllowedVariables: nonNil(in.AllowedVariables),
			AllowedCIDRs:     nonNil(in.AllowedCidrs),
		},
	}
	if v, set := in.ExpiresAt.ValueOK(); set {
		up.ExpiresAt = new(*time.Time)
		*up.ExpiresAt = v
	}
	if v, set := in.RateLimitPerMinute.ValueOK(); set {
		up.RateLimitPerMinute = new(*int)
		*up.RateLimitPerMinute = v
	}
	return up
}

// nonNil turns an omitted list argument into "leave unchanged" (nil) and a
// given one, even empty, into "set to this".
func nonNil(list []string) *[]string {
	if list == nil {
		return nil
	}
	return &list
}

// hmacOptions is GraphQL's generic_hmac settings as the domain's, nil when
// not given.
func hmacOptions(in *model.TriggerHMACOptionsInput) *kickoff.HMACOptions {
	if in == nil {
		return nil
	}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return &kickoff.HMACOptions{Header: in.Header, Algorithm: deref(in.Algorithm), Encoding: deref(in.Encoding), Prefix: deref(in.Prefix)}
}
