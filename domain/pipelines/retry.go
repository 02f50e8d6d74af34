package pipelines

import (
	"context"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// Retry queues a failed or canceled pipeline again (Developer): same id,
// iid and variables; its runner, claim, job token, times and failure
// reason are cleared.
func (s *Service) Retry(ctx context.Context, id int) (*ent.Pipeline, error) {
	p, err := database.InTx(ctx, s.client, func(ctx context.Context, c *ent.Client) (*ent.Pipeline, error) {
		p, err := s.authorizedPipeline(ctx, c, id, authz.RunPipeline)
		if err != nil {
			return nil, err
		}
		if p.Status != kickoff.StatusFailed && p.Status != kickoff.StatusCanceled {
			return nil, kickoff.Errorf(kickoff.EConflict, "pipeline #%d is %s: only failed or canceled pipelines can be retried", p.Iid, p.Status)
		}
		return s.move(ctx, c, p, "pipeline.retried",
			c.Pipeline.UpdateOne(p).SetStatus(kickoff.StatusCreated).
				ClearRunnerID().ClearClaimedAt().ClearJobTokenDigest().
				ClearStartedAt().ClearFinishedAt().ClearFailureReason())
	})
	if err != nil {
		return nil, err
	}
	database.AfterCommit(ctx, s.queued.notify)
	return p, nil
}
