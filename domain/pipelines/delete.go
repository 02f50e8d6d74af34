package pipelines

import (
	"context"
	"fmt"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/idempotencykey"
	"github.com/kickoff-ci/kickoff/ent/pipelinelog"
	"github.com/kickoff-ci/kickoff/ent/pipelinelogchunk"
	"github.com/kickoff-ci/kickoff/ent/pipelinevariable"
	"github.com/kickoff-ci/kickoff/ent/webhookdelivery"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// Delete removes a pipeline with its variables, idempotency records and job log
// (Owner, as GitLab's destroy_pipeline), in one transaction with its audit
// entry. Downstream pipelines stay; their upstream link is cleared by the
// foreign key (ON DELETE SET NULL). An Idempotency-Key that named the
// pipeline may be used again afterwards: what it replayed is gone.
func (s *Service) Delete(ctx context.Context, id int) error {
	return database.WithTx(ctx, s.client, func(ctx context.Context, c *ent.Client) error {
		p, err := s.authorizedPipeline(ctx, c, id, authz.DeletePipeline)
		if err != nil {
			return err
		}
		dependents := []struct {
			what   string
			delete func(context.Context) (int, error)
		}{
			{"variables", c.PipelineVariable.Delete().Where(pipelinevariable.PipelineID(p.ID)).Exec},
			{"idempotency keys", c.IdempotencyKey.Delete().Where(idempotencykey.PipelineID(p.ID)).Exec},
			{"job log", c.PipelineLogChunk.Delete().Where(pipelinelogchunk.PipelineID(p.ID)).Exec},
			{"job log head", c.PipelineLog.Delete().Where(pipelinelog.PipelineID(p.ID)).Exec},
			// Deliveries hold the pipeline's variables in their payloads.
			{"webhook deliveries", c.WebhookDelivery.Delete().Where(webhookdelivery.PipelineID(p.ID)).Exec},
		}
		for _, d := range dependents {
			if _, err := d.delete(ctx); err != nil {
				return fmt.Errorf("deleting pipeline %d's %s: %w", p.ID, d.what, err)
			}
		}
		if err := c.Pipeline.DeleteOne(p).Exec(ctx); err != nil {
			return fmt.Errorf("deleting pipeline %d: %w", p.ID, err)
		}
		return s.recordChange(ctx, c, p, "pipeline.deleted", fmt.Sprintf("pipeline #%d on %s (%s)", p.Iid, p.Ref, p.Status))
	})
}
