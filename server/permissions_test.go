package server_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
	"github.com/kickoff-ci/kickoff/ent/projectmember"
	"github.com/kickoff-ci/kickoff/ent/ref"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// TestPermissions walks SPEC §3's permission table through GraphQL (and the
// REST trigger endpoint for "run a trigger") for every kind of viewer, and
// checks each operation is allowed or refused exactly as the table says, and
// that a refused mutation wrote nothing.
//
// Outcomes:
//
//	ok               allowed (and the effect is checked)
//	null             a query answers null / an empty list: the project looks absent
//	NOT_FOUND        a mutation on a project the viewer cannot see ("can't see → not found")
//	FORBIDDEN        the viewer sees the project but lacks the role
//	UNAUTHENTICATED  an anonymous mutation (HTTP 200, extensions.code)
//	401              a dead credential (blocked user, expired or revoked PAT):
//	                 HTTP 401 before anything runs, for queries and mutations alike
//	masked           variable keys without values
//	full / short     the whole trigger token / its 4 characters after "kot_"
//	listed/unlisted  whether projects{} lists the project
//	GUEST … OWNER    viewerAccessLevel
//
// Admins get every project-role rule (viewerAccessLevel OWNER) but are not
// the owner of other users' triggers: like GitLab (Ci::TriggerPolicy grants
// admin_trigger to is_owner only) and SPEC §4 ("everyone else sees the first
// 4 characters"), an admin sees other users' tokens shortened and cannot edit
// them; an admin may take ownership and then edit. Runners are not built yet:
// their rows ("manage runners") are missing here until they are.
func TestPermissions(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		p := permSetup(t, db)
		for _, row := range permRows {
			want := strings.Fields(row.want)
			if len(want) != len(permViewerNames) {
				t.Fatalf("row %s has %d outcomes for %d viewers", row.name, len(want), len(permViewerNames))
			}
			for i, v := range p.viewers {
				t.Run(row.name+"/"+v.name, func(t *testing.T) {
					var fx permFixture
					if row.prepare != nil {
						fx = row.prepare(t, p, v)
					}
					before := p.snapshot(t)
					got := row.run(t, p, v, fx)
					if got != want[i] {
						t.Errorf("%s as %s: got %s, want %s", row.name, v.name, got, want[i])
					}
					if row.mutation && got != "ok" {
						if after := p.snapshot(t); after != before {
							t.Errorf("refused %s as %s changed the database:\nbefore %s\nafter  %s", row.name, v.name, before, after)
						}
					}
				})
			}
		}
		for _, st := range permOwnerStates {
			t.Run("trigger-owner/"+st.name, func(t *testing.T) { permCheckOwnerState(t, p, st) })
		}
	})
}

// The viewers, in the column order of permRow.want.
var permViewerNames = []string{
	"anonymous", "non-member", "guest", "reporter", "developer", "maintainer", "owner",
	"admin", "blocked", "expired-pat", "revoked-pat",
}

const permPath = "perm/proj"

type permRow struct {
	name string
	// want is one outcome per viewer, in permViewerNames order.
	want string
	// mutation rows must leave the database unchanged unless allowed.
	mutation bool
	// prepare makes what one case needs (e.g. a fresh trigger) before the
	// database snapshot is taken.
	prepare func(t *testing.T, p *permEnv, v *permViewer) permFixture
	// run performs the operation as v and returns its outcome.
	run func(t *testing.T, p *permEnv, v *permViewer, fx permFixture) string
}

type permFixture struct{ id, token string }

