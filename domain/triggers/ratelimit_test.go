package triggers

import (
	"context"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// TestSlotFreeIn: the window is the last minute, and a full one frees a
// slot when its limit-th newest pipeline turns a minute old.
func TestSlotFreeIn(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx, c := context.Background(), db.Client
		u := c.User.Create().SetUsername("u").SetEmail("u@example.com").SetPasswordHash("x").SaveX(ctx)
		p := c.Project.Create().SetName("p").SetFullPath("g/p").SaveX(ctx)
		tr := c.PipelineTrigger.Create().SetProjectID(p.ID).SetOwnerID(u.ID).SetDescription("ci").
			SetTokenDigest([]byte("digest")).SetTokenSealed([]byte("sealed")).SetShortToken("abcd").SaveX(ctx)
		now := time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)
		for i, age := range []time.Duration{90 * time.Second, 50 * time.Second, 20 * time.Second} {
			c.Pipeline.Create().SetProjectID(p.ID).SetIid(i + 1).SetRef("main").SetSource(pipeline.SourceTrigger).
				SetTriggerID(tr.ID).SetCreatedAt(now.Add(-age)).SetUpdatedAt(now.Add(-age)).ExecX(ctx)
		}
		for _, tc := range []struct {
			limit int
			want  time.Duration
		}{
			{3, 0},                // the 90 s old pipeline is out of the window
			{2, 10 * time.Second}, // the 50 s old one leaves it in 10 s
			{1, 40 * time.Second},
		} {
			got, err := slotFreeIn(ctx, c, tr.ID, tc.limit, now)
			if err != nil || got != tc.want {
				t.Errorf("limit %d: slot free in %v (%v), want %v", tc.limit, got, err, tc.want)
			}
		}
	})
}
