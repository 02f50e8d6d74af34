package server_test

// The trigger-token REST API's refusals: status and exact body.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/domain/triggers"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// TestTriggerRESTErrors checks every refusal's status and exact body, and
// that no refused request writes anything.
func TestTriggerRESTErrors(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		f := trgSetup(t, db)
		alices, _ := f.trgCreate(t, "alice", "alice's")
		bobs, _ := f.trgCreate(t, "bob", "bob's")
		f.pats["nobody"] = "kop_" + strings.Repeat("a", 38)
		f.trgCreateProject(t, "olga", "grp/other")
		foreign, err := f.set.Triggers.Create(trgAs(f.users["olga"]), "grp/other", triggers.NewTrigger{Description: "olga's"})
		if err != nil {
			t.Fatal(err)
		}

		id := strconv.Itoa(f.projectID)
		list, one := trgPath(id, ""), trgPath(id, "/"+strconv.Itoa(alices.ID))
		valid := trgMultipart(t, map[string]string{"description": "new"})
		const (
			unauthorized     = `{"message":"401 Unauthorized"}`
			forbidden        = `{"message":"403 Forbidden"}`
			projectNotFound  = `{"message":"404 Project Not Found"}`
			triggerNotFound  = `{"message":"404 Trigger Not Found"}`
			notOwner         = `{"message":"403 Forbidden - The current user is not authorized to update the pipeline trigger token"}`
			missing          = `{"error":"description is missing"}`
			expiresInvalid   = `{"error":"expires_at is invalid"}`
			expiresPast      = `{"error":"expires_at must be in the future"}`
			expiresTooFar    = `{"error":"expires_at must be at most 365 days from now"}`
			descriptionLong  = `{"error":"description is too long (maximum is 255 characters)"}`
			pageInvalid      = `{"error":"page is invalid"}`
			perPageInvalid   = `{"error":"per_page is invalid"}`
			triggerIDInvalid = `{"error":"trigger_id is invalid"}`
		)
		// every is the five management calls on one project and trigger.
		every := func(project, trigger string) []struct{ method, path string } {
			return []struct{ method, path string }{
				{http.MethodGet, trgPath(project, "")},
				{http.MethodPost, trgPath(project, "")},
				{http.MethodGet, trgPath(project, "/"+trigger)},
				{http.MethodPut, trgPath(project, "/"+trigger)},
				{http.MethodDelete, trgPath(project, "/"+trigger)},
			}
		}
		type tc struct {
			name, user, method, path string
			body                     trgBody
			status                   int
			want                     string
		}
		var cases []tc
		pathForm, aliceID := url.PathEscape(trgProjectPath), strconv.Itoa(alices.ID)
		for _, who := range []struct {
			name, user, project, trigger string
			status                       int
			want                         string
		}{
			{"anonymous", "", id, aliceID, http.StatusUnauthorized, unauthorized},
			{"bad token", "nobody", id, aliceID, http.StatusUnauthorized, unauthorized},
			{"Developer", "dave", id, aliceID, http.StatusForbidden, forbidden},
			{"Developer, path form", "dave", pathForm, aliceID, http.StatusForbidden, forbidden},
			{"Developer, unknown trigger", "dave", id, "123456789", http.StatusForbidden, forbidden},
			{"Reporter", "rita", id, aliceID, http.StatusForbidden, forbidden},
			{"non-member", "olga", id, aliceID, http.StatusNotFound, projectNotFound},
			{"non-member, path form", "olga", pathForm, aliceID, http.StatusNotFound, projectNotFound},
			{"unknown numeric ID", "alice", "999999999", aliceID, http.StatusNotFound, projectNotFound},
			{"unknown path", "alice", url.PathEscape("grp/missing"), aliceID, http.StatusNotFound, projectNotFound},
		} {
			for _, call := range every(who.project, who.trigger) {
				cases = append(cases, tc{who.name + " " + call.method + " " + call.path,
					who.user, call.method, call.path, valid, who.status, who.want})
			}
		}
		for _, trigger := range []string{"123456789", strconv.Itoa(foreign.ID)} {
			for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
				cases = append(cases, tc{"unknown trigger " + method + " " + trigger, "alice", method, trgPath(id, "/"+trigger), valid, http.StatusNotFound, triggerNotFound})
			}
		}
		inAYear := time.Now().UTC().Add(366 * 24 * time.Hour)
		cases = append(cases,
			tc{"non-owner Maintainer updates", "bob", http.MethodPut, one, valid, http.StatusForbidden, notOwner},
			tc{"non-owner Maintainer updates with JSON", "carol", http.MethodPut, one, trgJSONBody(t, map[string]string{"description": "x"}), http.StatusForbidden, notOwner},
			tc{"project Owner updates a Maintainer's trigger", "alice", http.MethodPut, trgPath(id, "/"+strconv.Itoa(bobs.ID)), valid, http.StatusForbidden, notOwner},
			// Access is checked before the input: the refusal tells nothing.
			tc{"Developer creates with a bad expires_at", "dave", http.MethodPost, list, trgForm(map[string]string{"expires_at": "soon"}), http.StatusForbidden, forbidden},
			tc{"Developer updates with a bad expires_at", "dave", http.MethodPut, one, trgForm(map[string]string{"expires_at": "soon"}), http.StatusForbidden, forbidden},
			tc{"non-member creates with a bad expires_at", "olga", http.MethodPost, list, trgForm(map[string]string{"expires_at": "soon"}), http.StatusNotFound, projectNotFound},
			tc{"non-owner Maintainer updates with a bad expires_at", "bob", http.MethodPut, one, trgForm(map[string]string{"expires_at": "soon"}), http.StatusForbidden, notOwner},
			tc{"non-owner Maintainer updates with an empty description", "bob", http.MethodPut, one, trgForm(map[string]string{"description": ""}), http.StatusForbidden, notOwner},
			tc{"anonymous with a bad page", "", http.MethodGet, list + "?page=abc", trgBody{}, http.StatusUnauthorized, unauthorized},
			tc{"Developer with a bad page", "dave", http.MethodGet, list + "?page=abc", trgBody{}, http.StatusForbidden, forbidden},
			tc{"anonymous with a bad trigger_id", "", http.MethodDelete, trgPath(id, "/abc"), trgBody{}, http.StatusUnauthorized, unauthorized},
			tc{"Developer with a bad trigger_id", "dave", http.MethodPut, trgPath(id, "/abc"), valid, http.StatusForbidden, forbidden},
			tc{"create without description", "alice", http.MethodPost, list, trgBody{}, http.StatusBadRequest, missing},
			tc{"create with empty description", "alice", http.MethodPost, list, trgMultipart(t, map[string]string{"description": ""}), http.StatusBadRequest, missing},
			tc{"create with blank description", "alice", http.MethodPost, list, trgForm(map[string]string{"description": "   "}), http.StatusBadRequest, missing},
			tc{"create with only expires_at", "alice", http.MethodPost, list, trgJSONBody(t, map[string]string{"expires_at": "2030-01-01"}), http.StatusBadRequest, missing},
			tc{"create with a too long description", "alice", http.MethodPost, list, trgForm(map[string]string{"description": strings.Repeat("d", 256)}), http.StatusBadRequest, descriptionLong},
			tc{"create with 256 characters (2 bytes each)", "alice", http.MethodPost, list, trgForm(map[string]string{"description": strings.Repeat("é", 256)}), http.StatusBadRequest, descriptionLong},
			tc{"update to empty description", "alice", http.MethodPut, one, trgMultipart(t, map[string]string{"description": ""}), http.StatusBadRequest, missing},
			tc{"update to a too long description", "alice", http.MethodPut, one, trgForm(map[string]string{"description": strings.Repeat("d", 256)}), http.StatusBadRequest, descriptionLong},
			tc{"bad page", "alice", http.MethodGet, list + "?page=abc", trgBody{}, http.StatusBadRequest, pageInvalid},
			tc{"page zero", "alice", http.MethodGet, list + "?page=0", trgBody{}, http.StatusBadRequest, pageInvalid},
			tc{"negative page", "alice", http.MethodGet, list + "?page=-1", trgBody{}, http.StatusBadRequest, pageInvalid},
			tc{"per_page zero", "alice", http.MethodGet, list + "?per_page=0", trgBody{}, http.StatusBadRequest, perPageInvalid},
			tc{"bad trigger_id", "alice", http.MethodGet, trgPath(id, "/abc"), trgBody{}, http.StatusBadRequest, triggerIDInvalid},
		)
		for _, bad := range []struct {
			value, want string
		}{
			{"tomorrow", expiresInvalid},
			{"2030-13-01", expiresInvalid},
			{"01/02/2030", expiresInvalid},
			{"2020-01-01", expiresPast},
			{time.Now().UTC().Add(-time.Minute).Format(time.RFC3339), expiresPast},
			{inAYear.Format(time.RFC3339), expiresTooFar},
			{inAYear.Format("2006-01-02"), expiresTooFar},
		} {
			cases = append(cases,
				tc{"create expires_at=" + bad.value, "alice", http.MethodPost, list,
					trgMultipart(t, map[string]string{"description": "d", "expires_at": bad.value}), http.StatusBadRequest, bad.want},
				tc{"update expires_at=" + bad.value, "alice", http.MethodPut, one,
					trgJSONBody(t, map[string]string{"expires_at": bad.value}), http.StatusBadRequest, bad.want})
		}

		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := f.trgSnapshot(t)
				trgWantMessage(t, f.trgREST(t, c.user, c.method, c.path, c.body), c.status, c.want)
				if after := f.trgSnapshot(t); after != before {
					t.Errorf("a refused request wrote:\nbefore: %s\nafter:  %s", before, after)
				}
			})
		}
	})
}
