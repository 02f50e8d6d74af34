package server_test

// TestPermissions' rows: one check per row of permRows, returning its outcome.

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

// --- rows ---

func permSeeProject(t *testing.T, p *permEnv, v *permViewer, _ permFixture) string {
	var d struct {
		Project *struct {
			ID        string
			Refs      struct{ Nodes []struct{ Name string } }
			Pipelines struct{ Nodes []struct{ Iid json.Number } }
		}
	}
	if code := p.gql(t, v, `{ project(fullPath: "`+permPath+`") { id refs { nodes { name } } pipelines(first: 100) { nodes { iid } } } }`, &d); code != "" {
		return code
	}
	if d.Project == nil {
		return "null"
	}
	hasMain := slices.ContainsFunc(d.Project.Refs.Nodes, func(r struct{ Name string }) bool { return r.Name == "main" })
	hasPipeline := slices.ContainsFunc(d.Project.Pipelines.Nodes, func(x struct{ Iid json.Number }) bool { return x.Iid.String() == p.pipelineIID })
	if d.Project.ID != p.projectID || !hasMain || !hasPipeline {
		t.Errorf("%s sees project %+v, want id %s with ref main and pipeline %s", v.name, *d.Project, p.projectID, p.pipelineIID)
	}
	return "ok"
}

// permSeeNodes fetches the project, its main ref and a pipeline by global ID.
func permSeeNodes(t *testing.T, p *permEnv, v *permViewer, _ permFixture) string {
	var d struct{ Nodes []*struct{ ID string } }
	q := fmt.Sprintf(`{ nodes(ids: [%q, %q, %q]) { id } }`, p.projectID, p.refID, p.pipelineID)
	if code := p.gql(t, v, q, &d); code != "" {
		return code
	}
	seen := 0
	for _, n := range d.Nodes {
		if n != nil {
			seen++
		}
	}
	switch seen {
	case 0:
		return "null"
	case 3:
		return "ok"
	}
	return fmt.Sprintf("partial(%d/3)", seen)
}

func permViewerAccessLevel(t *testing.T, p *permEnv, v *permViewer, _ permFixture) string {
	var d struct {
		Project *struct{ ViewerAccessLevel string }
	}
	if code := p.gql(t, v, `{ project(fullPath: "`+permPath+`") { viewerAccessLevel } }`, &d); code != "" {
		return code
	}
	if d.Project == nil {
		return "null"
	}
	return d.Project.ViewerAccessLevel
}

func permProjectsList(t *testing.T, p *permEnv, v *permViewer, _ permFixture) string {
	var d struct {
		Projects struct{ Nodes []struct{ FullPath string } }
	}
	if code := p.gql(t, v, `{ projects(search: "perm") { nodes { fullPath } } }`, &d); code != "" {
		return code
	}
	if slices.ContainsFunc(d.Projects.Nodes, func(x struct{ FullPath string }) bool { return x.FullPath == permPath }) {
		return "listed"
	}
	return "unlisted"
}

func permVariables(t *testing.T, p *permEnv, v *permViewer, _ permFixture) string {
	var d struct {
		Project *struct {
			Pipeline *struct {
				Variables []struct {
					Key   string
					Value *string
				}
			}
		}
	}
	if code := p.gql(t, v, fmt.Sprintf(`{ project(fullPath: %q) { pipeline(iid: %q) { variables { key value } } } }`, permPath, p.pipelineIID), &d); code != "" {
		return code
	}
	if d.Project == nil {
		return "null"
	}
	if d.Project.Pipeline == nil {
		t.Fatalf("%s sees the project but not pipeline %s", v.name, p.pipelineIID)
	}
	values, secret := 0, ""
	for _, x := range d.Project.Pipeline.Variables {
		if x.Value != nil {
			values++
		}
		if x.Key == "PERM_SECRET" {
			secret = "masked"
			if x.Value != nil {
				secret = *x.Value
			}
		}
	}
	switch {
	case secret == "":
		t.Errorf("%s does not see the key PERM_SECRET: %+v", v.name, d.Project.Pipeline.Variables)
	case values == 0:
		return "masked"
	case values == len(d.Project.Pipeline.Variables) && secret == "s3cret":
		return "ok"
	}
	return fmt.Sprintf("partial(%d values, PERM_SECRET=%s)", values, secret)
}

func permPipelineCreate(t *testing.T, p *permEnv, v *permViewer, _ permFixture) string {
	var d struct {
		PipelineCreate struct {
			Pipeline *struct {
				Ref  string
				User struct{ Username string }
			}
			Errors []string
		}
	}
	if code := p.gql(t, v, `mutation { pipelineCreate(input: {projectPath: "`+permPath+`"}) { pipeline { ref user { username } } errors } }`, &d); code != "" {
		return code
	}
	permNoUserErrors(t, d)
	if x := d.PipelineCreate.Pipeline; x == nil || x.Ref != "main" || x.User.Username != v.user.Username {
		t.Errorf("%s created %+v, want a pipeline on main run as %s", v.name, x, v.user.Username)
	}
	return "ok"
}

