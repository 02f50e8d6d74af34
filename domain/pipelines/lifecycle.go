package pipelines

import (
	"context"
	"fmt"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/audit"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// Failure reasons set by Kickoff itself (GitLab's names).
const (
	// FailureRunnerSystem is set when a claimed pipeline's runner went silent.
	FailureRunnerSystem = "runner_system_failure"
	// FailureUnknown is set when a runner fails a pipeline without a reason.
	FailureUnknown = "unknown_failure"
	// MaxFailureReason bounds a runner-sent failure_reason.
	MaxFailureReason = 255
)

// Audit credential kinds of the runner API.
const (
	runnerTokenKind = "runner_token"
	jobTokenKind    = "job_token"
)

var (
	// ErrJobTokenInvalid answers a job token that is malformed, unknown or
	// no longer attached to a pipeline (it was retried).
	ErrJobTokenInvalid = kickoff.Errorf(kickoff.EUnauthorized, "401 Unauthorized")
	// ErrJobTokenOtherPipeline answers a job token used on another pipeline.
	ErrJobTokenOtherPipeline = kickoff.Errorf(kickoff.EForbidden, "the job token belongs to another pipeline")
	// ErrCanceled answers a runner's update of a canceled pipeline: stop working on it.
	ErrCanceled = kickoff.Errorf(kickoff.EConflict, "the pipeline has been canceled")
	errNotFound = kickoff.Errorf(kickoff.ENotFound, "pipeline not found")
)

// authorizedPipeline loads and locks a pipeline the viewer may do a to
// (RunPipeline: cancel, retry; DeletePipeline). Viewers who cannot see it
// get ENotFound.
func (s *Service) authorizedPipeline(ctx context.Context, c *ent.Client, id int, a authz.Action) (*ent.Pipeline, error) {
	if authz.UserFrom(ctx) == nil {
		return nil, kickoff.Errorf(kickoff.EUnauthorized, "sign in first")
	}
	p, err := c.Pipeline.Query().Where(pipeline.ID(id)).Modify(database.LockRow(false)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("loading pipeline: %w", err)
	}
	if _, err := authz.Authorize(ctx, c, p.ProjectID, a); err != nil {
		if kickoff.ErrorCode(err) == kickoff.ENotFound {
			return nil, errNotFound
		}
		return nil, err
	}
	return p, nil
}

// recordStatus writes the pipeline.status_changed audit entry.
func (s *Service) recordStatus(ctx context.Context, c *ent.Client, p *ent.Pipeline, from kickoff.PipelineStatus, why, kind, short string) error {
	return audit.Record(ctx, c, audit.Event{
		Action: "pipeline.status_changed", Outcome: audit.Success,
		Reason:    fmt.Sprintf("pipeline #%d: %s → %s (%s)", p.Iid, from, p.Status, why),
		ProjectID: &p.ProjectID, TargetType: "Pipeline", TargetID: &p.ID,
		ActorTokenKind: kind, ActorShortToken: short,
	})
}

func (s *Service) recordChange(ctx context.Context, c *ent.Client, p *ent.Pipeline, action, reason string) error {
	return audit.Record(ctx, c, audit.Event{
		Action: action, Outcome: audit.Success, Reason: reason,
		ProjectID: &p.ProjectID, TargetType: "Pipeline", TargetID: &p.ID,
	})
}

// move saves a viewer's change of p (cancel, retry) unless p's status
// changed since it was read, announces it and records action.
func (s *Service) move(ctx context.Context, c *ent.Client, p *ent.Pipeline, action string, change *ent.PipelineUpdateOne) (*ent.Pipeline, error) {
	from := p.Status
	p, err := change.Where(pipeline.StatusEQ(from)).Save(ctx)
	if ent.IsNotFound(err) {
		return nil, kickoff.Errorf(kickoff.EConflict, "the pipeline changed meanwhile: try again")
	}
	if err != nil {
		return nil, fmt.Errorf("saving %s: %w", action, err)
	}
	if err := s.announce(ctx, c, p); err != nil {
		return nil, err
	}
	return p, s.recordChange(ctx, c, p, action, fmt.Sprintf("pipeline #%d: %s → %s", p.Iid, from, p.Status))
}