// permRows is SPEC §3's table. Columns:
//
//	anonymous  non-member  guest  reporter  developer  maintainer  owner  admin  blocked  expired-pat  revoked-pat
var permRows = []permRow{
	// see a project, its refs and pipelines: Reporter
	{
		name: "see-project",
		want: "null null null ok ok ok ok ok 401 401 401",
		run:  permSeeProject,
	},
	{
		name: "see-project-by-node-ids",
		want: "null null null ok ok ok ok ok 401 401 401",
		run:  permSeeNodes,
	},
	{
		name: "viewer-access-level",
		want: "null null null REPORTER DEVELOPER MAINTAINER OWNER OWNER 401 401 401",
		run:  permViewerAccessLevel,
	},
	{
		name: "projects-list",
		want: "unlisted unlisted unlisted listed listed listed listed listed 401 401 401",
		run:  permProjectsList,
	},
	// see pipeline variable values: Maintainer (Reporters see the keys)
	{
		name: "see-variable-values",
		want: "null null null masked masked ok ok ok 401 401 401",
		run:  permVariables,
	},
	// create a pipeline as a user: Developer
	{
		name:     "pipeline-create",
		want:     "UNAUTHENTICATED NOT_FOUND NOT_FOUND FORBIDDEN ok ok ok ok 401 401 401",
		mutation: true,
		run:      permPipelineCreate,
	},
	// list/create/delete trigger tokens, take ownership: Maintainer
	{
		name: "trigger-list",
		want: "null null null FORBIDDEN FORBIDDEN ok ok ok 401 401 401",
		run:  permTriggerList,
	},
	{
		name:     "trigger-create",
		want:     "UNAUTHENTICATED NOT_FOUND NOT_FOUND FORBIDDEN FORBIDDEN ok ok ok 401 401 401",
		mutation: true,
		run:      permTriggerCreate,
	},
	{
		name:     "trigger-delete",
		want:     "UNAUTHENTICATED NOT_FOUND NOT_FOUND FORBIDDEN FORBIDDEN ok ok ok 401 401 401",
		mutation: true,
		prepare:  permFreshOwnerTrigger,
		run:      permTriggerDelete,
	},
	{
		name:     "trigger-take-ownership",
		want:     "UNAUTHENTICATED NOT_FOUND NOT_FOUND FORBIDDEN FORBIDDEN ok ok ok 401 401 401",
		mutation: true,
		prepare:  permFreshOwnerTrigger,
		run:      permTriggerTakeOwnership,
	},
	// manage refs, members: Maintainer (runners: not built yet)
	{
		name:     "ref-create",
		want:     "UNAUTHENTICATED NOT_FOUND NOT_FOUND FORBIDDEN FORBIDDEN ok ok ok 401 401 401",
		mutation: true,
		run:      permRefCreate,
	},
	{
		name:     "member-add",
		want:     "UNAUTHENTICATED NOT_FOUND NOT_FOUND FORBIDDEN FORBIDDEN ok ok ok 401 401 401",
		mutation: true,
		prepare:  permMemberTarget("perm-add-"),
		run:      permMemberAdd("GUEST"),
	},
	{
		// Only Owners grant Owner, as in GitLab.
		name:     "member-add-owner",
		want:     "UNAUTHENTICATED NOT_FOUND NOT_FOUND FORBIDDEN FORBIDDEN FORBIDDEN ok ok 401 401 401",
		mutation: true,
		prepare:  permMemberTarget("perm-own-"),
		run:      permMemberAdd("OWNER"),
	},
	// edit a trigger's description, see its full token: its owner, while
	// Maintainer. The trigger here belongs to the maintainer viewer; the
	// trigger-owner/* subtests cover owners who lost their role.
	{
		name:     "trigger-update",
		want:     "UNAUTHENTICATED NOT_FOUND NOT_FOUND FORBIDDEN FORBIDDEN ok FORBIDDEN FORBIDDEN 401 401 401",
		mutation: true,
		prepare:  permFreshMaintainerTrigger,
		run:      permTriggerUpdate,
	},
	{
		name: "trigger-token-in-list",
		want: "null null null FORBIDDEN FORBIDDEN full short short 401 401 401",
		run:  permTriggerTokenInList,
	},
	{
		// Pipeline viewers who may not see the trigger itself get null for
		// it, as node(id:) answers, and only the pipeline's short token.
		name: "trigger-token-on-pipeline",
		want: "null null null hidden hidden full short short 401 401 401",
		run:  permTriggerTokenOnPipeline,
	},
}

// permViewer is one identity the table is walked as; an empty token is anonymous.
type permViewer struct {
	name  string
	user  *ent.User
	token string
}

func (v *permViewer) headers() map[string]string {
	if v.token == "" {
		return nil
	}
	return map[string]string{"PRIVATE-TOKEN": v.token}
}

type permEnv struct {
	*authEnv
	viewers    []*permViewer
	owner      *permViewer
	maintainer *permViewer
	projectID  string
	refID      string
	// pipeline (iid 1) was started by the owner with the variable PERM_SECRET.
	pipelineID, pipelineIID string
	// trigger belongs to the maintainer viewer; it started triggerPipelineIID.
	trigger            permFixture
	triggerPipelineIID string
}