func permTriggerList(t *testing.T, p *permEnv, v *permViewer, _ permFixture) string {
	var d struct {
		Project *struct {
			PipelineTriggers struct{ Nodes []struct{ ID string } }
		}
	}
	if code := p.gql(t, v, `{ project(fullPath: "`+permPath+`") { pipelineTriggers(first: 100) { nodes { id } } } }`, &d); code != "" {
		return code
	}
	if d.Project == nil {
		return "null"
	}
	if !slices.ContainsFunc(d.Project.PipelineTriggers.Nodes, func(x struct{ ID string }) bool { return x.ID == p.trigger.id }) {
		t.Errorf("%s's trigger list misses trigger %s", v.name, p.trigger.id)
	}
	return "ok"
}

func permTriggerCreate(t *testing.T, p *permEnv, v *permViewer, _ permFixture) string {
	var d struct {
		PipelineTriggerCreate struct {
			PipelineTrigger *struct {
				Owner           struct{ Username string }
				Token           string
				HasTokenExposed bool
			}
			Errors []string
		}
	}
	q := fmt.Sprintf(`mutation { pipelineTriggerCreate(input: {projectPath: %q, description: "by %s"}) {
		pipelineTrigger { owner { username } token hasTokenExposed } errors } }`, permPath, v.name)
	if code := p.gql(t, v, q, &d); code != "" {
		return code
	}
	permNoUserErrors(t, d)
	tr := d.PipelineTriggerCreate.PipelineTrigger
	if tr == nil || tr.Owner.Username != v.user.Username || !tr.HasTokenExposed || len(tr.Token) != 42 {
		t.Errorf("%s created %+v, want a trigger it owns with its full token", v.name, tr)
	}
	return "ok"
}

func permFreshOwnerTrigger(t *testing.T, p *permEnv, v *permViewer) permFixture {
	return p.createTrigger(t, p.owner, "for "+v.name)
}

func permFreshMaintainerTrigger(t *testing.T, p *permEnv, v *permViewer) permFixture {
	return p.createTrigger(t, p.maintainer, "for "+v.name)
}

func permTriggerDelete(t *testing.T, p *permEnv, v *permViewer, fx permFixture) string {
	var d struct{ PipelineTriggerDelete struct{ Errors []string } }
	if code := p.gql(t, v, fmt.Sprintf(`mutation { pipelineTriggerDelete(input: {id: %q}) { errors } }`, fx.id), &d); code != "" {
		return code
	}
	permNoUserErrors(t, d)
	if p.triggerRow(t, fx.id).RevokedAt == nil {
		t.Errorf("%s deleted trigger %s but it is not revoked", v.name, fx.id)
	}
	return "ok"
}

func permTriggerTakeOwnership(t *testing.T, p *permEnv, v *permViewer, fx permFixture) string {
	var d struct {
		PipelineTriggerTakeOwnership struct {
			PipelineTrigger *struct {
				Owner           struct{ Username string }
				Token           string
				HasTokenExposed bool
			}
			Errors []string
		}
	}
	q := fmt.Sprintf(`mutation { pipelineTriggerTakeOwnership(input: {id: %q}) { pipelineTrigger { owner { username } token hasTokenExposed } errors } }`, fx.id)
	if code := p.gql(t, v, q, &d); code != "" {
		return code
	}
	permNoUserErrors(t, d)
	tr := d.PipelineTriggerTakeOwnership.PipelineTrigger
	if tr == nil || tr.Owner.Username != v.user.Username || !tr.HasTokenExposed || len(tr.Token) != 42 || tr.Token == fx.token {
		t.Errorf("%s took ownership: %+v, want it as owner with a new full token", v.name, tr)
	}
	return "ok"
}

func permRefCreate(t *testing.T, p *permEnv, v *permViewer, _ permFixture) string {
	var d struct {
		RefCreate struct {
			Ref    *struct{ Name string }
			Errors []string
		}
	}
	name := "perm-" + v.name
	q := fmt.Sprintf(`mutation { refCreate(input: {projectPath: %q, name: %q, type: BRANCH}) { ref { name } errors } }`, permPath, name)
	if code := p.gql(t, v, q, &d); code != "" {
		return code
	}
	permNoUserErrors(t, d)
	if d.RefCreate.Ref == nil || d.RefCreate.Ref.Name != name {
		t.Errorf("%s created ref %+v, want %s", v.name, d.RefCreate.Ref, name)
	}
	return "ok"
}

// permMemberTarget makes the user the viewer will try to add.
func permMemberTarget(prefix string) func(t *testing.T, p *permEnv, v *permViewer) permFixture {
	return func(t *testing.T, p *permEnv, v *permViewer) permFixture {
		u := p.createUser(t, prefix+v.name, false)
		return permFixture{id: u.Username}
	}
}

