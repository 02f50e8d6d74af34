package pipelines

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/audit"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/refs"
	"github.com/kickoff-ci/kickoff/domain/triggers"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
	"github.com/kickoff-ci/kickoff/ent/project"
	"github.com/kickoff-ci/kickoff/internal/tokens"
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
	// Signature is checked when the trigger requires signed calls.
	Signature triggers.Signature
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
	who, err := s.authenticate(ctx, req)
	if err != nil {
		return nil, false, err
	}
	proj := who.project
	refName := req.Ref
	if refName == "" {
		refName = proj.DefaultBranch
	}
	ref, err := refs.Resolve(ctx, s.client, proj.ID, refName)
	if err != nil {
		return nil, false, s.reject(ctx, req, proj, err, kickoff.ErrorMessage(err)+": "+kickoff.Excerpt(refName, 64))
	}
	if req.Payload != nil {
		if _, dup := req.Variables[PayloadVariable]; dup {
			return nil, false, s.reject(ctx, req, proj, ErrDuplicatePayload, ErrDuplicatePayload.Message)
		}
		vars = append(vars, Variable{Key: PayloadVariable, Value: string(req.Payload), File: true})
	}
	var signature []byte
	if who.trigger != nil {
		if signature, err = s.triggers.CheckSignature(who.trigger, req.Signature, s.now()); err != nil {
			return nil, false, s.reject(ctx, req, proj, err, kickoff.ErrorMessage(err))
		}
		if triggers.Signed(who.trigger) && who.trigger.Receiver == pipelinetrigger.ReceiverGithub && req.Signature.Event == "ping" {
			return nil, false, ErrPing
		}
		// One provider event, however often the provider retries it, is one pipeline.
		if key := triggers.DeliveryKey(who.trigger, req.Signature); idem == nil && key != "" {
			if idem, err = newIdempotency(key, tokens.Digest(req.Token), s.now()); err != nil {
				return nil, false, err
			}
		}
		if reason := triggers.Violation(who.trigger, ref.Name, req.Variables, req.ClientIP); reason != "" {
			return nil, false, s.reject(ctx, req, proj, kickoff.Errorf(kickoff.EForbidden, "%s", reason), reason)
		}
	}
	if idem != nil {
		if p, err := s.replay(ctx, idem); p != nil || err != nil {
			return p, p != nil, err
		}
	}
	sp := spec{project: proj, ref: ref, source: pipeline.SourceTrigger, user: who.user, trigger: who.trigger, variables: vars, idem: idem, signature: signature}
	if who.upstream != nil {
		sp.source, sp.upstream, sp.jobToken = pipeline.SourcePipeline, who.upstream, tokens.Short(req.Token)
	}
	p, replayed, err = s.create(ctx, sp)
	if errors.Is(err, triggers.ErrSignatureReplayed) {
		return nil, false, s.reject(ctx, req, proj, err, kickoff.ErrorMessage(err))
	}
	if _, limited := kickoff.RetryAfter(err); limited {
		// Recorded after create's transaction rolled back, so the refusal stays.
		return nil, false, s.reject(ctx, req, proj, err, "rate limit exceeded")
	}
	return p, replayed, err
}

// ErrPing answers GitHub's ping event (sent when a webhook is set up) to a
// GitHub receiver: the signature was right, and no pipeline is started.
var ErrPing = errors.New("github ping: no pipeline")

// caller is who a trigger call acts for: a trigger token's trigger and
// owner, or a job token's pipeline (the upstream) and its user.
type caller struct {
	trigger  *ent.PipelineTrigger // nil for a job token
	upstream *ent.Pipeline        // nil for a trigger token
	user     *ent.User
	project  *ent.Project // the project the pipeline starts in
}

