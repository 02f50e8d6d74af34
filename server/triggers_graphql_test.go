package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// trgNode is a PipelineTrigger as the tests query it over GraphQL.
type trgNode struct {
	ID                  string
	Description         string
	Token               string
	HasTokenExposed     bool
	CanAccessProject    bool
	RotationGraceEndsAt *string
	Owner               struct{ Username string }
}

const trgNodeFields = `id description token hasTokenExposed canAccessProject rotationGraceEndsAt owner { username }`

// trgGQLTriggers lists the project's triggers over GraphQL as user, by ID.
func (f *trgFixture) trgGQLTriggers(t *testing.T, user string) map[string]trgNode {
	t.Helper()
	var out struct {
		Project struct {
			PipelineTriggers struct{ Nodes []trgNode }
		}
	}
	f.trgGQLData(t, user, fmt.Sprintf(`{ project(fullPath: %q) { pipelineTriggers(first: 100) { nodes { %s } } } }`,
		trgProjectPath, trgNodeFields), &out)
	byID := map[string]trgNode{}
	for _, n := range out.Project.PipelineTriggers.Nodes {
		byID[n.ID] = n
	}
	return byID
}

// trgMutate runs a trigger mutation as user and returns its payload's
// pipelineTrigger; payload errors fail the test.
func (f *trgFixture) trgMutate(t *testing.T, user, mutation, input string) trgNode {
	t.Helper()
	var out map[string]struct {
		PipelineTrigger *trgNode
		Errors          []string
	}
	f.trgGQLData(t, user, fmt.Sprintf(`mutation { %s(input: {%s}) { pipelineTrigger { %s } errors } }`, mutation, input, trgNodeFields), &out)
	p := out[mutation]
	if len(p.Errors) > 0 || p.PipelineTrigger == nil {
		t.Fatalf("%s as %s: %v", mutation, user, p.Errors)
	}
	return *p.PipelineTrigger
}

// trgGQLRefused runs a mutation as user and checks it fails with code.
func (f *trgFixture) trgGQLRefused(t *testing.T, user, query, code string) {
	t.Helper()
	res := f.graphQL(t, query, map[string]string{"PRIVATE-TOKEN": f.pats[user]})
	var body struct {
		Errors []struct {
			Extensions struct{ Code string }
		}
	}
	if err := json.Unmarshal([]byte(res.body), &body); err != nil || len(body.Errors) == 0 || body.Errors[0].Extensions.Code != code {
		t.Errorf("%s as %s = %d %s, want error %s", truncate(query), user, res.status, truncate(res.body), code)
	}
}

