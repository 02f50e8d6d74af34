package server_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/tokens/tokenstest"
)

// TestTriggerPipelineGitLabClient runs a trigger with GitLab's official Go
// client and compares what it decoded with what Kickoff stored.
func TestTriggerPipelineGitLabClient(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newTPEnv(t, db)
		e.tpRef(t, "v1.2.0", "TAG")
		token := e.tpTrigger(t, "")
		tr := e.tpTriggerRow(t, token)
		gl, err := gitlab.NewClient("", gitlab.WithBaseURL(e.srv.URL+"/api/v4"), gitlab.WithCustomRetryMax(0))
		if err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			name    string
			project any
			ref     string
			tag     bool
		}{
			{"by ID on a branch", e.project.ID, "main", false},
			{"by path on a tag", "grp/app", "v1.2.0", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				vars := map[string]string{"DEPLOY_ENV": "staging", "CI_COMMIT_REF_NAME": "overridden"}
				got, res, err := gl.PipelineTriggers.RunPipelineTrigger(tc.project, &gitlab.RunPipelineTriggerOptions{
					Ref: gitlab.Ptr(tc.ref), Token: gitlab.Ptr(token), Variables: vars,
				}, gitlab.WithContext(context.Background()))
				if err != nil {
					t.Fatalf("RunPipelineTrigger: %v", err)
				}
				if res.StatusCode != http.StatusCreated {
					t.Errorf("status %d, want 201", res.StatusCode)
				}
				row, err := db.Client.Pipeline.Query().Where(pipeline.ID(int(got.ID))).WithVariables().WithUser().Only(context.Background())
				if err != nil {
					t.Fatalf("pipeline %d not stored: %v", got.ID, err)
				}
				sha := ""
				if row.Sha != nil {
					sha = *row.Sha
				}
				if got.IID != int64(row.Iid) || got.ProjectID != int64(e.project.ID) || got.Ref != tc.ref || row.Ref != tc.ref ||
					got.SHA != sha || (tc.tag && sha != tpSHA) || got.Tag != tc.tag || row.Tag != tc.tag ||
					got.Status != "created" || string(row.Status) != "created" ||
					got.Source != "trigger" || row.Source != pipeline.SourceTrigger ||
					got.BeforeSHA != "0000000000000000000000000000000000000000" ||
					got.WebURL != e.srv.URL+"/grp/app/-/pipelines/"+strconv.Itoa(row.Iid) {
					t.Errorf("client decoded %s\nstored %+v", got, row)
				}
				if got.CreatedAt == nil || !got.CreatedAt.Equal(row.CreatedAt.Truncate(time.Millisecond)) ||
					got.UpdatedAt == nil || !got.UpdatedAt.Equal(row.UpdatedAt.Truncate(time.Millisecond)) {
					t.Errorf("created_at %v updated_at %v, stored %v %v", got.CreatedAt, got.UpdatedAt, row.CreatedAt, row.UpdatedAt)
				}
				if got.User == nil || got.User.ID != int64(tr.OwnerID) || got.User.Username != "owner" || got.User.State != "active" ||
					row.Edges.User == nil || row.Edges.User.ID != tr.OwnerID {
					t.Errorf("user = %+v, want the trigger owner %d", got.User, tr.OwnerID)
				}
				if row.TriggerID == nil || *row.TriggerID != tr.ID || row.TriggerShortToken == nil || *row.TriggerShortToken != tr.ShortToken {
					t.Errorf("stored trigger %v/%v, want %d/%s", deref(row.TriggerID), deref(row.TriggerShortToken), tr.ID, tr.ShortToken)
				}
				if got.DetailedStatus == nil || got.DetailedStatus.Group != "created" ||
					got.DetailedStatus.DetailsPath != "/grp/app/-/pipelines/"+strconv.Itoa(row.Iid) {
					t.Errorf("detailed_status = %+v", got.DetailedStatus)
				}
				stored := map[string]string{}
				for _, v := range row.Edges.Variables {
					stored[v.Key] = v.Value
				}
				if len(stored) != len(vars) || stored["DEPLOY_ENV"] != "staging" || stored["CI_COMMIT_REF_NAME"] != "overridden" {
					t.Errorf("stored variables %v, want %v", stored, vars)
				}
			})
		}

		t.Run("errors", func(t *testing.T) {
			before := e.tpPipelineCount(t)
			_, res, err := gl.PipelineTriggers.RunPipelineTrigger(e.project.ID, &gitlab.RunPipelineTriggerOptions{
				Ref: gitlab.Ptr("main"), Token: gitlab.Ptr(tokenstest.BadChecksum(token)),
			})
			if !errors.Is(err, gitlab.ErrNotFound) || res == nil || res.StatusCode != 404 {
				t.Errorf("bad token: %v (%T)", err, err)
			}
			_, res, err = gl.PipelineTriggers.RunPipelineTrigger(e.project.ID, &gitlab.RunPipelineTriggerOptions{
				Ref: gitlab.Ptr("nope"), Token: gitlab.Ptr(token),
			})
			var er *gitlab.ErrorResponse
			if !errors.As(err, &er) || res == nil || res.StatusCode != 400 || er.Message != "{message: {base: [Reference not found]}}" {
				t.Errorf("unknown ref: %v", err)
			}
			if n := e.tpPipelineCount(t); n != before {
				t.Errorf("%d pipelines, want %d", n, before)
			}
		})
	})
}
