package server_test

// Tests of issue 4: the trigger-token management API (SPEC §4, §5) through
// real HTTP requests against a live server, on every dialect. Helpers here
// are prefixed "trg" so they cannot collide with other test files.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/triggers"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// trgProjectPath is the project every trigger test works in.
const trgProjectPath = "grp/app"

// trgFixture is a live server with one project, grp/app, created by alice
// (Owner), with bob and carol as Maintainers, dave as Developer and rita as
// Reporter; olga is no member. Every user has a personal access token.
type trgFixture struct {
	*authEnv
	projectID int
	users     map[string]*ent.User
	pats      map[string]string
}

func trgSetup(t *testing.T, db *database.DB) *trgFixture {
	t.Helper()
	f := &trgFixture{authEnv: newAuthEnv(t, db), users: map[string]*ent.User{}, pats: map[string]string{}}
	for _, name := range []string{"alice", "bob", "carol", "dave", "rita", "olga"} {
		u := f.createUser(t, name, false)
		_, f.pats[name] = f.createPAT(t, u)
		f.users[name] = u
	}
	f.projectID = f.trgCreateProject(t, "alice", trgProjectPath)
	for _, m := range []struct{ user, level string }{
		{"bob", "MAINTAINER"}, {"carol", "MAINTAINER"}, {"dave", "DEVELOPER"}, {"rita", "REPORTER"},
	} {
		f.trgSetMember(t, "projectMemberAdd", m.user, m.level)
	}
	return f
}

// trgCreateProject creates a project as user over GraphQL and returns its ID.
func (f *trgFixture) trgCreateProject(t *testing.T, user, path string) int {
	t.Helper()
	var out struct {
		ProjectCreate struct {
			Project struct{ ID string }
			Errors  []string
		}
	}
	f.trgGQLData(t, user, fmt.Sprintf(`mutation { projectCreate(input: {name: "App", path: %q}) { project { id } errors } }`, path), &out)
	if len(out.ProjectCreate.Errors) > 0 {
		t.Fatalf("projectCreate %s: %v", path, out.ProjectCreate.Errors)
	}
	return rowID(t, out.ProjectCreate.Project.ID)
}

// trgSetMember runs projectMemberAdd or projectMemberUpdate as alice.
func (f *trgFixture) trgSetMember(t *testing.T, mutation, user, level string) {
	t.Helper()
	var out map[string]struct{ Errors []string }
	f.trgGQLData(t, "alice", fmt.Sprintf(`mutation { %s(input: {projectPath: %q, username: %q, accessLevel: %s}) { errors } }`,
		mutation, trgProjectPath, user, level), &out)
	if errs := out[mutation].Errors; len(errs) > 0 {
		t.Fatalf("%s %s %s: %v", mutation, user, level, errs)
	}
}

// trgGQLData runs a GraphQL operation as user and decodes its data into out;
// any GraphQL error fails the test.
func (f *trgFixture) trgGQLData(t *testing.T, user, query string, out any) {
	t.Helper()
	res := f.graphQL(t, query, map[string]string{"PRIVATE-TOKEN": f.pats[user]})
	var body struct {
		Data   json.RawMessage
		Errors []json.RawMessage
	}
	if err := json.Unmarshal([]byte(res.body), &body); err != nil || res.status != http.StatusOK || len(body.Errors) > 0 {
		t.Fatalf("GraphQL as %s = %d %s", user, res.status, truncate(res.body))
	}
	if err := json.Unmarshal(body.Data, out); err != nil {
		t.Fatalf("decoding GraphQL data %s: %v", truncate(string(body.Data)), err)
	}
}

// trgAs is a context acting as u, for setting up state through the domain
// services directly.
func trgAs(u *ent.User) context.Context {
	return authz.WithViewer(context.Background(), &authz.Viewer{User: u, CredentialKind: "test"})
}

// trgCreate makes a trigger owned by user through the domain service and
// returns it with its plaintext token.
func (f *trgFixture) trgCreate(t *testing.T, user, description string) (*ent.PipelineTrigger, string) {
	t.Helper()
	ctx := trgAs(f.users[user])
	tr, err := f.set.Triggers.Create(ctx, trgProjectPath, triggers.NewTrigger{Description: description})
	if err != nil {
		t.Fatalf("creating trigger as %s: %v", user, err)
	}
	token, exposed, err := f.set.Triggers.Token(ctx, tr)
	if err != nil || !exposed {
		t.Fatalf("owner's token = %q, %v, %v", token, exposed, err)
	}
	return tr, token
}

// trgBody is a request body with its Content-Type.
type trgBody struct{ contentType, data string }

