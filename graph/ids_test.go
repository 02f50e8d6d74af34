package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/ent/webhookdelivery"
	"github.com/kickoff-ci/kickoff/graph/model"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// TestSmallIDsAndGlobalIDs: on a fresh database every table counts from 1,
// every object's GraphQL id is gid://kickoff/<Type>/<row id>, and node(id:)
// answers each type back by it.
func TestSmallIDsAndGlobalIDs(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		c := db.Client
		u, tr, p := seed(t, c)
		addPipelines(t, c, p, tr, u, 1)
		objects := map[string]int{
			"User": u.ID, "Project": p.ID, "PipelineTrigger": tr.ID,
			"Pipeline":            c.Pipeline.Query().OnlyIDX(ctx),
			"ProjectMember":       c.ProjectMember.Query().OnlyIDX(ctx),
			"Ref":                 c.Ref.Create().SetProjectID(p.ID).SetName("main").SetType(kickoff.RefBranch).SaveX(ctx).ID,
			"Runner":              c.Runner.Create().SetProjectID(p.ID).SetTokenDigest([]byte("r")).SetShortToken("abcd").SaveX(ctx).ID,
			"PersonalAccessToken": c.PersonalAccessToken.Create().SetUserID(u.ID).SetName("ci").SetTokenDigest([]byte("p")).SaveX(ctx).ID,
			"AuditEvent":          c.AuditEvent.Create().SetAction("test").SetOutcome(auditevent.OutcomeSUCCESS).SaveX(ctx).ID,
		}
		hook := c.Webhook.Create().SetUUID("h").SetProjectID(p.ID).SetCreatorID(u.ID).SetURL("https://example.com/").
			SetURLSealed([]byte("x")).SetSigningSecretSealed([]byte("x")).SaveX(ctx)
		objects["Webhook"] = hook.ID
		objects["WebhookDelivery"] = c.WebhookDelivery.Create().SetUUID("d").SetKind(webhookdelivery.KindTest).
			SetStatus("created").SetPayload([]byte("{}")).SetWebhookID(hook.ID).SaveX(ctx).ID
		if len(objects) != len(model.NodeTables) {
			t.Fatalf("the test covers %d types, the schema has %d", len(objects), len(model.NodeTables))
		}
		srv := newGraphServer(t, c, u)
		for typ, id := range objects {
			if id != 1 {
				t.Errorf("the first %s has ID %d, want 1", typ, id)
			}
			gid := fmt.Sprintf("gid://kickoff/%s/%d", typ, id)
			var out struct {
				Data struct {
					Node  *struct{ ID, Typename string } `json:"node"`
					Nodes []*struct{ ID string }         `json:"nodes"`
				}
			}
			q := fmt.Sprintf(`{ node(id: %q) { id typename: __typename } nodes(ids: [%q]) { id } }`, gid, gid)
			if err := json.Unmarshal([]byte(post(t, srv.URL, q)), &out); err != nil {
				t.Fatal(err)
			}
			n := out.Data.Node
			if n == nil || n.ID != gid || n.Typename != typ || len(out.Data.Nodes) != 1 || out.Data.Nodes[0] == nil || out.Data.Nodes[0].ID != gid {
				t.Errorf("node(%s) = %+v, nodes = %+v", gid, n, out.Data.Nodes)
			}
		}
		// The audit log and where-filters speak the same small numbers.
		body := post(t, srv.URL, `{ projects(where: {idIn: ["1", "gid://kickoff/Project/1"]}) { nodes { id } } }`)
		if !strings.Contains(body, `"nodes":[{"id":"gid://kickoff/Project/1"}]`) {
			t.Errorf("projects filtered by IDs = %s", body)
		}
	})
}