// trgRun starts a pipeline with token on GitLab's trigger endpoint.
func (f *trgFixture) trgRun(t *testing.T, token string) response {
	t.Helper()
	form := url.Values{"token": {token}, "ref": {"main"}}
	return f.send(t, http.MethodPost, "/api/v4/projects/"+strconv.Itoa(f.projectID)+"/trigger/pipeline", form.Encode(),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// trgWantResolves checks whether the trigger token resolves (Lookup) and
// starts a pipeline.
func (f *trgFixture) trgWantResolves(t *testing.T, name, token string, want bool) {
	t.Helper()
	_, err := f.set.Triggers.Lookup(context.Background(), token)
	res := f.trgRun(t, token)
	switch {
	case want && (err != nil || res.status != http.StatusCreated):
		t.Errorf("%s: Lookup = %v, trigger endpoint = %d %s; want it to work", name, err, res.status, truncate(res.body))
	case !want && err == nil:
		t.Errorf("%s still resolves", name)
	case !want:
		trgWantMessage(t, res, http.StatusNotFound, `{"message":"404 Not Found"}`)
	}
}

// TestTriggerVisibility: two Maintainers each create a trigger; each sees
// their own full token and the other's first 4 characters after "kot_", in
// REST and in GraphQL.
func TestTriggerVisibility(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		f := trgSetup(t, db)
		bobs := trgWantTrigger(t, f.trgREST(t, "bob", http.MethodPost, trgPath(strconv.Itoa(f.projectID), ""),
			trgForm(map[string]string{"description": "bob's"})), http.StatusCreated)
		carols := f.trgMutate(t, "carol", "pipelineTriggerCreate", fmt.Sprintf(`projectPath: %q, description: "carol's"`, trgProjectPath))
		if !carols.HasTokenExposed || !trgFullToken.MatchString(carols.Token) || carols.Owner.Username != "carol" {
			t.Fatalf("pipelineTriggerCreate = %+v, want carol's full token", carols)
		}
		bobsID := globalID("PipelineTrigger", bobs.ID)
		full := map[string]string{bobsID: bobs.Token, carols.ID: carols.Token}
		owner := map[string]string{bobsID: "bob", carols.ID: "carol"}

		for _, viewer := range []string{"bob", "carol", "alice"} {
			// want is what viewer should see of trigger id.
			want := func(id string) (string, bool) {
				if owner[id] == viewer {
					return full[id], true
				}
				return full[id][4:8], false
			}
			t.Run(viewer+" over REST", func(t *testing.T) {
				list := trgWantList(t, f.trgREST(t, viewer, http.MethodGet, trgPath(url.PathEscape(trgProjectPath), ""), trgBody{}))
				if len(list) != 2 {
					t.Fatalf("listed %v, want 2 triggers", trgIDs(list))
				}
				for _, tr := range list {
					id := globalID("PipelineTrigger", tr.ID)
					token, _ := want(id)
					if tr.Token != token || tr.Owner.Username != owner[id] {
						t.Errorf("list: trigger %s token %q owner %s, want %q %s", id, tr.Token, tr.Owner.Username, token, owner[id])
					}
					got := trgWantTrigger(t, f.trgREST(t, viewer, http.MethodGet, trgPath(strconv.Itoa(f.projectID), "/"+strconv.Itoa(tr.ID)), trgBody{}), http.StatusOK)
					if got.Token != token {
						t.Errorf("get: trigger %s token %q, want %q", id, got.Token, token)
					}
				}
			})
			t.Run(viewer+" over GraphQL", func(t *testing.T) {
				nodes := f.trgGQLTriggers(t, viewer)
				if len(nodes) != 2 {
					t.Fatalf("pipelineTriggers = %+v, want 2", nodes)
				}
				for id, n := range nodes {
					token, exposed := want(id)
					if n.Token != token || n.HasTokenExposed != exposed || !n.CanAccessProject || n.Owner.Username != owner[id] {
						t.Errorf("trigger %s = %+v, want token %q exposed %v owner %s", id, n, token, exposed, owner[id])
					}
				}
			})
		}

		t.Run("Developers and Reporters see no triggers", func(t *testing.T) {
			for _, user := range []string{"dave", "rita"} {
				f.trgGQLRefused(t, user, fmt.Sprintf(`{ project(fullPath: %q) { pipelineTriggers { nodes { id token } } } }`, trgProjectPath), "FORBIDDEN")
				// node() answers null for what the viewer may not see.
				res := f.graphQL(t, fmt.Sprintf(`{ node(id: %q) { ... on PipelineTrigger { token } } }`, carols.ID), map[string]string{"PRIVATE-TOKEN": f.pats[user]})
				if strings.TrimSpace(res.body) != `{"data":{"node":null}}` {
					t.Errorf("node(carol's trigger) as %s = %s, want null", user, truncate(res.body))
				}
			}
		})

		t.Run("GraphQL mutations refuse who may not", func(t *testing.T) {
			before := f.trgSnapshot(t)
			for _, tc := range []struct{ user, query, code string }{
				{"dave", fmt.Sprintf(`mutation { pipelineTriggerCreate(input: {projectPath: %q, description: "x"}) { errors } }`, trgProjectPath), "FORBIDDEN"},
				{"olga", fmt.Sprintf(`mutation { pipelineTriggerCreate(input: {projectPath: %q, description: "x"}) { errors } }`, trgProjectPath), "NOT_FOUND"},
				{"bob", fmt.Sprintf(`mutation { pipelineTriggerUpdate(input: {id: %q, description: "x"}) { errors } }`, carols.ID), "FORBIDDEN"},
				{"bob", fmt.Sprintf(`mutation { pipelineTriggerRotate(input: {id: %q, graceSeconds: 0}) { errors } }`, carols.ID), "FORBIDDEN"},
				{"dave", fmt.Sprintf(`mutation { pipelineTriggerDelete(input: {id: %q}) { errors } }`, carols.ID), "FORBIDDEN"},
				{"dave", fmt.Sprintf(`mutation { pipelineTriggerTakeOwnership(input: {id: %q}) { errors } }`, carols.ID), "FORBIDDEN"},
				{"olga", fmt.Sprintf(`mutation { pipelineTriggerTakeOwnership(input: {id: %q}) { errors } }`, carols.ID), "NOT_FOUND"},
			} {
				f.trgGQLRefused(t, tc.user, tc.query, tc.code)
			}
			if after := f.trgSnapshot(t); after != before {
				t.Errorf("refused mutations wrote:\nbefore: %s\nafter:  %s", before, after)
			}
		})
	})
}