// trgMultipart encodes fields as curl --form does.
func trgMultipart(t *testing.T, fields map[string]string) trgBody {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if err := w.WriteField(k, fields[k]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return trgBody{w.FormDataContentType(), b.String()}
}

// trgForm encodes fields as curl --data does.
func trgForm(fields map[string]string) trgBody {
	v := url.Values{}
	for k, s := range fields {
		v.Set(k, s)
	}
	return trgBody{"application/x-www-form-urlencoded", v.Encode()}
}

func trgJSONBody(t *testing.T, v any) trgBody {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return trgBody{"application/json", string(b)}
}

// trgPath is the management API path of the project (":id" as given).
func trgPath(projectRef string, suffix string) string {
	return "/api/v4/projects/" + projectRef + "/triggers" + suffix
}

// trgREST sends a REST request with user's PAT ("" sends none).
func (f *trgFixture) trgREST(t *testing.T, user, method, path string, body trgBody) response {
	t.Helper()
	h := map[string]string{}
	if user != "" {
		h["PRIVATE-TOKEN"] = f.pats[user]
	}
	if body.contentType != "" {
		h["Content-Type"] = body.contentType
	}
	return f.send(t, method, path, body.data, h)
}

// trgTrigger is GitLab's trigger JSON, decoded.
type trgTrigger struct {
	ID          int       `json:"id"`
	Description string    `json:"description"`
	CreatedAt   string    `json:"created_at"`
	UpdatedAt   string    `json:"updated_at"`
	LastUsed    *string   `json:"last_used"`
	ExpiresAt   *string   `json:"expires_at"`
	Owner       *trgOwner `json:"owner"`
	Token       string    `json:"token"`
}

type trgOwner struct {
	ID        int     `json:"id"`
	Username  string  `json:"username"`
	Name      string  `json:"name"`
	State     string  `json:"state"`
	AvatarURL *string `json:"avatar_url"`
	WebURL    string  `json:"web_url"`
}

var (
	trgTriggerKeys = []string{"created_at", "description", "expires_at", "id", "last_used", "owner", "token", "updated_at"}
	trgOwnerKeys   = []string{"avatar_url", "id", "name", "state", "username", "web_url"}
	// trgTimeFormat is GitLab's API time: RFC 3339, UTC, milliseconds.
	trgTimeFormat = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	// trgFullToken is a whole trigger token.
	trgFullToken = regexp.MustCompile(`^kot_[0-9A-Za-z]{38}$`)
)

// trgDecodeTrigger decodes one trigger object and checks its shape: exactly
// GitLab's keys, UserBasic owner, times in GitLab's format.
func trgDecodeTrigger(t *testing.T, raw json.RawMessage) trgTrigger {
	t.Helper()
	trgWantKeys(t, raw, trgTriggerKeys)
	var tr trgTrigger
	if err := json.Unmarshal(raw, &tr); err != nil {
		t.Fatalf("decoding trigger %s: %v", raw, err)
	}
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(raw, &fields)
	if string(fields["owner"]) != "null" {
		trgWantKeys(t, fields["owner"], trgOwnerKeys)
	}
	for name, v := range map[string]*string{"created_at": &tr.CreatedAt, "updated_at": &tr.UpdatedAt, "last_used": tr.LastUsed, "expires_at": tr.ExpiresAt} {
		if v != nil && !trgTimeFormat.MatchString(*v) {
			t.Errorf("%s = %q, want RFC 3339 UTC with milliseconds", name, *v)
		}
	}
	return tr
}

func trgWantKeys(t *testing.T, raw json.RawMessage, want []string) {
	t.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatalf("%s is not a JSON object: %v", truncate(string(raw)), err)
	}
	var got []string
	for k := range fields {
		got = append(got, k)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("keys = %v, want %v in %s", got, want, truncate(string(raw)))
	}
}

// trgWantTrigger checks a single-trigger response.
func trgWantTrigger(t *testing.T, res response, status int) trgTrigger {
	t.Helper()
	if res.status != status {
		t.Fatalf("status = %d %s, want %d", res.status, truncate(res.body), status)
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	return trgDecodeTrigger(t, json.RawMessage(res.body))
}

// trgWantList checks a list response and returns its triggers.
func trgWantList(t *testing.T, res response) []trgTrigger {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("list = %d %s, want 200", res.status, truncate(res.body))
	}
	var raws []json.RawMessage
	if err := json.Unmarshal([]byte(res.body), &raws); err != nil || raws == nil {
		t.Fatalf("list body %s is not a JSON array", truncate(res.body))
	}
	out := make([]trgTrigger, 0, len(raws))
	for _, raw := range raws {
		out = append(out, trgDecodeTrigger(t, raw))
	}
	return out
}

func trgIDs(list []trgTrigger) []int {
	ids := make([]int, 0, len(list))
	for _, tr := range list {
		ids = append(ids, tr.ID)
	}
	return ids
}

// trgWantOwner checks the owner is u as GitLab's UserBasic.
func (f *trgFixture) trgWantOwner(t *testing.T, got *trgOwner, username string) {
	t.Helper()
	u := f.users[username]
	want := trgOwner{ID: u.ID, Username: u.Username, Name: u.Name, State: "active", WebURL: f.srv.URL + "/" + u.Username}
	if got == nil || *got != want {
		t.Errorf("owner = %+v, want %+v", got, want)
	}
}

// trgWantMessage checks an error answer's status and exact body.
func trgWantMessage(t *testing.T, res response, status int, body string) {
	t.Helper()
	if res.status != status || strings.TrimSpace(res.body) != body {
		t.Errorf("got %d %s, want %d %s", res.status, truncate(res.body), status, body)
	}
}

// trgSnapshot describes every stored trigger and counts audit events, so a
// test can tell that a refused request wrote nothing.
func (f *trgFixture) trgSnapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	list, err := f.db.Client.PipelineTrigger.Query().Order(ent.Asc(pipelinetrigger.FieldID)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	audits, err := f.db.Client.AuditEvent.Query().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d triggers, %d audit events\n", len(list), audits)
	for _, tr := range list {
		fmt.Fprintf(&b, "%d %q owner=%d updated=%s expires=%v revoked=%v digest=%x\n",
			tr.ID, tr.Description, tr.OwnerID, tr.UpdatedAt.UTC().Format(time.RFC3339Nano), tr.ExpiresAt, tr.RevokedAt, tr.TokenDigest)
	}
	return b.String()
}

// trgStored loads a trigger row as stored, revoked or not.
func (f *trgFixture) trgStored(t *testing.T, id int) *ent.PipelineTrigger {
	t.Helper()
	tr, err := f.db.Client.PipelineTrigger.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("loading trigger %d: %v", id, err)
	}
	return tr
}

// trgMillis formats a time as the REST API does.
func trgMillis(tm time.Time) string {
	return tm.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z")
}
