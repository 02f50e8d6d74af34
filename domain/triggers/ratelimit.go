package triggers

import (
	"context"
	"fmt"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// ErrRateLimited is the refusal of a call past the trigger's rateLimitPerMinute.
var ErrRateLimited = kickoff.Errorf(kickoff.ERateLimited, "Too many pipelines created in the last minute. Try again later.")

// rateWindow is the span a trigger's rateLimitPerMinute counts over.
const rateWindow = time.Minute

// Admit applies t's rateLimitPerMinute inside the transaction that inserts
// the pipeline and returns the time to create it at. The limit is counted
// from the database — t's pipelines of the last minute are already there —
// so it holds for all replicas together, not per replica. Two transactions
// must not both count N-1 and both insert: on PostgreSQL the trigger's row is
// locked first (FOR UPDATE, held until commit), so callers of one limited
// trigger count and insert one at a time; SQLite's transactions take its
// single write lock up front. The clock is read after the lock, so a caller
// that waited for it counts the window as it is when it inserts.
func (s *Service) Admit(ctx context.Context, c *ent.Client, t *ent.PipelineTrigger) (time.Time, error) {
	if t.RateLimitPerMinute == nil {
		return s.now(), nil
	}
	if _, err := c.PipelineTrigger.Query().Where(pipelinetrigger.ID(t.ID)).
		Select(pipelinetrigger.FieldID).Modify(database.LockRow(false)).Ints(ctx); err != nil {
		return time.Time{}, fmt.Errorf("locking trigger %d for its rate limit: %w", t.ID, err)
	}
	now := s.now()
	wait, err := slotFreeIn(ctx, c, t.ID, *t.RateLimitPerMinute, now)
	switch {
	case err != nil:
		return time.Time{}, err
	case wait > 0:
		return time.Time{}, &kickoff.RateLimitedError{RetryAfter: wait, Err: ErrRateLimited}
	}
	return now, nil
}

// slotFreeIn returns 0 when trigger created fewer than limit pipelines in the
// window before now, else how long until it has: the limit-th newest pipeline
// of the window leaving it frees the slot. Reading that one row (an index
// range scan on trigger_id, created_at) answers both questions at once.
func slotFreeIn(ctx context.Context, c *ent.Client, trigger, limit int, now time.Time) (time.Duration, error) {
	nth, err := c.Pipeline.Query().
		Where(pipeline.TriggerID(trigger), pipeline.CreatedAtGT(now.Add(-rateWindow))).
		Order(ent.Desc(pipeline.FieldCreatedAt)).
		Offset(limit - 1).Limit(1).
		Select(pipeline.FieldCreatedAt).All(ctx)
	if err != nil {
		return 0, fmt.Errorf("counting trigger %d's pipelines of the last minute: %w", trigger, err)
	}
	if len(nth) == 0 {
		return 0, nil
	}
	// At least a nanosecond: the caller is refused now, whatever the clocks say.
	return max(nth[0].CreatedAt.Add(rateWindow).Sub(now), time.Nanosecond), nil
}
