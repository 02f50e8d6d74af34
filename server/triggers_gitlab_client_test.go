package server_test

import (
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// TestTriggerGitLabClient drives the management API with GitLab's official
// Go client (its PipelineTriggers service) and checks each answer against
// what Kickoff stored.
func TestTriggerGitLabClient(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		f := trgSetup(t, db)
		client := func(user string) gitlab.PipelineTriggersServiceInterface {
			c, err := gitlab.NewClient(f.pats[user], gitlab.WithBaseURL(f.srv.URL+"/api/v4"), gitlab.WithoutRetries())
			if err != nil {
				t.Fatal(err)
			}
			return c.PipelineTriggers
		}
		alice, bob := client("alice"), client("bob")

		// The project as the client accepts it: numeric ID or full path
		// (which the client URL-encodes as group%2Fname).
		for _, pid := range []any{f.projectID, trgProjectPath} {
			added, res, err := alice.AddPipelineTrigger(pid, &gitlab.AddPipelineTriggerOptions{Description: gitlab.Ptr("deploy")})
			if err != nil || res.StatusCode != http.StatusCreated {
				t.Fatalf("AddPipelineTrigger(%v) = %v, %v", pid, res, err)
			}
			f.trgWantStored(t, added, "alice")
			if !trgFullToken.MatchString(added.Token) {
				t.Errorf("the creator got token %q, want the full value", added.Token)
			}
			if tr, err := f.set.Triggers.Lookup(t.Context(), added.Token); err != nil || tr.ID != int(added.ID) {
				t.Errorf("the token the client got does not resolve to trigger %d: %v", added.ID, err)
			}

			got, _, err := alice.GetPipelineTrigger(pid, added.ID)
			if err != nil {
				t.Fatalf("GetPipelineTrigger: %v", err)
			}
			f.trgWantStored(t, got, "alice")
			if got.Token != added.Token {
				t.Errorf("Get token = %q, want the owner's full %q", got.Token, added.Token)
			}
			// Another Maintainer sees the 4 characters after the prefix.
			if got, _, err := bob.GetPipelineTrigger(pid, added.ID); err != nil || got.Token != added.Token[4:8] {
				t.Errorf("bob's Get = %+v, %v; want token %q", got, err, added.Token[4:8])
			}

			edited, _, err := alice.EditPipelineTrigger(pid, added.ID, &gitlab.EditPipelineTriggerOptions{Description: gitlab.Ptr("deploy prod")})
			if err != nil {
				t.Fatalf("EditPipelineTrigger: %v", err)
			}
			f.trgWantStored(t, edited, "alice")
			if edited.Description != "deploy prod" || edited.Token != added.Token || !edited.CreatedAt.Equal(*added.CreatedAt) {
				t.Errorf("edited = %+v, added %+v", edited, added)
			}

			// A non-owner may not edit (GitLab's 403 body reaches the client).
			_, res, err = bob.EditPipelineTrigger(pid, added.ID, &gitlab.EditPipelineTriggerOptions{Description: gitlab.Ptr("mine")})
			var er *gitlab.ErrorResponse
			if !errors.As(err, &er) || res.StatusCode != http.StatusForbidden ||
				er.Message != "{message: 403 Forbidden - The current user is not authorized to update the pipeline trigger token}" {
				t.Errorf("bob's Edit = %v (%T)", err, err)
			}

			res, err = alice.DeletePipelineTrigger(pid, added.ID)
			if err != nil || res.StatusCode != http.StatusNoContent {
				t.Fatalf("DeletePipelineTrigger = %v, %v", res, err)
			}
			if f.trgStored(t, int(added.ID)).RevokedAt == nil {
				t.Error("deleted trigger has no revoked_at")
			}
			if _, res, err := alice.GetPipelineTrigger(pid, added.ID); !errors.Is(err, gitlab.ErrNotFound) || res.StatusCode != http.StatusNotFound {
				t.Errorf("Get after Delete = %v", err)
			}
		}

		t.Run("list with pagination", func(t *testing.T) {
			var want []int64
			for _, d := range []string{"a", "b", "c"} {
				tr, _ := f.trgCreate(t, "bob", d)
				want = append(want, int64(tr.ID))
			}
			var got []int64
			opt := &gitlab.ListPipelineTriggersOptions{ListOptions: gitlab.ListOptions{PerPage: 2}}
			for {
				page, res, err := alice.ListPipelineTriggers(trgProjectPath, opt)
				if err != nil {
					t.Fatalf("ListPipelineTriggers: %v", err)
				}
				if res.TotalItems != 3 || res.ItemsPerPage != 2 || res.TotalPages != 2 {
					t.Errorf("page %d: total %d, per page %d, pages %d", res.CurrentPage, res.TotalItems, res.ItemsPerPage, res.TotalPages)
				}
				for _, tr := range page {
					f.trgWantStored(t, tr, "bob")
					if len(tr.Token) != 4 {
						t.Errorf("alice sees bob's token as %q, want 4 characters", tr.Token)
					}
					got = append(got, tr.ID)
				}
				if res.NextPage == 0 {
					break
				}
				opt.Page = res.NextPage
			}
			if !slices.Equal(got, want) {
				t.Errorf("listed %v, want %v", got, want)
			}
		})

		t.Run("Developer is refused", func(t *testing.T) {
			dave := client("dave")
			_, res, err := dave.ListPipelineTriggers(f.projectID, nil)
			if err == nil || res.StatusCode != http.StatusForbidden {
				t.Errorf("Developer's List = %v", err)
			}
			_, res, err = dave.AddPipelineTrigger(f.projectID, &gitlab.AddPipelineTriggerOptions{Description: gitlab.Ptr("x")})
			if err == nil || res.StatusCode != http.StatusForbidden {
				t.Errorf("Developer's Add = %v", err)
			}
		})
	})
}

// trgWantStored checks a trigger the client decoded against the stored row.
func (f *trgFixture) trgWantStored(t *testing.T, got *gitlab.PipelineTrigger, owner string) {
	t.Helper()
	stored := f.trgStored(t, int(got.ID))
	if got.Description != stored.Description {
		t.Errorf("description = %q, stored %q", got.Description, stored.Description)
	}
	for name, pair := range map[string][2]*time.Time{
		"created_at": {got.CreatedAt, &stored.CreatedAt},
		"updated_at": {got.UpdatedAt, &stored.UpdatedAt},
		"last_used":  {got.LastUsed, stored.LastUsedAt},
	} {
		g, s := pair[0], pair[1]
		if (g == nil) != (s == nil) || (g != nil && !g.Equal(s.Truncate(time.Millisecond))) {
			t.Errorf("%s = %v, stored %v", name, g, s)
		}
	}
	if got.Owner == nil || int(got.Owner.ID) != stored.OwnerID || got.Owner.Username != owner || got.Owner.State != "active" {
		t.Errorf("owner = %+v, want %s (%d)", got.Owner, owner, stored.OwnerID)
	}
	if got.DeletedAt != nil {
		t.Errorf("deleted_at = %v", got.DeletedAt)
	}
}
