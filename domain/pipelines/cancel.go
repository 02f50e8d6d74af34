package pipelines

import (
	"context"
	"fmt"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/internal/database"
)

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
