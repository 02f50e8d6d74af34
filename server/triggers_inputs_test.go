package server_test

// The trigger-token REST API's parameter forms and input checks.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// TestTriggerRESTInputs checks that create and update read their parameters
// from every encoding GitLab accepts, and how expires_at is read, stored,
// shown and enforced.
func TestTriggerRESTInputs(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		f := trgSetup(t, db)
		list := trgPath(strconv.Itoa(f.projectID), "")
		in30Days := time.Now().UTC().AddDate(0, 0, 30)
		day := in30Days.Format("2006-01-02")
		berlin := time.FixedZone("CEST", 2*60*60)
		at := in30Days.Truncate(time.Second).Add(1234 * time.Millisecond).In(berlin)

		for _, tc := range []struct {
			name        string
			path        string
			body        trgBody
			description string
			expiresAt   *string
		}{
			{"multipart (curl --form)", list, trgMultipart(t, map[string]string{"description": "multipart"}), "multipart", nil},
			{"urlencoded (curl --data)", list, trgForm(map[string]string{"description": "urlencoded"}), "urlencoded", nil},
			{"JSON", list, trgJSONBody(t, map[string]string{"description": "json"}), "json", nil},
			{"query string", list + "?description=query", trgBody{}, "query", nil},
			{"255 characters", list, trgForm(map[string]string{"description": strings.Repeat("é", 255)}), strings.Repeat("é", 255), nil},
			{"expires_at as a date", list, trgMultipart(t, map[string]string{"description": "d", "expires_at": day}), "d", new(day + "T00:00:00.000Z")},
			{"expires_at with an offset", list, trgJSONBody(t, map[string]string{"description": "d", "expires_at": at.Format(time.RFC3339Nano)}), "d", new(trgMillis(at))},
			{"expires_at without a zone is UTC", list, trgForm(map[string]string{"description": "d", "expires_at": day + "T10:11:12"}), "d", new(day + "T10:11:12.000Z")},
			{"empty expires_at is none", list, trgForm(map[string]string{"description": "d", "expires_at": ""}), "d", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := trgWantTrigger(t, f.trgREST(t, "alice", http.MethodPost, tc.path, tc.body), http.StatusCreated)
				if got.Description != tc.description || !trgPtrEq(got.ExpiresAt, tc.expiresAt) {
					t.Errorf("created description %q expires_at %v, want %q %v", got.Description, trgDeref(got.ExpiresAt), tc.description, trgDeref(tc.expiresAt))
				}
				stored := f.trgStored(t, got.ID)
				if stored.Description != tc.description || (stored.ExpiresAt == nil) != (tc.expiresAt == nil) ||
					(stored.ExpiresAt != nil && trgMillis(*stored.ExpiresAt) != *tc.expiresAt) {
					t.Errorf("stored description %q expires_at %v", stored.Description, stored.ExpiresAt)
				}
			})
		}

		t.Run("update sets and clears expires_at", func(t *testing.T) {
			tr, _ := f.trgCreate(t, "alice", "expiring")
			one := trgPath(strconv.Itoa(f.projectID), "/"+strconv.Itoa(tr.ID))
			got := trgWantTrigger(t, f.trgREST(t, "alice", http.MethodPut, one, trgForm(map[string]string{"expires_at": day})), http.StatusOK)
			if got.ExpiresAt == nil || *got.ExpiresAt != day+"T00:00:00.000Z" || got.Description != "expiring" {
				t.Errorf("after setting expires_at: %+v", got)
			}
			got = trgWantTrigger(t, f.trgREST(t, "alice", http.MethodPut, one, trgForm(map[string]string{"expires_at": ""})), http.StatusOK)
			if got.ExpiresAt != nil || f.trgStored(t, tr.ID).ExpiresAt != nil {
				t.Errorf("after clearing expires_at: %+v", got)
			}
		})

		t.Run("expired triggers are not listed and resolve to nothing", func(t *testing.T) {
			tr, token := f.trgCreate(t, "alice", "soon expired")
			if err := db.Client.PipelineTrigger.UpdateOneID(tr.ID).SetExpiresAt(time.Now().Add(-time.Second)).Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
			res := f.trgREST(t, "alice", http.MethodGet, list+"?per_page=100", trgBody{})
			if ids := trgIDs(trgWantList(t, res)); slices.Contains(ids, tr.ID) {
				t.Errorf("expired trigger %d listed: %v", tr.ID, ids)
			}
			n, err := db.Client.PipelineTrigger.Query().Where(pipelinetrigger.RevokedAtIsNil(),
				pipelinetrigger.Or(pipelinetrigger.ExpiresAtIsNil(), pipelinetrigger.ExpiresAtGT(time.Now()))).Count(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := res.header.Get("X-Total"); got != strconv.Itoa(n) {
				t.Errorf("X-Total = %s, want %d (without the expired one)", got, n)
			}
			trgWantMessage(t, f.trgREST(t, "alice", http.MethodGet, trgPath(strconv.Itoa(f.projectID), "/"+strconv.Itoa(tr.ID)), trgBody{}),
				http.StatusNotFound, `{"message":"404 Trigger Not Found"}`)
			if _, err := f.set.Triggers.Lookup(context.Background(), token); err == nil {
				t.Error("an expired token still resolves")
			}
			// GraphQL shows it, marked expired, unless asked not to.
			var out struct {
				Project struct {
					All, Live struct {
						Nodes []struct {
							ID      string
							Expired bool
						}
					}
				}
			}
			f.trgGQLData(t, "alice", fmt.Sprintf(`{ project(fullPath: %q) {
				all: pipelineTriggers(first: 100) { nodes { id expired } }
				live: pipelineTriggers(first: 100, includeExpired: false) { nodes { id expired } } } }`, trgProjectPath), &out)
			id := globalID("PipelineTrigger", tr.ID)
			var found bool
			for _, n := range out.Project.All.Nodes {
				if n.ID == id {
					found = n.Expired
				}
			}
			if !found {
				t.Errorf("pipelineTriggers does not show %s as expired: %+v", id, out.Project.All.Nodes)
			}
			for _, n := range out.Project.Live.Nodes {
				if n.ID == id || n.Expired {
					t.Errorf("includeExpired: false lists expired %+v", n)
				}
			}
		})
	})
}

func trgDeref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
