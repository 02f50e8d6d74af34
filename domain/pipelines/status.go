package pipelines

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/tokens"
)

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

// JobPipeline returns pipeline pipelineID, locked until c's transaction
// ends, when jobToken is its job token: the runner API's authentication.
func JobPipeline(ctx context.Context, c *ent.Client, pipelineID int, jobToken string) (*ent.Pipeline, error) {
	if kind, err := tokens.Parse(jobToken); err != nil || kind != tokens.Job {
		return nil, ErrJobTokenInvalid
	}
	ids, err := c.Pipeline.Query().Where(pipeline.JobTokenDigest(tokens.Digest(jobToken))).
		Select(pipeline.FieldID).Modify(database.LockRow(false)).Ints(ctx)
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
	return p, nil
}

func (s *Service) updateStatus(ctx context.Context, c *ent.Client, pipelineID int, jobToken string, up StatusUpdate) (*ent.Pipeline, error) {
	p, err := JobPipeline(ctx, c, pipelineID, jobToken)
	if err != nil {
		return nil, err
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
	if err := s.announce(ctx, c, p); err != nil {
		return nil, err
	}
	return p, s.recordStatus(ctx, c, p, from, "reported by its runner", jobTokenKind, tokens.Short(jobToken))
}

// runnerMoves are the transitions a runner may make (SPEC §6).
var runnerMoves = map[kickoff.PipelineStatus]map[kickoff.PipelineStatus]bool{
	kickoff.StatusPending: {kickoff.StatusRunning: true, kickoff.StatusFailed: true},
	kickoff.StatusRunning: {kickoff.StatusRunning: true, kickoff.StatusSuccess: true, kickoff.StatusFailed: true},
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

func failureReason(r *string) string {
	if r == nil || strings.TrimSpace(*r) == "" {
		return FailureUnknown
	}
	return strings.TrimSpace(*r)
}
