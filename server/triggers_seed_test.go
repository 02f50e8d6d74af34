package server_test

// The trigger-token REST API through seed 004's curl examples.

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// TestTriggerRESTSeedExamples runs the curl examples of seed 004 (list, get,
// create, update, delete with PRIVATE-TOKEN and --form) against Kickoff, with
// :id as the numeric ID and as the URL-encoded path.
func TestTriggerRESTSeedExamples(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		f := trgSetup(t, db)
		for _, ref := range []string{strconv.Itoa(f.projectID), url.PathEscape(trgProjectPath)} {
			t.Run("id="+ref, func(t *testing.T) {
				list := f.trgREST(t, "alice", http.MethodGet, trgPath(ref, ""), trgBody{})
				if got := trgWantList(t, list); len(got) != 0 || strings.TrimSpace(list.body) != "[]" {
					t.Fatalf("list before create = %s, want []", list.body)
				}

				// curl --request POST --header "PRIVATE-TOKEN: …" --form description="my description" …/triggers
				created := trgWantTrigger(t, f.trgREST(t, "alice", http.MethodPost, trgPath(ref, ""),
					trgMultipart(t, map[string]string{"description": "my description"})), http.StatusCreated)
				if created.Description != "my description" || created.LastUsed != nil || created.ExpiresAt != nil ||
					created.CreatedAt != created.UpdatedAt || len(created.Token) != 42 || !trgFullToken.MatchString(created.Token) {
					t.Errorf("created = %+v", created)
				}
				f.trgWantOwner(t, created.Owner, "alice")
				stored := f.trgStored(t, created.ID)
				if stored.ProjectID != f.projectID || stored.OwnerID != f.users["alice"].ID || trgMillis(stored.CreatedAt) != created.CreatedAt {
					t.Errorf("stored %+v does not match the response %+v", stored, created)
				}
				if tr, err := f.set.Triggers.Lookup(context.Background(), created.Token); err != nil || tr.ID != created.ID {
					t.Errorf("Lookup(created token) = %v, %v", tr, err)
				}

				// curl --header "PRIVATE-TOKEN: …" …/triggers
				list = f.trgREST(t, "alice", http.MethodGet, trgPath(ref, ""), trgBody{})
				if got := trgWantList(t, list); len(got) != 1 || !trgSameTrigger(got[0], created) {
					t.Errorf("list = %s, want the created trigger %+v", list.body, created)
				}
				if list.header.Get("X-Total") != "1" {
					t.Errorf("X-Total = %q, want 1", list.header.Get("X-Total"))
				}

				// curl --header "PRIVATE-TOKEN: …" …/triggers/:trigger_id
				one := "/" + strconv.Itoa(created.ID)
				got := trgWantTrigger(t, f.trgREST(t, "alice", http.MethodGet, trgPath(ref, one), trgBody{}), http.StatusOK)
				if !trgSameTrigger(got, created) {
					t.Errorf("get = %+v, created %+v", got, created)
				}

				// curl --request PUT --header "PRIVATE-TOKEN: …" --form description="my trigger" …/triggers/:trigger_id
				updated := trgWantTrigger(t, f.trgREST(t, "alice", http.MethodPut, trgPath(ref, one),
					trgMultipart(t, map[string]string{"description": "my trigger"})), http.StatusOK)
				if updated.ID != created.ID || updated.Description != "my trigger" || updated.Token != created.Token ||
					updated.CreatedAt != created.CreatedAt || updated.UpdatedAt < created.UpdatedAt {
					t.Errorf("updated = %+v, created %+v", updated, created)
				}
				if d := f.trgStored(t, created.ID).Description; d != "my trigger" {
					t.Errorf("stored description = %q after update", d)
				}

				// curl --request DELETE --header "PRIVATE-TOKEN: …" …/triggers/:trigger_id
				del := f.trgREST(t, "alice", http.MethodDelete, trgPath(ref, one), trgBody{})
				if del.status != http.StatusNoContent || del.body != "" {
					t.Fatalf("delete = %d %q, want 204 and no body", del.status, del.body)
				}
				if got := trgWantList(t, f.trgREST(t, "alice", http.MethodGet, trgPath(ref, ""), trgBody{})); len(got) != 0 {
					t.Errorf("list after delete = %v, want none", trgIDs(got))
				}
				for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
					trgWantMessage(t, f.trgREST(t, "alice", method, trgPath(ref, one), trgForm(map[string]string{"description": "again"})),
						http.StatusNotFound, `{"message":"404 Trigger Not Found"}`)
				}
				// Revoking is soft: the row stays, with revoked_at set, and
				// the token never resolves again.
				stored = f.trgStored(t, created.ID)
				if stored.RevokedAt == nil || stored.Description != "my trigger" {
					t.Errorf("stored after delete = revoked_at %v, description %q", stored.RevokedAt, stored.Description)
				}
				if _, err := f.set.Triggers.Lookup(context.Background(), created.Token); err == nil {
					t.Error("a revoked token still resolves")
				}
			})
		}

		t.Run("concurrent deletes revoke once", func(t *testing.T) {
			tr, _ := f.trgCreate(t, "alice", "raced")
			path := trgPath(strconv.Itoa(f.projectID), "/"+strconv.Itoa(tr.ID))
			users := []string{"alice", "bob", "carol", "alice"}
			n := len(users)
			statuses := make(chan int, n)
			var wg sync.WaitGroup
			for _, user := range users {
				wg.Go(func() { statuses <- f.trgREST(t, user, http.MethodDelete, path, trgBody{}).status })
			}
			wg.Wait()
			close(statuses)
			count := map[int]int{}
			for s := range statuses {
				count[s]++
			}
			if count[http.StatusNoContent] != 1 || count[http.StatusNotFound] != n-1 {
				t.Errorf("statuses = %v, want one 204 and %d 404", count, n-1)
			}
			revocations, err := db.Client.AuditEvent.Query().
				Where(auditevent.Action("trigger.revoked"), auditevent.TargetID(tr.ID)).Count(context.Background())
			if err != nil || revocations != 1 {
				t.Errorf("%d trigger.revoked events (%v), want 1", revocations, err)
			}
		})
	})
}

// trgSameTrigger compares two renderings of one trigger, ignoring updated_at.
func trgSameTrigger(a, b trgTrigger) bool {
	a.UpdatedAt, b.UpdatedAt = "", ""
	ao, bo := a.Owner, b.Owner
	a.Owner, b.Owner = nil, nil
	return a.ID == b.ID && a.Description == b.Description && a.CreatedAt == b.CreatedAt &&
		trgPtrEq(a.LastUsed, b.LastUsed) && trgPtrEq(a.ExpiresAt, b.ExpiresAt) && a.Token == b.Token &&
		(ao == nil) == (bo == nil) && (ao == nil || *ao == *bo)
}

func trgPtrEq(a, b *string) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}
