package pipelines

import (
	"context"
	"fmt"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/internal/database"
)

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
		if err := s.announce(ctx, c, p); err != nil {
			return err
		}
		reason := fmt.Sprintf("%s: no update from its runner for %s", FailureRunnerSystem, olderThan)
		return s.recordStatus(ctx, c, p, stale.Status, reason, "", "")
	})
	return done, err
}