// TestGraphQLMalformedIDs: every ID argument refuses what is not a global ID
// of the right type with BAD_USER_INPUT (never a 5xx or INTERNAL error), and
// answers null for a well-formed ID of nothing; nothing is written.
func TestGraphQLMalformedIDs(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		u, _, _ := seed(t, db.Client)
		srv := newGraphServer(t, db.Client, u)
		bad := []string{
			"", "123", "1", "-1", "gid://kickoff/Nope/1", "gid://other/Project/1", "gid://kickoff/Project/",
			"gid://kickoff/Project/0", "gid://kickoff/Project/-1", "gid://kickoff/Project/01", "gid://kickoff/Project/1x",
			"gid://kickoff/Project/ 1", "gid://kickoff/Project/99999999999999999999", "gid://kickoff//1",
			"gid://kickoff/Project/1/2", "GID://KICKOFF/Project/1", "gid://kickoff/project/1", "\x00",
		}
		for _, id := range bad {
			wantCode(t, srv.URL, `query($id: ID!) { node(id: $id) { id } }`, id, "BAD_USER_INPUT")
			wantCode(t, srv.URL, `query($id: ID!) { nodes(ids: [$id]) { id } }`, id, "BAD_USER_INPUT")
		}
		// Mutations check the type too: a project's ID is no pipeline's.
		for _, m := range []string{
			`mutation($id: ID!) { pipelineCancel(input: {id: $id}) { errors } }`,
			`mutation($id: ID!) { pipelineTriggerDelete(input: {id: $id}) { errors } }`,
			`mutation($id: ID!) { runnerDelete(input: {id: $id}) { errors } }`,
			`mutation($id: ID!) { refDelete(input: {id: $id}) { errors } }`,
			`mutation($id: ID!) { personalAccessTokenRevoke(input: {id: $id}) { errors } }`,
		} {
			for _, id := range []string{"1", "gid://kickoff/Project/1", "gid://kickoff/Nope/1", "gid://kickoff/Pipeline/abc"} {
				wantCode(t, srv.URL, m, id, "BAD_USER_INPUT")
			}
		}
		wantCode(t, srv.URL, `query($id: ID!) { node(id: $id) { id } }`, "gid://kickoff/Pipeline/9223372036854775807", "")
		wantCode(t, srv.URL, `query($id: [ID!]) { projects(where: {idIn: $id}) { nodes { id } } }`, "99999999999999999999", "BAD_USER_INPUT")
	})
}

// wantCode posts query with $id = id and checks the first error's code ("":
// no error, and node answers null).
func wantCode(t *testing.T, url, query, id, code string) {
	t.Helper()
	var v any = id
	if strings.Contains(query, "[ID!])") {
		v = []string{id}
	}
	b, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"id": v}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Data   map[string]any
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode >= 500 {
		t.Fatalf("%q in %s: status %d, %v", id, query, res.StatusCode, err)
	}
	switch {
	case code == "" && (len(body.Errors) > 0 || body.Data["node"] != nil):
		t.Errorf("%q: got %+v %v, want node null", id, body.Errors, body.Data)
	case code != "" && (len(body.Errors) == 0 || body.Errors[0].Extensions["code"] != code):
		t.Errorf("%q in %s: got %+v, want %s", id, query, body.Errors, code)
	case code != "" && strings.Contains(body.Errors[0].Message, "internal"):
		t.Errorf("%q: message %q", id, body.Errors[0].Message)
	}
}

// FuzzParseGlobalID: no input panics, and what parses prints back exactly.
func FuzzParseGlobalID(f *testing.F) {
	for _, s := range []string{"gid://kickoff/Project/1", "gid://kickoff/Pipeline/42", "gid://kickoff/Nope/1", "", "1", "gid://kickoff/Project/99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := model.ParseGlobalID(s)
		if err != nil {
			if kickoff.ErrorCode(err) != kickoff.EInvalid {
				t.Fatalf("%q: error %v is not EInvalid", s, err)
			}
			return
		}
		if back := fmt.Sprintf("gid://kickoff/%s/%d", g.Type, g.ID); back != s || g.ID <= 0 {
			t.Fatalf("%q parsed as %+v", s, g)
		}
	})
}