func permMemberAdd(level string) func(t *testing.T, p *permEnv, v *permViewer, fx permFixture) string {
	return func(t *testing.T, p *permEnv, v *permViewer, fx permFixture) string {
		var d struct {
			ProjectMemberAdd struct {
				Member *struct{ AccessLevel string }
				Errors []string
			}
		}
		q := fmt.Sprintf(`mutation { projectMemberAdd(input: {projectPath: %q, username: %q, accessLevel: %s}) { member { accessLevel } errors } }`,
			permPath, fx.id, level)
		if code := p.gql(t, v, q, &d); code != "" {
			return code
		}
		permNoUserErrors(t, d)
		if m := d.ProjectMemberAdd.Member; m == nil || m.AccessLevel != level {
			t.Errorf("%s added member %+v, want %s", v.name, m, level)
		}
		return "ok"
	}
}

func permTriggerUpdate(t *testing.T, p *permEnv, v *permViewer, fx permFixture) string {
	var d struct {
		PipelineTriggerUpdate struct {
			PipelineTrigger *struct{ Description string }
			Errors          []string
		}
	}
	want := "edited by " + v.name
	q := fmt.Sprintf(`mutation { pipelineTriggerUpdate(input: {id: %q, description: %q}) { pipelineTrigger { description } errors } }`, fx.id, want)
	if code := p.gql(t, v, q, &d); code != "" {
		return code
	}
	permNoUserErrors(t, d)
	if got := p.triggerRow(t, fx.id).Description; got != want {
		t.Errorf("%s updated trigger %s: description %q, want %q", v.name, fx.id, got, want)
	}
	return "ok"
}

// permTokenOutcome classifies what a viewer sees of tr's token.
func permTokenOutcome(t *testing.T, v *permViewer, full, token string, exposed bool) string {
	t.Helper()
	switch {
	case token == full && exposed:
		return "full"
	case token == full[4:8] && !exposed:
		return "short"
	}
	t.Errorf("%s sees token %q (exposed %t) of %q", v.name, token, exposed, full)
	return "inconsistent"
}

func permTriggerTokenInList(t *testing.T, p *permEnv, v *permViewer, _ permFixture) string {
	type node struct {
		ID, Token       string
		HasTokenExposed bool
	}
	var d struct {
		Project *struct {
			PipelineTriggers struct{ Nodes []node }
		}
	}
	if code := p.gql(t, v, `{ project(fullPath: "`+permPath+`") { pipelineTriggers(first: 100) { nodes { id token hasTokenExposed } } } }`, &d); code != "" {
		return code
	}
	if d.Project == nil {
		return "null"
	}
	i := slices.IndexFunc(d.Project.PipelineTriggers.Nodes, func(n node) bool { return n.ID == p.trigger.id })
	if i < 0 {
		t.Fatalf("%s's trigger list misses trigger %s", v.name, p.trigger.id)
	}
	n := d.Project.PipelineTriggers.Nodes[i]
	return permTokenOutcome(t, v, p.trigger.token, n.Token, n.HasTokenExposed)
}

func permTriggerTokenOnPipeline(t *testing.T, p *permEnv, v *permViewer, _ permFixture) string {
	return p.tokenOnPipeline(t, v, p.triggerPipelineIID, p.trigger)
}

// tokenOnPipeline is what v sees of tr's token through a pipeline it started.
func (p *permEnv) tokenOnPipeline(t *testing.T, v *permViewer, iid string, tr permFixture) string {
	t.Helper()
	var d struct {
		Project *struct {
			Pipeline *struct {
				TriggerShortToken string
				Trigger           *struct {
					ID, Token       string
					HasTokenExposed bool
				}
			}
		}
	}
	q := fmt.Sprintf(`{ project(fullPath: %q) { pipeline(iid: %q) { triggerShortToken trigger { id token hasTokenExposed } } } }`, permPath, iid)
	if code := p.gql(t, v, q, &d); code != "" {
		return code
	}
	if d.Project == nil {
		return "null"
	}
	if x := d.Project.Pipeline; x != nil && x.Trigger == nil {
		if want := tr.token[len("kot_") : len("kot_")+4]; x.TriggerShortToken != want {
			t.Errorf("%s: pipeline %s has short token %q, want %q", v.name, iid, x.TriggerShortToken, want)
		}
		return "hidden"
	}
	if d.Project.Pipeline == nil || d.Project.Pipeline.Trigger.ID != tr.id {
		t.Fatalf("%s: pipeline %s has no trigger %s: %+v", v.name, iid, tr.id, d.Project.Pipeline)
	}
	x := d.Project.Pipeline.Trigger
	return permTokenOutcome(t, v, tr.token, x.Token, x.HasTokenExposed)
}
