package pipelines

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/audit"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/tokens"
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

// Claimed is a pipeline handed to a runner: what it runs and the job token
// it reports with. JobToken is shown only here; only its digest is stored.
type Claimed struct {
	Pipeline  *ent.Pipeline // with its project loaded
	Variables []Variable
	JobToken  string
}

// Claim hands the oldest created pipeline the runner may run (its project's
// for a project runner, any project's for an instance runner) to it: the
// pipeline becomes pending with a fresh job token. It returns nil when none
// is waiting. No pipeline goes to two runners: on PostgreSQL the candidate
// row is locked with SKIP LOCKED, on SQLite the transaction holds the only
// write lock, and the update is guarded by the created status either way.
func (s *Service) Claim(ctx context.Context, r *ent.Runner) (*Claimed, error) {
	token, err := tokens.New(tokens.Job)
	if err != nil {
		return nil, fmt.Errorf("generating job token: %w", err)
	}
	var claimed *Claimed
	err = database.WithTx(ctx, s.client, func(ctx context.Context, c *ent.Client) error {
		claimed, err = s.claim(ctx, c, r, token)
		return err
	})
	if err != nil || claimed == nil {
		return nil, err
	}
	proj := claimed.Pipeline.Edges.Project
	claimed.Pipeline = claimed.Pipeline.Unwrap()
	claimed.Pipeline.Edges.Project = proj.Unwrap()
	return claimed, nil
}

