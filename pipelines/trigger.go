package pipelines

import (
	"context"
	"fmt"
	"net/netip"
	"path"
	"strconv"
	"strings"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/audit"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/refs"
	"github.com/kickoff-ci/kickoff/tokens"
	"github.com/kickoff-ci/kickoff/triggers"
)

// TriggerRequest is a request to start a pipeline with a trigger token.
type TriggerRequest struct {
	// ProjectRef is GitLab's :id (numeric ID or full path). Empty for the
	// one-URL form, where the token alone names the project.
	ProjectRef string
	Token      string
	// Ref is the branch or tag; empty means the project's default branch.
	Ref       string
	Variables map[string]string
	// Payload, when not nil, becomes the file variable TRIGGER_PAYLOAD
	// (GitLab's webhook form).
	Payload        []byte
	IdempotencyKey string
	// ClientIP is checked against the trigger's allowedCidrs.
	ClientIP netip.Addr
}

// Trigger starts a pipeline as the trigger's owner, after GitLab's checks in
// GitLab's order (SPEC §5). replayed is true when an Idempotency-Key matched
// an earlier request and its pipeline is returned instead of a new one.
func (s *Service) Trigger(ctx context.Context, req TriggerRequest) (p *ent.Pipeline, replayed bool, err error) {
	vars, err := validateVariables(req.Variables)
	if err != nil {
		return nil, false, err
	}
	idem, err := newIdempotency(req.IdempotencyKey, tokens.Digest(req.Token), s.now())
	if err != nil {
		return nil, false, err
	}
	t, proj, err := s.authenticate(ctx, req)
	if err != nil {
		return nil, false, err
	}
	refName := req.Ref
	if refName == "" {
		refName = proj.DefaultBranch
	}
	ref, err := refs.Resolve(ctx, s.client, proj.ID, refName)
	if err != nil {
		return nil, false, s.reject(ctx, req, proj, err, kickoff.ErrorMessage(err)+": "+clip(refName))
	}
	if req.Payload != nil {
		if _, dup := req.Variables[PayloadVariable]; dup {
			return nil, false, s.reject(ctx, req, proj, ErrDuplicatePayload, ErrDuplicatePayload.Message)
		}
		vars = append(vars, Variable{Key: PayloadVariable, Value: string(req.Payload), File: true})
	}
	if reason := policyViolation(t, ref, req); reason != "" {
		return nil, false, s.reject(ctx, req, proj, kickoff.Errorf(kickoff.EForbidden, "%s", reason), reason)
	}
	if idem != nil {
		if p, err := s.replay(ctx, idem); p != nil || err != nil {
			return p, p != nil, err
		}
	}
	if t.RateLimitPerMinute != nil {
		if ok, wait := s.perToken.Allow(strconv.Itoa(t.ID), *t.RateLimitPerMinute); !ok {
			return nil, false, s.reject(ctx, req, proj, &RateLimitedError{RetryAfter: wait}, "rate limit exceeded")
		}
	}
	return s.create(ctx, spec{
		project: proj, ref: ref, source: pipeline.SourceTrigger,
		user: t.Edges.Owner, trigger: t, variables: vars, idem: idem,
	})
}

// authenticate resolves the token to a live trigger of the requested project
// whose owner may still run pipelines.
func (s *Service) authenticate(ctx context.Context, req TriggerRequest) (*ent.PipelineTrigger, *ent.Project, error) {
	t, err := s.triggers.Lookup(ctx, req.Token)
	if err != nil {
		return nil, nil, s.reject(ctx, req, nil, err, "unknown, expired or revoked token")
	}
	proj, err := s.client.Project.Get(ctx, t.ProjectID)
	if err != nil {
		return nil, nil, fmt.Errorf("loading project: %w", err)
	}
	if req.ProjectRef != "" && req.ProjectRef != strconv.Itoa(proj.ID) && !strings.EqualFold(req.ProjectRef, proj.FullPath) {
		return nil, nil, s.reject(ctx, req, nil, triggers.ErrUnknownToken, "token of another project")
	}
	ok, err := s.triggers.CanAccessProject(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, s.reject(ctx, req, proj, ErrOwnerForbidden, "trigger owner has insufficient permissions")
	}
	return t, proj, nil
}

// policyViolation checks Kickoff's optional per-token limits.
func policyViolation(t *ent.PipelineTrigger, ref *ent.Ref, req TriggerRequest) string {
	if len(t.AllowedRefs) > 0 && !anyGlob(t.AllowedRefs, ref.Name) {
		return fmt.Sprintf("ref %s is not allowed for this trigger token", clip(ref.Name))
	}
	if len(t.AllowedVariables) > 0 {
		for key := range req.Variables {
			if !contains(t.AllowedVariables, key) {
				return fmt.Sprintf("variable %s is not allowed for this trigger token", clip(key))
			}
		}
	}
	if len(t.AllowedCidrs) > 0 && !inAnyPrefix(t.AllowedCidrs, req.ClientIP) {
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

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
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

// reject records a refused trigger call and returns err. The audit entry
// names the token by its first 8 characters at most, never the secret.
func (s *Service) reject(ctx context.Context, req TriggerRequest, proj *ent.Project, err error, reason string) error {
	ev := audit.Event{
		Action: "trigger.rejected", Outcome: audit.Failure, Reason: reason,
		ActorTokenKind: "trigger_token", ActorShortToken: tokens.Redact(req.Token),
	}
	if proj != nil {
		ev.ProjectID = &proj.ID
	}
	if aerr := audit.Record(ctx, s.client, ev); aerr != nil {
		return aerr
	}
	return err
}