// authenticate resolves the token to the caller starting a pipeline in the
// requested project: a live trigger of that project whose owner may still
// run pipelines, or a job token (koj_) of a pending or running pipeline
// whose user is at least Developer in the requested project.
func (s *Service) authenticate(ctx context.Context, req TriggerRequest) (caller, error) {
	if kind, err := tokens.Parse(req.Token); err == nil && kind == tokens.Job {
		return s.authenticateJob(ctx, req)
	}
	t, err := s.triggers.Lookup(ctx, req.Token)
	if err != nil {
		return caller{}, s.reject(ctx, req, nil, err, "unknown, expired or revoked token")
	}
	proj, err := s.client.Project.Get(ctx, t.ProjectID)
	if err != nil {
		return caller{}, fmt.Errorf("loading project: %w", err)
	}
	if req.ProjectRef != "" && req.ProjectRef != strconv.Itoa(proj.ID) && !strings.EqualFold(req.ProjectRef, proj.FullPath) {
		return caller{}, s.reject(ctx, req, nil, triggers.ErrUnknownToken, "token of another project")
	}
	// Lookup loaded the whole owner row, so the rule can use it as it is.
	ok, err := authz.Allows(ctx, s.client, t.Edges.Owner, proj.ID, authz.OwnTriggerToken)
	if err != nil {
		return caller{}, err
	}
	if !ok {
		return caller{}, s.reject(ctx, req, proj, ErrOwnerForbidden, "trigger owner has insufficient permissions")
	}
	return caller{trigger: t, user: t.Edges.Owner, project: proj}, nil
}

// authenticateJob resolves a job token (SPEC §6): it may start a pipeline
// only where the job token allowlist lets its project in, and only as a
// user who may run pipelines there. Every refusal is the unknown token's
// 404, so a job token reveals nothing about the projects it may not enter.
func (s *Service) authenticateJob(ctx context.Context, req TriggerRequest) (caller, error) {
	upstream, err := s.client.Pipeline.Query().
		Where(pipeline.JobTokenDigest(tokens.Digest(req.Token)),
			pipeline.StatusIn(kickoff.StatusPending, kickoff.StatusRunning)).
		WithUser().Only(ctx)
	if ent.IsNotFound(err) {
		return caller{}, s.reject(ctx, req, nil, triggers.ErrUnknownToken, "unknown job token or its pipeline has finished")
	}
	if err != nil {
		return caller{}, fmt.Errorf("looking up job token: %w", err)
	}
	if req.ProjectRef == "" {
		return caller{}, s.reject(ctx, req, nil, triggers.ErrUnknownToken, "a job token needs the project in the URL")
	}
	proj, err := s.projectByRef(ctx, req.ProjectRef)
	if ent.IsNotFound(err) {
		return caller{}, s.reject(ctx, req, nil, triggers.ErrUnknownToken, "unknown project")
	}
	if err != nil {
		return caller{}, err
	}
	allowed, err := s.jobs.Allows(ctx, upstream.ProjectID, proj.ID)
	if err != nil {
		return caller{}, err
	}
	if !allowed {
		// Recorded in the target project's audit log: its Maintainers decide
		// the allowlist and need to see who knocked.
		return caller{}, s.reject(ctx, req, proj, triggers.ErrUnknownToken,
			fmt.Sprintf("job token's project %d is not in the job token allowlist of project %d", upstream.ProjectID, proj.ID))
	}
	ok, err := authz.Allows(ctx, s.client, upstream.Edges.User, proj.ID, authz.RunPipeline)
	if err != nil {
		return caller{}, err
	}
	if !ok {
		return caller{}, s.reject(ctx, req, nil, triggers.ErrUnknownToken,
			fmt.Sprintf("the user of pipeline %d may not run pipelines in project %d", upstream.ID, proj.ID))
	}
	return caller{upstream: upstream, user: upstream.Edges.User, project: proj}, nil
}

// reject records a refused trigger call and returns err. The audit entry
// names the token by its first 8 characters at most, never the secret.
func (s *Service) reject(ctx context.Context, req TriggerRequest, proj *ent.Project, err error, reason string) error {
	ev := audit.Event{
		Action: "trigger.rejected", Outcome: audit.Failure, Reason: reason,
		ActorTokenKind: presentedKind(req.Token), ActorShortToken: tokens.Redact(req.Token),
	}
	if proj != nil {
		ev.ProjectID = &proj.ID
	}
	if aerr := audit.Record(ctx, s.client, ev); aerr != nil {
		return aerr
	}
	return err
}

// presentedKind names the credential a trigger call presented, by its
// prefix (even when malformed), for the audit log.
func presentedKind(token string) string {
	if strings.HasPrefix(token, tokens.Job.Prefix()) {
		return jobTokenKind
	}
	return "trigger_token"
}

// projectByRef loads the project GitLab's :id names: a numeric ID or a full path.
func (s *Service) projectByRef(ctx context.Context, ref string) (*ent.Project, error) {
	where := project.FullPath(strings.ToLower(ref))
	if id, err := strconv.Atoi(ref); err == nil {
		where = project.ID(id)
	}
	p, err := s.client.Project.Query().Where(where).Only(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading project: %w", err)
	}
	return p, nil
}