// TestTriggerTakeOwnershipAndRotation: taking ownership regenerates the value
// (the old one stops at once, everywhere); rotation keeps the old value for
// its grace period only; canAccessProject follows the owner's access.
func TestTriggerTakeOwnershipAndRotation(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		f := trgSetup(t, db)
		bobs, old := f.trgCreate(t, "bob", "deploy")
		id, gid := strconv.Itoa(bobs.ID), globalID("PipelineTrigger", bobs.ID)
		f.trgWantResolves(t, "bob's token", old, true)

		taken := f.trgMutate(t, "carol", "pipelineTriggerTakeOwnership", fmt.Sprintf("id: %q", gid))
		if taken.Owner.Username != "carol" || !taken.HasTokenExposed || !trgFullToken.MatchString(taken.Token) || taken.Token == old {
			t.Fatalf("after taking ownership carol sees %+v; want a new full token", taken)
		}
		current := taken.Token
		f.trgWantResolves(t, "the value before taking ownership", old, false)
		f.trgWantResolves(t, "the value after taking ownership", current, true)
		if n := f.trgGQLTriggers(t, "bob")[gid]; n.Token != current[4:8] || n.HasTokenExposed || n.Owner.Username != "carol" {
			t.Errorf("bob now sees %+v, want 4 characters of the new value", n)
		}
		if got := trgWantTrigger(t, f.trgREST(t, "bob", http.MethodGet, trgPath(strconv.Itoa(f.projectID), "/"+id), trgBody{}), http.StatusOK); got.Token != current[4:8] {
			t.Errorf("bob's REST get shows %q, want %q", got.Token, current[4:8])
		}
		if got := trgWantTrigger(t, f.trgREST(t, "carol", http.MethodGet, trgPath(strconv.Itoa(f.projectID), "/"+id), trgBody{}), http.StatusOK); got.Token != current {
			t.Errorf("carol's REST get shows %q, want the full new value", got.Token)
		}
		// The previous owner may no longer edit it.
		trgWantMessage(t, f.trgREST(t, "bob", http.MethodPut, trgPath(strconv.Itoa(f.projectID), "/"+id), trgForm(map[string]string{"description": "x"})),
			http.StatusForbidden, `{"message":"403 Forbidden - The current user is not authorized to update the pipeline trigger token"}`)

		t.Run("rotation with a grace period", func(t *testing.T) {
			rotated := f.trgMutate(t, "carol", "pipelineTriggerRotate", fmt.Sprintf("id: %q, graceSeconds: 60", gid))
			if rotated.Token == current || !trgFullToken.MatchString(rotated.Token) || rotated.RotationGraceEndsAt == nil {
				t.Fatalf("rotated = %+v", rotated)
			}
			f.trgWantResolves(t, "the rotated-out value in its grace period", current, true)
			f.trgWantResolves(t, "the new value", rotated.Token, true)
			current = rotated.Token
		})
		t.Run("rotation without a grace period", func(t *testing.T) {
			previous := current
			rotated := f.trgMutate(t, "carol", "pipelineTriggerRotate", fmt.Sprintf("id: %q, graceSeconds: 0", gid))
			if rotated.RotationGraceEndsAt != nil {
				t.Errorf("rotationGraceEndsAt = %v, want null", *rotated.RotationGraceEndsAt)
			}
			f.trgWantResolves(t, "the value rotated out without grace", previous, false)
			f.trgWantResolves(t, "the new value", rotated.Token, true)
			current = rotated.Token
		})
		t.Run("taking ownership ends a grace period", func(t *testing.T) {
			graced := f.trgMutate(t, "carol", "pipelineTriggerRotate", fmt.Sprintf("id: %q, graceSeconds: 600", gid))
			taken := f.trgMutate(t, "bob", "pipelineTriggerTakeOwnership", fmt.Sprintf("id: %q", gid))
			for name, token := range map[string]string{"the value in grace": current, "carol's current value": graced.Token} {
				f.trgWantResolves(t, name, token, false)
			}
			f.trgWantResolves(t, "bob's new value", taken.Token, true)
			if n := f.trgGQLTriggers(t, "carol")[gid]; n.Token != taken.Token[4:8] || n.HasTokenExposed {
				t.Errorf("carol now sees %+v", n)
			}
			current = taken.Token
		})

		t.Run("canAccessProject follows the owner", func(t *testing.T) {
			// bob owns the trigger now; alice (Owner) watches.
			steps := []struct {
				name   string
				change func()
				want   bool
			}{
				{"Maintainer", func() {}, true},
				{"demoted to Reporter", func() { f.trgSetMember(t, "projectMemberUpdate", "bob", "REPORTER") }, false},
				{"Developer again", func() { f.trgSetMember(t, "projectMemberUpdate", "bob", "DEVELOPER") }, true},
				{"blocked", func() { f.block(t, f.users["bob"]) }, false},
			}
			for _, step := range steps {
				step.change()
				if n := f.trgGQLTriggers(t, "alice")[gid]; n.CanAccessProject != step.want {
					t.Errorf("%s: canAccessProject = %v, want %v", step.name, n.CanAccessProject, step.want)
				}
				res := f.trgRun(t, current)
				if step.want && res.status != http.StatusCreated {
					t.Errorf("%s: trigger endpoint = %d %s, want 201", step.name, res.status, truncate(res.body))
				}
				if !step.want {
					trgWantMessage(t, res, http.StatusForbidden, `{"message":"403 Forbidden - Trigger owner has insufficient permissions to project"}`)
				}
			}
		})

		// The audit log names the takeovers, and none of the values: a
		// presented token is recorded by at most its first 8 characters.
		events, err := db.Client.AuditEvent.Query().All(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, e := range events {
			actions[e.Action]++
			if len(e.ActorShortToken) > 8 || strings.Contains(e.Reason, "kot_") {
				t.Errorf("audit event %s holds more of a token than allowed: %+v", e.Action, e)
			}
		}
		if actions["trigger.ownership_taken"] != 2 || actions["trigger.rotated"] != 3 {
			t.Errorf("audit actions = %v, want 2 trigger.ownership_taken and 3 trigger.rotated", actions)
		}
	})
}
