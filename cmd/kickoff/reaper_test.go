package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/services/servicestest"
)

func TestReaperFailsStaleClaimsAndStops(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		set := servicestest.New(t, db.Client)
		proj, err := db.Client.Project.Create().SetName("r").SetFullPath("grp/reaper").Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour).UTC()
		stale, err := db.Client.Pipeline.Create().SetProjectID(proj.ID).SetIid(1).SetRef("main").
			SetSource(pipeline.SourceAPI).SetStatus(kickoff.StatusRunning).SetUpdatedAt(old).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}

		reapCtx, stop := context.WithCancel(ctx)
		stopped := make(chan struct{})
		go func() {
			reapStalePipelines(reapCtx, set.Pipelines, time.Second, slog.New(slog.DiscardHandler))
			close(stopped)
		}()
		deadline := time.Now().Add(10 * time.Second)
		for {
			p, err := db.Client.Pipeline.Get(ctx, stale.ID)
			if err != nil {
				t.Fatal(err)
			}
			if p.Status == kickoff.StatusFailed {
				if p.FailureReason == nil || *p.FailureReason != "runner_system_failure" {
					t.Errorf("failure_reason = %v", p.FailureReason)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the reaper did not fail the stale pipeline")
			}
			time.Sleep(50 * time.Millisecond)
		}
		stop()
		<-stopped // the reaper stops with its context
	})
}