func (s *Service) claim(ctx context.Context, c *ent.Client, r *ent.Runner, token string) (*Claimed, error) {
	q := c.Pipeline.Query().Where(pipeline.StatusEQ(kickoff.StatusCreated))
	if r.ProjectID != nil {
		q.Where(pipeline.ProjectID(*r.ProjectID))
	}
	ids, err := q.Order(ent.Asc(pipeline.FieldCreatedAt), ent.Asc(pipeline.FieldID)).Limit(1).
		Select(pipeline.FieldID).Modify(lockRow(true)).Ints(ctx)
	if err != nil {
		return nil, fmt.Errorf("finding a pipeline to claim: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	p, err := c.Pipeline.UpdateOneID(ids[0]).Where(pipeline.StatusEQ(kickoff.StatusCreated)).
		SetStatus(kickoff.StatusPending).SetRunnerID(r.ID).SetClaimedAt(s.now()).
		SetJobTokenDigest(tokens.Digest(token)).
		Save(ctx)
	if ent.IsNotFound(err) {
		return nil, nil // taken meanwhile; the caller looks again
	}
	if err != nil {
		return nil, fmt.Errorf("claiming pipeline: %w", err)
	}
	proj, err := c.Project.Get(ctx, p.ProjectID)
	if err != nil {
		return nil, fmt.Errorf("loading project: %w", err)
	}
	stored, err := p.QueryVariables().All(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading variables: %w", err)
	}
	p.Edges.Project = proj
	err = s.recordStatus(ctx, c, p, kickoff.StatusCreated, fmt.Sprintf("claimed by runner %d", r.ID),
		runnerTokenKind, r.ShortToken)
	if err != nil {
		return nil, err
	}
	s.announce(ctx, p)
	return &Claimed{Pipeline: p, Variables: s.Variables(p, proj, stored), JobToken: token}, nil
}

// StatusUpdate is a runner's report on its pipeline.
type StatusUpdate struct {
	Status        kickoff.PipelineStatus
	FailureReason *string
	// InputErr is a problem the caller found decoding the request. It is
	// reported after the job token is checked, so a caller without a valid
	// token learns nothing from its input.
	InputErr error
}

// UpdateStatus moves the pipeline holding jobToken on, as its runner
// reports: pending→running (started_at), running→success|failed and
// pending→failed (finished_at, failure_reason). running→running is a
// heartbeat that only proves the runner is alive (see FailStale).
func (s *Service) UpdateStatus(ctx context.Context, pipelineID int, jobToken string, up StatusUpdate) (*ent.Pipeline, error) {
	if kind, err := tokens.Parse(jobToken); err != nil || kind != tokens.Job {
		return nil, ErrJobTokenInvalid
	}
	var p *ent.Pipeline
	err := database.WithTx(ctx, s.client, func(ctx context.Context, c *ent.Client) error {
		var err error
		p, err = s.updateStatus(ctx, c, pipelineID, jobToken, up)
		return err
	})
	if err != nil {
		return nil, err
	}
	return p.Unwrap(), nil
}

func (s *Service) updateStatus(ctx context.Context, c *ent.Client, pipelineID int, jobToken string, up StatusUpdate) (*ent.Pipeline, error) {
	ids, err := c.Pipeline.Query().Where(pipeline.JobTokenDigest(tokens.Digest(jobToken))).
		Select(pipeline.FieldID).Modify(lockRow(false)).Ints(ctx)
	if err != nil {
		return nil, fmt.Errorf("looking up job token: %w", err)
	}
	switch {
	case len(ids) == 0:
		return nil, ErrJobTokenInvalid
	case ids[0] != pipelineID:
		return nil, ErrJobTokenOtherPipeline
	}
	p, err := c.Pipeline.Get(ctx, pipelineID)
	if err != nil {
		return nil, fmt.Errorf("loading pipeline: %w", err)
	}
	if err := checkRunnerMove(p.Status, up); err != nil {
		return nil, err
	}
	from := p.Status
	upd := c.Pipeline.UpdateOne(p).Where(pipeline.StatusEQ(from)).SetStatus(up.Status)
	now := s.now()
	switch {
	case up.Status == kickoff.StatusRunning && from == kickoff.StatusPending:
		upd.SetStartedAt(now)
	case up.Status.Finished():
		upd.SetFinishedAt(now)
	}
	if up.Status == kickoff.StatusFailed {
		upd.SetFailureReason(failureReason(up.FailureReason))
	}
	p, err = upd.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("updating pipeline status: %w", err)
	}
	if from == up.Status {
		return p, nil // a heartbeat is not worth an audit entry, nor an event
	}
	s.announce(ctx, p)
	return p, s.recordStatus(ctx, c, p, from, "reported by its runner", jobTokenKind, tokens.Short(jobToken))
}

// checkRunnerMove validates a runner's update against the pipeline's status.
func checkRunnerMove(from kickoff.PipelineStatus, up StatusUpdate) error {
	switch {
	case from == kickoff.StatusCanceled:
		return ErrCanceled
	case from.Finished():
		return kickoff.Errorf(kickoff.EConflict, "the pipeline has already finished (%s)", from)
	case up.InputErr != nil:
		return up.InputErr
	}
	switch up.Status {
	case kickoff.StatusRunning, kickoff.StatusSuccess, kickoff.StatusFailed:
	default:
		return kickoff.Errorf(kickoff.EInvalid, "status must be running, success or failed")
	}
	if up.FailureReason != nil {
		if up.Status != kickoff.StatusFailed {
			return kickoff.Errorf(kickoff.EInvalid, "failure_reason is only allowed with status failed")
		}
		r := *up.FailureReason
		if utf8.RuneCountInString(r) > MaxFailureReason || !kickoff.CleanText(r) {
			return kickoff.Errorf(kickoff.EInvalid, "failure_reason must be valid UTF-8 of at most %d characters", MaxFailureReason)
		}
	}
	if !runnerMoves[from][up.Status] {
		return kickoff.Errorf(kickoff.EConflict, "a %s pipeline cannot become %s", from, up.Status)
	}
	return nil
}

// runnerMoves are the transitions a runner may make (SPEC §6).
var runnerMoves = map[kickoff.PipelineStatus]map[kickoff.PipelineStatus]bool{
	kickoff.StatusPending: {kickoff.StatusRunning: true, kickoff.StatusFailed: true},
	kickoff.StatusRunning: {kickoff.StatusRunning: true, kickoff.StatusSuccess: true, kickoff.StatusFailed: true},
}

func failureReason(r *string) string {
	if r == nil || strings.TrimSpace(*r) == "" {
		return FailureUnknown
	}
	return strings.TrimSpace(*r)
}

// Cancel stops an unfinished pipeline (Developer). Its job token stops
// working: the runner's next update is answered with ErrCanceled.
func (s *Service) Cancel(ctx context.Context, id int) (*ent.Pipeline, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, c *ent.Client) (*ent.Pipeline, error) {
		p, err := s.authorizedPipeline(ctx, c, id)
		if err != nil {
			return nil, err
		}
		if p.Status.Finished() {
			return nil, kickoff.Errorf(kickoff.EConflict, "pipeline #%d is already %s and cannot be canceled", p.Iid, p.Status)
		}
		from := p.Status
		p, err = c.Pipeline.UpdateOne(p).Where(pipeline.StatusEQ(from)).
			SetStatus(kickoff.StatusCanceled).SetFinishedAt(s.now()).Save(ctx)
		if ent.IsNotFound(err) {
			return nil, kickoff.Errorf(kickoff.EConflict, "the pipeline changed meanwhile: try again")
		}
		if err != nil {
			return nil, fmt.Errorf("canceling pipeline: %w", err)
		}
		s.announce(ctx, p)
		return p, s.recordChange(ctx, c, p, "pipeline.canceled", fmt.Sprintf("pipeline #%d: %s → canceled", p.Iid, from))
	})
}

