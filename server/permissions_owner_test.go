package server_test

// TestPermissions' trigger owner states: running a trigger needs an owner who
// is still Developer+ and active.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// --- run a trigger: the owner must still be Developer+ and active ---

// permOwnerState is what happened to a trigger's owner after it made the
// trigger (as Maintainer, or as a non-member admin) and ran it once.
type permOwnerState struct {
	name   string
	admin  bool
	change func(t *testing.T, p *permEnv, owner *permViewer)
	// canAccess is canAccessProject as the project's Owner sees it; run is
	// the trigger endpoint's status.
	canAccess bool
	run       int
	// update is the owner's pipelineTriggerUpdate outcome, token what the
	// owner sees of the token on the pipeline the trigger started.
	update, token string
}

func permDemote(level string) func(t *testing.T, p *permEnv, owner *permViewer) {
	return func(t *testing.T, p *permEnv, owner *permViewer) {
		var out struct{ ProjectMemberUpdate struct{ Errors []string } }
		p.must(t, p.owner, fmt.Sprintf(`mutation { projectMemberUpdate(input: {projectPath: %q, username: %q, accessLevel: %s}) { errors } }`,
			permPath, owner.user.Username, level), &out)
	}
}

var permOwnerStates = []permOwnerState{
	{name: "maintainer", canAccess: true, run: http.StatusCreated, update: "ok", token: "full"},
	{name: "owner", change: permDemote("OWNER"), canAccess: true, run: http.StatusCreated, update: "ok", token: "full"},
	{name: "demoted-to-developer", change: permDemote("DEVELOPER"), canAccess: true, run: http.StatusCreated, update: "FORBIDDEN", token: "hidden"},
	{name: "demoted-to-reporter", change: permDemote("REPORTER"), run: http.StatusForbidden, update: "FORBIDDEN", token: "hidden"},
	{name: "demoted-to-guest", change: permDemote("GUEST"), run: http.StatusForbidden, update: "NOT_FOUND", token: "null"},
	{name: "removed", change: func(t *testing.T, p *permEnv, owner *permViewer) {
		var out struct{ ProjectMemberRemove struct{ Errors []string } }
		p.must(t, p.owner, fmt.Sprintf(`mutation { projectMemberRemove(input: {projectPath: %q, username: %q}) { errors } }`,
			permPath, owner.user.Username), &out)
	}, run: http.StatusForbidden, update: "NOT_FOUND", token: "null"},
	{name: "blocked", change: func(t *testing.T, p *permEnv, owner *permViewer) { p.block(t, owner.user) },
		run: http.StatusForbidden, update: "401", token: "401"},
	{name: "admin-non-member", admin: true, canAccess: true, run: http.StatusCreated, update: "ok", token: "full"},
}

func permCheckOwnerState(t *testing.T, p *permEnv, st permOwnerState) {
	u := p.createUser(t, "perm-trigger-owner-"+st.name, st.admin)
	_, token := p.createPAT(t, u)
	owner := &permViewer{name: "trigger owner " + st.name, user: u, token: token}
	if !st.admin {
		p.addMember(t, u.Username, "MAINTAINER")
	}
	tr := p.createTrigger(t, owner, "owned by "+st.name)
	res := p.runTrigger(t, tr.token)
	if res.status != http.StatusCreated {
		t.Fatalf("running the trigger before the change = %d %s", res.status, truncate(res.body))
	}
	var first struct{ Iid json.Number }
	if err := json.Unmarshal([]byte(res.body), &first); err != nil {
		t.Fatal(err)
	}
	if st.change != nil {
		st.change(t, p, owner)
	}

	t.Run("canAccessProject", func(t *testing.T) {
		var d struct {
			Project *struct {
				PipelineTriggers struct {
					Nodes []struct {
						ID               string
						CanAccessProject bool
					}
				}
			}
		}
		p.must(t, p.owner, `{ project(fullPath: "`+permPath+`") { pipelineTriggers(first: 100) { nodes { id canAccessProject } } } }`, &d)
		for _, n := range d.Project.PipelineTriggers.Nodes {
			if n.ID == tr.id {
				if n.CanAccessProject != st.canAccess {
					t.Errorf("canAccessProject = %t, want %t", n.CanAccessProject, st.canAccess)
				}
				return
			}
		}
		t.Errorf("trigger %s is not listed", tr.id)
	})

	t.Run("run", func(t *testing.T) {
		before := p.snapshot(t)
		res := p.runTrigger(t, tr.token)
		if res.status != st.run {
			t.Fatalf("trigger endpoint = %d %s, want %d", res.status, truncate(res.body), st.run)
		}
		if st.run == http.StatusForbidden {
			const want = `{"message":"403 Forbidden - Trigger owner has insufficient permissions to project"}`
			if strings.TrimSpace(res.body) != want {
				t.Errorf("403 body = %s, want %s", res.body, want)
			}
			// A rejection is audited (SPEC §9) but starts nothing.
			after := p.snapshot(t)
			if permWithoutAudit(after) != permWithoutAudit(before) {
				t.Errorf("refused trigger changed the database:\nbefore %s\nafter  %s", before, after)
			}
		}
	})

	t.Run("update-by-owner", func(t *testing.T) {
		before := p.snapshot(t)
		got := permTriggerUpdate(t, p, owner, tr)
		if got != st.update {
			t.Errorf("pipelineTriggerUpdate by its owner = %s, want %s", got, st.update)
		}
		if got != "ok" {
			if after := p.snapshot(t); after != before {
				t.Errorf("refused update changed the database:\nbefore %s\nafter  %s", before, after)
			}
		}
	})

	t.Run("token-on-pipeline", func(t *testing.T) {
		if got := p.tokenOnPipeline(t, owner, first.Iid.String(), tr); got != st.token {
			t.Errorf("the owner sees the token as %s, want %s", got, st.token)
		}
	})
}

// permWithoutAudit drops the audit count from a snapshot.
func permWithoutAudit(snapshot string) string {
	fields := strings.Fields(snapshot)
	out := fields[:0]
	for _, f := range fields {
		if !strings.HasPrefix(f, "audit=") {
			out = append(out, f)
		}
	}
	return strings.Join(out, " ")
}
