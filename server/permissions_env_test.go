package server_test

// The TestPermissions environment: its viewers, the project they act on, and
// helpers to query as them and snapshot what a refused mutation must not change.

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
	"github.com/kickoff-ci/kickoff/ent/projectmember"
	"github.com/kickoff-ci/kickoff/ent/ref"
	"github.com/kickoff-ci/kickoff/internal/database"
)

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
	p.refID = globalID("Ref", r.ID)

	var pipe struct {
		PipelineCreate struct {
			Pipeline struct {
				ID  string
				Iid json.Number
			}
		}
	}
	p.must(t, p.owner, `mutation { pipelineCreate(input: {projectPath: "`+permPath+`", ref: "main",
		variables: [{key: "PERM_SECRET", value: "s3cret"}]}) { pipeline { id iid } errors } }`, &pipe)
	p.pipelineID, p.pipelineIID = pipe.PipelineCreate.Pipeline.ID, pipe.PipelineCreate.Pipeline.Iid.String()

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
	return p.send(t, http.MethodPost, "/api/v4/projects/"+strconv.Itoa(rowID(t, p.projectID))+"/trigger/pipeline", body,
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
	tr, err := p.db.Client.PipelineTrigger.Get(context.Background(), rowID(t, id))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}