// permSetup makes the project, one user per role and the dead credentials.
func permSetup(t *testing.T, db *database.DB) *permEnv {
	t.Helper()
	ctx := context.Background()
	p := &permEnv{authEnv: newAuthEnv(t, db)}
	user := func(name string, admin bool) *permViewer {
		u := p.createUser(t, "perm-"+name, admin)
		_, token := p.createPAT(t, u)
		return &permViewer{name: name, user: u, token: token}
	}
	anonymous := &permViewer{name: "anonymous"}
	none := user("non-member", false)
	guest, reporter, developer := user("guest", false), user("reporter", false), user("developer", false)
	p.maintainer, p.owner = user("maintainer", false), user("owner", false)
	admin := user("admin", true)
	blocked, expired, revoked := user("blocked", false), user("expired-pat", false), user("revoked-pat", false)
	p.viewers = []*permViewer{anonymous, none, guest, reporter, developer, p.maintainer, p.owner, admin, blocked, expired, revoked}
	for i, v := range p.viewers {
		if v.name != permViewerNames[i] {
			t.Fatalf("viewer %d is %s, want %s", i, v.name, permViewerNames[i])
		}
	}

	var created struct {
		ProjectCreate struct{ Project struct{ ID string } }
	}
	p.must(t, p.owner, `mutation { projectCreate(input: {name: "proj", path: "`+permPath+`"}) { project { id } errors } }`, &created)
	p.projectID = created.ProjectCreate.Project.ID
	for _, m := range []struct {
		v     *permViewer
		level string
	}{
		{guest, "GUEST"}, {reporter, "REPORTER"}, {developer, "DEVELOPER"}, {p.maintainer, "MAINTAINER"},
		{blocked, "DEVELOPER"}, {expired, "DEVELOPER"}, {revoked, "DEVELOPER"},
	} {
		p.addMember(t, m.v.user.Username, m.level)
	}
	r, err := db.Client.Ref.Query().Where(ref.Name("main")).Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.refID = strconv.Itoa(r.ID)

	var pipe struct {
		PipelineCreate struct{ Pipeline struct{ ID, Iid json.Number } }
	}
	p.must(t, p.owner, `mutation { pipelineCreate(input: {projectPath: "`+permPath+`", ref: "main",
		variables: [{key: "PERM_SECRET", value: "s3cret"}]}) { pipeline { id iid } errors } }`, &pipe)
	p.pipelineID, p.pipelineIID = pipe.PipelineCreate.Pipeline.ID.String(), pipe.PipelineCreate.Pipeline.Iid.String()

	p.trigger = p.createTrigger(t, p.maintainer, "maintainer's trigger")
	res := p.runTrigger(t, p.trigger.token)
	if res.status != http.StatusCreated {
		t.Fatalf("running the maintainer's trigger = %d %s", res.status, truncate(res.body))
	}
	var started struct{ Iid json.Number }
	if err := json.Unmarshal([]byte(res.body), &started); err != nil {
		t.Fatal(err)
	}
	p.triggerPipelineIID = started.Iid.String()

	// The dead credentials worked while alive, so their 401s below are due
	// to blocking, expiry and revocation, not to a mistake in the setup.
	for _, v := range []*permViewer{blocked, expired, revoked} {
		if got := permViewerAccessLevel(t, p, v, permFixture{}); got != "DEVELOPER" {
			t.Fatalf("%s before losing its credential: viewerAccessLevel %s", v.name, got)
		}
	}
	p.block(t, blocked.user)
	pats, err := db.Client.PersonalAccessToken.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, pat := range pats {
		switch pat.UserID {
		case expired.user.ID:
			err = db.Client.PersonalAccessToken.UpdateOne(pat).SetExpiresAt(time.Now().Add(-time.Minute)).Exec(ctx)
		case revoked.user.ID:
			err = db.Client.PersonalAccessToken.UpdateOne(pat).SetRevokedAt(time.Now()).Exec(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// gql runs query as v and decodes its data into out. It returns "401" when
// the credential is refused, the extensions.code of the first error when
// there is one, and "" on success.
func (p *permEnv) gql(t *testing.T, v *permViewer, query string, out any) string {
	t.Helper()
	res := p.graphQL(t, query, v.headers())
	if res.status == http.StatusUnauthorized {
		wantGraphQLError(t, res, http.StatusUnauthorized, "UNAUTHENTICATED")
		return "401"
	}
	var body struct {
		Data   json.RawMessage
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	if err := json.Unmarshal([]byte(res.body), &body); err != nil || res.status != http.StatusOK {
		t.Fatalf("%s: %d %s", v.name, res.status, truncate(res.body))
	}
	if len(body.Errors) > 0 {
		code := body.Errors[0].Extensions.Code
		switch code {
		case "", "INTERNAL_SERVER_ERROR", "BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED":
			t.Fatalf("%s: unexpected error %s", v.name, truncate(res.body))
		}
		return code
	}
	if err := json.Unmarshal(body.Data, out); err != nil {
		t.Fatalf("%s: decoding %s: %v", v.name, truncate(res.body), err)
	}
	return ""
}

// must runs a setup query that has to succeed.
func (p *permEnv) must(t *testing.T, v *permViewer, query string, out any) {
	t.Helper()
	if code := p.gql(t, v, query, out); code != "" {
		t.Fatalf("%s as %s: %s", query, v.name, code)
	}
	permNoUserErrors(t, out)
}

// permNoUserErrors fails when a mutation payload in out reports errors.
func permNoUserErrors(t *testing.T, out any) {
	t.Helper()
	b, _ := json.Marshal(out)
	if strings.Contains(string(b), `"Errors":["`) {
		t.Fatalf("mutation reported errors: %s", b)
	}
}

func (p *permEnv) addMember(t *testing.T, username, level string) {
	t.Helper()
	var out struct{ ProjectMemberAdd struct{ Errors []string } }
	p.must(t, p.owner, fmt.Sprintf(`mutation { projectMemberAdd(input: {projectPath: %q, username: %q, accessLevel: %s}) { errors } }`,
		permPath, username, level), &out)
}

func (p *permEnv) createTrigger(t *testing.T, v *permViewer, description string) permFixture {
	t.Helper()
	var out struct {
		PipelineTriggerCreate struct {
			PipelineTrigger struct{ ID, Token string }
			Errors          []string
		}
	}
	p.must(t, v, fmt.Sprintf(`mutation { pipelineTriggerCreate(input: {projectPath: %q, description: %q}) {
		pipelineTrigger { id token } errors } }`, permPath, description), &out)
	tr := out.PipelineTriggerCreate.PipelineTrigger
	if !strings.HasPrefix(tr.Token, "kot_") || len(tr.Token) != 42 {
		t.Fatalf("new trigger's token for its owner = %q, want the full token", tr.Token)
	}
	return permFixture{id: tr.ID, token: tr.Token}
}

// runTrigger is GitLab's POST /projects/:id/trigger/pipeline with a form body.
func (p *permEnv) runTrigger(t *testing.T, token string) response {
	t.Helper()
	body := url.Values{"token": {token}, "ref": {"main"}}.Encode()
	return p.send(t, http.MethodPost, "/api/v4/projects/"+p.projectID+"/trigger/pipeline", body,
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// snapshot describes every row a refused mutation could have touched.
func (p *permEnv) snapshot(t *testing.T) string {
	t.Helper()
	ctx, c := context.Background(), p.db.Client
	var b strings.Builder
	count := func(name string, n int, err error) {
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s=%d ", name, n)
	}
	n, err := c.Project.Query().Count(ctx)
	count("projects", n, err)
	n, err = c.Pipeline.Query().Count(ctx)
	count("pipelines", n, err)
	n, err = c.PipelineVariable.Query().Count(ctx)
	count("variables", n, err)
	n, err = c.Ref.Query().Count(ctx)
	count("refs", n, err)
	n, err = c.User.Query().Count(ctx)
	count("users", n, err)
	n, err = c.AuditEvent.Query().Count(ctx)
	count("audit", n, err)
	members, err := c.ProjectMember.Query().Order(ent.Asc(projectmember.FieldID)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		fmt.Fprintf(&b, "member(%d:%d)=%s ", m.ProjectID, m.UserID, m.AccessLevel)
	}
	triggers, err := c.PipelineTrigger.Query().Order(ent.Asc(pipelinetrigger.FieldID)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range triggers {
		fmt.Fprintf(&b, "trigger(%d owner=%d %q revoked=%t digest=%s) ", tr.ID, tr.OwnerID, tr.Description,
			tr.RevokedAt != nil, hex.EncodeToString(tr.TokenDigest)[:8])
	}
	return b.String()
}

func (p *permEnv) triggerRow(t *testing.T, id string) *ent.PipelineTrigger {
	t.Helper()
	n, err := strconv.Atoi(id)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := p.db.Client.PipelineTrigger.Get(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

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
