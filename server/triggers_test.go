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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/triggers"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
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
	id, err := strconv.Atoi(out.ProjectCreate.Project.ID)
	if err != nil {
		t.Fatalf("projectCreate returned id %q", out.ProjectCreate.Project.ID)
	}
	return id
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

// TestTriggerRESTPagination checks GitLab's page/per_page parameters and
// pagination headers; revoked and expired triggers are neither listed nor
// counted.
func TestTriggerRESTPagination(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		f := trgSetup(t, db)
		var ids []int
		for i := range 5 {
			tr, _ := f.trgCreate(t, []string{"alice", "bob"}[i%2], fmt.Sprintf("trigger %d", i))
			ids = append(ids, tr.ID)
		}
		revoked, _ := f.trgCreate(t, "alice", "revoked")
		if _, err := f.set.Triggers.Revoke(trgAs(f.users["alice"]), revoked.ID); err != nil {
			t.Fatal(err)
		}
		expired, _ := f.trgCreate(t, "alice", "expired")
		if err := db.Client.PipelineTrigger.UpdateOneID(expired.ID).SetExpiresAt(time.Now().Add(-time.Second)).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}

		base := trgPath(url.PathEscape(trgProjectPath), "")
		for _, tc := range []struct {
			query                     string
			want                      []int
			page, perPage, next, prev string
			totalPages                string
			links                     []string // rel=page
		}{
			{"", ids, "1", "20", "", "", "1", []string{"first=1", "last=1"}},
			{"?per_page=2", ids[:2], "1", "2", "2", "", "3", []string{"next=2", "first=1", "last=3"}},
			{"?page=2&per_page=2", ids[2:4], "2", "2", "3", "1", "3", []string{"prev=1", "next=3", "first=1", "last=3"}},
			{"?page=3&per_page=2", ids[4:], "3", "2", "", "2", "3", []string{"prev=2", "first=1", "last=3"}},
			{"?page=4&per_page=2", []int{}, "4", "2", "", "3", "3", []string{"prev=3", "first=1", "last=3"}},
			{"?per_page=1000", ids, "1", "100", "", "", "1", []string{"first=1", "last=1"}},
			{"?per_page=5", ids, "1", "5", "", "", "1", []string{"first=1", "last=1"}},
		} {
			t.Run(tc.query, func(t *testing.T) {
				res := f.trgREST(t, "carol", http.MethodGet, base+tc.query, trgBody{})
				if got := trgIDs(trgWantList(t, res)); !slices.Equal(got, tc.want) {
					t.Errorf("ids = %v, want %v", got, tc.want)
				}
				for name, want := range map[string]string{
					"X-Total": "5", "X-Total-Pages": tc.totalPages, "X-Page": tc.page, "X-Per-Page": tc.perPage,
					"X-Next-Page": tc.next, "X-Prev-Page": tc.prev,
				} {
					if got, ok := res.header[name]; !ok || got[0] != want {
						t.Errorf("%s = %q, want %q", name, got, want)
					}
				}
				var rels []string
				for _, l := range trgLinks(t, res.header.Get("Link")) {
					if l.url.EscapedPath() != base {
						t.Errorf("Link %s points to %s, want %s", l.rel, l.url.EscapedPath(), base)
					}
					if l.url.Query().Get("per_page") != tc.perPage {
						t.Errorf("Link %s has per_page %q", l.rel, l.url.Query().Get("per_page"))
					}
					rels = append(rels, l.rel+"="+l.url.Query().Get("page"))
				}
				if !slices.Equal(rels, tc.links) {
					t.Errorf("Link rels = %v, want %v", rels, tc.links)
				}
			})
		}

		t.Run("following Link rel=next visits every trigger once", func(t *testing.T) {
			var seen []int
			next := base + "?per_page=2"
			for range 10 {
				res := f.trgREST(t, "alice", http.MethodGet, next, trgBody{})
				seen = append(seen, trgIDs(trgWantList(t, res))...)
				next = ""
				for _, l := range trgLinks(t, res.header.Get("Link")) {
					if l.rel == "next" {
						next = l.url.RequestURI()
					}
				}
				if next == "" {
					break
				}
			}
			if !slices.Equal(seen, ids) {
				t.Errorf("visited %v, want %v", seen, ids)
			}
		})
	})
}

type trgLink struct {
	rel string
	url *url.URL
}

// trgLinks parses an RFC 8288 Link header of the form GitLab sends.
func trgLinks(t *testing.T, header string) []trgLink {
	t.Helper()
	var out []trgLink
	for part := range strings.SplitSeq(header, ",") {
		m := regexp.MustCompile(`^\s*<([^>]+)>;\s*rel="(\w+)"\s*$`).FindStringSubmatch(part)
		if m == nil {
			t.Fatalf("Link %q: cannot parse %q", header, part)
		}
		u, err := url.Parse(m[1])
		if err != nil || !u.IsAbs() {
			t.Fatalf("Link %q: bad URL %q", header, m[1])
		}
		out = append(out, trgLink{m[2], u})
	}
	return out
}

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
			id := strconv.Itoa(tr.ID)
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