// Retry queues a failed or canceled pipeline again (Developer): same id,
// iid and variables; its runner, claim, job token, times and failure
// reason are cleared.
func (s *Service) Retry(ctx context.Context, id int) (*ent.Pipeline, error) {
	p, err := database.InTx(ctx, s.client, func(ctx context.Context, c *ent.Client) (*ent.Pipeline, error) {
		p, err := s.authorizedPipeline(ctx, c, id)
		if err != nil {
			return nil, err
		}
		if p.Status != kickoff.StatusFailed && p.Status != kickoff.StatusCanceled {
			return nil, kickoff.Errorf(kickoff.EConflict, "pipeline #%d is %s: only failed or canceled pipelines can be retried", p.Iid, p.Status)
		}
		from := p.Status
		p, err = c.Pipeline.UpdateOne(p).Where(pipeline.StatusEQ(from)).
			SetStatus(kickoff.StatusCreated).
			ClearRunnerID().ClearClaimedAt().ClearJobTokenDigest().
			ClearStartedAt().ClearFinishedAt().ClearFailureReason().
			Save(ctx)
		if ent.IsNotFound(err) {
			return nil, kickoff.Errorf(kickoff.EConflict, "the pipeline changed meanwhile: try again")
		}
		if err != nil {
			return nil, fmt.Errorf("retrying pipeline: %w", err)
		}
		s.announce(ctx, p)
		return p, s.recordChange(ctx, c, p, "pipeline.retried", fmt.Sprintf("pipeline #%d: %s → created", p.Iid, from))
	})
	if err != nil {
		return nil, err
	}
	afterCommit(ctx, s.queued.notify)
	return p, nil
}

// authorizedPipeline loads a pipeline the viewer may run pipelines in
// (cancel, retry). Viewers who cannot see it get ENotFound.
func (s *Service) authorizedPipeline(ctx context.Context, c *ent.Client, id int) (*ent.Pipeline, error) {
	if authz.UserFrom(ctx) == nil {
		return nil, kickoff.Errorf(kickoff.EUnauthorized, "sign in first")
	}
	p, err := c.Pipeline.Query().Where(pipeline.ID(id)).Modify(lockRow(false)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("loading pipeline: %w", err)
	}
	if _, err := authz.Authorize(ctx, c, p.ProjectID, authz.RunPipeline); err != nil {
		if kickoff.ErrorCode(err) == kickoff.ENotFound {
			return nil, errNotFound
		}
		return nil, err
	}
	return p, nil
}

// FailStale fails pending and running pipelines whose runner has not
// reported for olderThan, with failure_reason runner_system_failure, and
// returns how many it failed. Each pipeline is failed by an update guarded
// by its status and age, so replicas running it at once fail each pipeline
// once, and a runner's update racing it wins or loses whole.
func (s *Service) FailStale(ctx context.Context, olderThan time.Duration) (int, error) {
	const batch = 100
	cutoff := s.now().Add(-olderThan)
	failed := 0
	for {
		stale, err := s.client.Pipeline.Query().
			Where(pipeline.StatusIn(kickoff.StatusPending, kickoff.StatusRunning), pipeline.UpdatedAtLT(cutoff)).
			Order(ent.Asc(pipeline.FieldID)).Limit(batch).
			Select(pipeline.FieldID, pipeline.FieldStatus, pipeline.FieldIid).All(ctx)
		if err != nil {
			return failed, fmt.Errorf("finding stale pipelines: %w", err)
		}
		n := 0
		for _, p := range stale {
			ok, err := s.failStale(ctx, p, cutoff, olderThan)
			if err != nil {
				return failed, err
			}
			if ok {
				n++
			}
		}
		failed += n
		if len(stale) < batch || n == 0 {
			return failed, nil
		}
	}
}

func (s *Service) failStale(ctx context.Context, stale *ent.Pipeline, cutoff time.Time, olderThan time.Duration) (bool, error) {
	var done bool
	err := database.WithTx(ctx, s.client, func(ctx context.Context, c *ent.Client) error {
		done = false // WithTx may run this again after a lost connection
		p, err := c.Pipeline.UpdateOneID(stale.ID).
			Where(pipeline.StatusEQ(stale.Status), pipeline.UpdatedAtLT(cutoff)).
			SetStatus(kickoff.StatusFailed).SetFinishedAt(s.now()).SetFailureReason(FailureRunnerSystem).
			Save(ctx)
		if ent.IsNotFound(err) {
			return nil // updated or failed elsewhere meanwhile
		}
		if err != nil {
			return fmt.Errorf("failing stale pipeline: %w", err)
		}
		done = true
		s.announce(ctx, p)
		reason := fmt.Sprintf("%s: no update from its runner for %s", FailureRunnerSystem, olderThan)
		return s.recordStatus(ctx, c, p, stale.Status, reason, "", "")
	})
	return done, err
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
