package pipelines

import (
	"context"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// Cancel stops an unfinished pipeline (Developer). Its job token stops
// working: the runner's next update is answered with ErrCanceled.
func (s *Service) Cancel(ctx context.Context, id int) (*ent.Pipeline, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, c *ent.Client) (*ent.Pipeline, error) {
		p, err := s.authorizedPipeline(ctx, c, id, authz.RunPipeline)
		if err != nil {
			return nil, err
		}
		if p.Status.Finished() {
			return nil, kickoff.Errorf(kickoff.EConflict, "pipeline #%d is already %s and cannot be canceled", p.Iid, p.Status)
		}
		return s.move(ctx, c, p, "pipeline.canceled",
			c.Pipeline.UpdateOne(p).SetStatus(kickoff.StatusCanceled).SetFinishedAt(s.now()))
	})
}
