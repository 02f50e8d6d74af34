package server_test

// Tests of GitLab's pipelines API (issue 11): GitLab's Go client against a
// live server, then bad inputs and permissions over plain HTTP. Helpers are
// prefixed "pa".

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/ent/pipelinevariable"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// paClient is GitLab's Pipelines service as user.
func (f *trgFixture) paClient(t *testing.T, user string) gitlab.PipelinesServiceInterface {
	t.Helper()
	c, err := gitlab.NewClient(f.pats[user], gitlab.WithBaseURL(f.srv.URL+"/api/v4"), gitlab.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	return c.Pipelines
}

// paRow loads a stored pipeline with its variables and user.
func (f *trgFixture) paRow(t *testing.T, id int64) *ent.Pipeline {
	t.Helper()
	p, err := f.db.Client.Pipeline.Query().Where(pipeline.ID(int(id))).WithVariables().WithUser().Only(context.Background())
	if err != nil {
		t.Fatalf("pipeline %d: %v", id, err)
	}
	return p
}

// paCounts counts pipelines and their variables, to show a refused
// request wrote nothing.
func (f *trgFixture) paCounts(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	p, err1 := f.db.Client.Pipeline.Query().Count(ctx)
	v, err2 := f.db.Client.PipelineVariable.Query().Count(ctx)
	k, err3 := f.db.Client.IdempotencyKey.Query().Count(ctx)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d pipelines, %d variables, %d idempotency keys", p, v, k)
}

func TestPipelinesGitLabClient(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		f := trgSetup(t, db)
		f.trgGQLData(t, "alice", `mutation { refCreate(input: {projectPath: "grp/app", name: "v1.0.0", type: TAG}) { errors } }`, &map[string]any{})
		dave, alice, bob := f.paClient(t, "dave"), f.paClient(t, "alice"), f.paClient(t, "bob")

		// Create, by numeric ID and by full path, with GitLab's variables array.
		var created []*gitlab.Pipeline
		for _, tc := range []struct {
			project any
			ref     string
		}{{f.projectID, "main"}, {trgProjectPath, "v1.0.0"}, {f.projectID, "main"}} {
			p, res, err := dave.CreatePipeline(tc.project, &gitlab.CreatePipelineOptions{
				Ref: gitlab.Ptr(tc.ref),
				Variables: &[]*gitlab.PipelineVariableOptions{
					{Key: gitlab.Ptr("DEPLOY_ENV"), Value: gitlab.Ptr("prod")},
					{Key: gitlab.Ptr("CONFIG"), Value: gitlab.Ptr("a: 1"), VariableType: gitlab.Ptr(gitlab.FileVariableType)},
				},
			})
			if err != nil || res.StatusCode != http.StatusCreated {
				t.Fatalf("CreatePipeline(%v, %s) = %v, %v", tc.project, tc.ref, res, err)
			}
			row := f.paRow(t, p.ID)
			if p.Ref != tc.ref || row.Ref != tc.ref || p.Status != "created" || p.Source != "api" || row.Source != pipeline.SourceAPI ||
				p.User == nil || p.User.Username != "dave" || row.Edges.User.Username != "dave" || p.Tag != (tc.ref == "v1.0.0") ||
				p.WebURL != f.srv.URL+"/grp/app/-/pipelines/"+strconv.Itoa(row.Iid) {
				t.Errorf("created %s, stored %+v", p, row)
			}
			stored := map[string]string{}
			for _, v := range row.Edges.Variables {
				stored[v.Key] = fmt.Sprintf("%s/%v", v.Value, v.File)
			}
			if len(stored) != 2 || stored["DEPLOY_ENV"] != "prod/false" || stored["CONFIG"] != "a: 1/true" {
				t.Errorf("stored variables %v", stored)
			}
			created = append(created, p)
		}

		t.Run("list with a filter and pagination", func(t *testing.T) {
			var got []int64
			opt := &gitlab.ListProjectPipelinesOptions{Ref: gitlab.Ptr("main"), ListOptions: gitlab.ListOptions{PerPage: 1}}
			for {
				page, res, err := bob.ListProjectPipelines(f.projectID, opt)
				if err != nil {
					t.Fatalf("ListProjectPipelines: %v", err)
				}
				if res.TotalItems != 2 || res.TotalPages != 2 || len(page) != 1 {
					t.Fatalf("page %d: total %d, pages %d, %d items", res.CurrentPage, res.TotalItems, res.TotalPages, len(page))
				}
				if page[0].Ref != "main" || page[0].ProjectID != int64(f.projectID) || page[0].WebURL == "" || page[0].CreatedAt == nil {
					t.Errorf("listed %s", page[0])
				}
				got = append(got, page[0].ID)
				if res.NextPage == 0 {
					break
				}
				opt.Page = res.NextPage
			}
			if want := []int64{created[2].ID, created[0].ID}; !slices.Equal(got, want) {
				t.Errorf("listed %v, want %v (newest first)", got, want)
			}
			since := created[0].CreatedAt.Add(-time.Second)
			mine, _, err := bob.ListProjectPipelines(f.projectID, &gitlab.ListProjectPipelinesOptions{
				Username: gitlab.Ptr("DAVE"), CreatedAfter: &since, OrderBy: gitlab.Ptr("ref"), Sort: gitlab.Ptr("asc"),
			})
			if err != nil || len(mine) != 3 || mine[0].Ref != "main" || mine[0].ID != created[0].ID || mine[2].Ref != "v1.0.0" {
				t.Errorf("dave's since %v by ref = %v, %v", since, mine, err)
			}
			none, _, err := bob.ListProjectPipelines(f.projectID, &gitlab.ListProjectPipelinesOptions{Username: gitlab.Ptr("bob")})
			if err != nil || len(none) != 0 {
				t.Errorf("bob's = %v, %v", none, err)
			}
			asc, _, err := bob.ListProjectPipelines(trgProjectPath, &gitlab.ListProjectPipelinesOptions{Sort: gitlab.Ptr("asc"), Scope: gitlab.Ptr("tags")})
			if err != nil || len(asc) != 1 || asc[0].ID != created[1].ID {
				t.Errorf("scope tags = %v, %v; want pipeline %d", asc, err, created[1].ID)
			}
		})

		t.Run("get and latest", func(t *testing.T) {
			got, _, err := f.paClient(t, "rita").GetPipeline(f.projectID, created[1].ID)
			if err != nil || got.ID != created[1].ID || got.Ref != "v1.0.0" || got.DetailedStatus == nil || got.User == nil {
				t.Errorf("GetPipeline = %v, %v", got, err)
			}
			latest, _, err := bob.GetLatestPipeline(trgProjectPath, nil)
			if err != nil || latest.ID != created[2].ID {
				t.Errorf("GetLatestPipeline(default branch) = %v, %v; want %d", latest, err, created[2].ID)
			}
			latest, _, err = bob.GetLatestPipeline(f.projectID, &gitlab.GetLatestPipelineOptions{Ref: gitlab.Ptr("v1.0.0")})
			if err != nil || latest.ID != created[1].ID {
				t.Errorf("GetLatestPipeline(v1.0.0) = %v, %v; want %d", latest, err, created[1].ID)
			}
		})

		t.Run("variables", func(t *testing.T) {
			vars, _, err := bob.GetPipelineVariables(f.projectID, created[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			byKey := map[string]*gitlab.PipelineVariable{}
			for _, v := range vars {
				byKey[v.Key] = v
			}
			if v := byKey["CONFIG"]; v == nil || v.Value != "a: 1" || v.VariableType != gitlab.FileVariableType {
				t.Errorf("CONFIG = %+v", v)
			}
			if v := byKey["DEPLOY_ENV"]; v == nil || v.Value != "prod" || v.VariableType != gitlab.EnvVariableType {
				t.Errorf("DEPLOY_ENV = %+v", v)
			}
			// A Developer sees which variables there are, not their values.
			res := f.trgREST(t, "dave", "GET", fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/variables", f.projectID, created[0].ID), trgBody{})
			if res.status != http.StatusOK || !strings.Contains(res.body, `{"key":"DEPLOY_ENV","variable_type":"env_var","value":null}`) || strings.Contains(res.body, "prod") {
				t.Errorf("Developer's variables = %d %s", res.status, truncate(res.body))
			}
		})

		t.Run("create with wait", func(t *testing.T) {
			// wait=0 answers at once, saying the pipeline is not finished; how
			// Await waits is tested with the trigger endpoints, which share it.
			res := f.trgREST(t, "dave", "POST", fmt.Sprintf("/api/v4/projects/%d/pipeline?wait=0", f.projectID), trgBody{"application/json", `{"ref":"main"}`})
			if res.status != http.StatusCreated || res.header.Get("X-Kickoff-Pipeline-Final") != "false" || !strings.Contains(res.body, `"status":"created"`) {
				t.Errorf("create with wait=0 = %d %v %s", res.status, res.header, truncate(res.body))
			}
			if res := f.trgREST(t, "dave", "POST", fmt.Sprintf("/api/v4/projects/%d/pipeline", f.projectID), trgBody{"application/json", `{"ref":"main"}`}); res.header.Get("X-Kickoff-Pipeline-Final") != "" {
				t.Errorf("create without wait has X-Kickoff-Pipeline-Final")
			}
		})

		t.Run("cancel, retry, delete", func(t *testing.T) {
			id := created[0].ID
			p, res, err := dave.CancelPipelineBuild(f.projectID, id)
			if err != nil || p.Status != "canceled" || f.paRow(t, id).Status != "canceled" {
				t.Fatalf("CancelPipelineBuild = %v, %v, %v", p, res, err)
			}
			p, _, err = dave.RetryPipelineBuild(trgProjectPath, id)
			if err != nil || p.Status != "created" || f.paRow(t, id).Status != "created" {
				t.Fatalf("RetryPipelineBuild = %v, %v", p, err)
			}
			if res, err := bob.DeletePipeline(f.projectID, id); err == nil || res.StatusCode != http.StatusForbidden {
				t.Errorf("a Maintainer's DeletePipeline = %v, %v; want 403", res, err)
			}
			res, err = alice.DeletePipeline(f.projectID, id)
			if err != nil || res.StatusCode != http.StatusNoContent {
				t.Fatalf("DeletePipeline = %v, %v", res, err)
			}
			ctx := context.Background()
			if n, err := db.Client.Pipeline.Query().Where(pipeline.ID(int(id))).Count(ctx); err != nil || n != 0 {
				t.Errorf("%d pipelines %d left (%v)", n, id, err)
			}
			if n, err := db.Client.PipelineVariable.Query().Where(pipelinevariable.PipelineID(int(id))).Count(ctx); err != nil || n != 0 {
				t.Errorf("%d variables of pipeline %d left (%v)", n, id, err)
			}
			if _, res, err := alice.GetPipeline(f.projectID, id); !errors.Is(err, gitlab.ErrNotFound) || res.StatusCode != http.StatusNotFound {
				t.Errorf("Get after Delete = %v", err)
			}
			if n, err := db.Client.AuditEvent.Query().Where(auditevent.Action("pipeline.deleted"), auditevent.TargetID(int(id))).Count(ctx); err != nil || n != 1 {
				t.Errorf("%d pipeline.deleted audit events (%v), want 1", n, err)
			}
		})
	})
}

// TestPipelinesAPIRefusals: bad input and missing permissions answer
// GitLab's status and body, and write nothing.
func TestPipelinesAPIRefusals(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		f := trgSetup(t, db)
		p, _, err := f.paClient(t, "dave").CreatePipeline(f.projectID, &gitlab.CreatePipelineOptions{Ref: gitlab.Ptr("main")})
		if err != nil {
			t.Fatal(err)
		}
		done, _, err := f.paClient(t, "dave").CreatePipeline(f.projectID, &gitlab.CreatePipelineOptions{Ref: gitlab.Ptr("main")})
		if err == nil {
			_, _, err = f.paClient(t, "dave").CancelPipelineBuild(f.projectID, done.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		other := f.trgCreateProject(t, "olga", "olga/private")
		path := func(suffix string) string { return fmt.Sprintf("/api/v4/projects/%d%s", f.projectID, suffix) }
		one := path(fmt.Sprintf("/pipelines/%d", p.ID))
		json := func(s string) trgBody { return trgBody{"application/json", s} }
		const (
			projectNotFound = `{"message":"404 Project Not Found"}`
			notFound        = `{"message":"404 Not found"}`
			forbidden       = `{"message":"403 Forbidden"}`
		)
		for _, tc := range []struct {
			name, user, method, path string
			body                     trgBody
			status                   int
			want                     string
		}{
			{"anonymous", "", "GET", path("/pipelines"), trgBody{}, 401, `{"message":"401 Unauthorized"}`},
			{"non-member lists", "olga", "GET", path("/pipelines"), trgBody{}, 404, projectNotFound},
			{"non-member gets", "olga", "GET", one, trgBody{}, 404, projectNotFound},
			{"non-member, bad pipeline id", "olga", "GET", path("/pipelines/abc"), trgBody{}, 404, projectNotFound},
			{"non-member creates", "olga", "POST", path("/pipeline"), json(`{}`), 404, projectNotFound},
			{"unknown project", "alice", "GET", "/api/v4/projects/grp%2Fnope/pipelines", trgBody{}, 404, projectNotFound},
			{"pipeline of another project", "olga", "GET", fmt.Sprintf("/api/v4/projects/%d/pipelines/%d", other, p.ID), trgBody{}, 404, notFound},
			{"unknown pipeline", "rita", "GET", path("/pipelines/999999"), trgBody{}, 404, notFound},
			{"unknown pipeline's variables", "rita", "GET", path("/pipelines/999999/variables"), trgBody{}, 404, notFound},
			{"non-numeric pipeline id", "rita", "GET", path("/pipelines/abc"), trgBody{}, 400, `{"error":"pipeline_id is invalid"}`},
			{"no latest pipeline", "rita", "GET", path("/pipelines/latest?ref=nope"), trgBody{}, 404, notFound},
			{"bad scope", "rita", "GET", path("/pipelines?scope=all"), trgBody{}, 400, `{"error":"scope does not have a valid value"}`},
			{"bad status", "rita", "GET", path("/pipelines?status=done"), trgBody{}, 400, `{"error":"status does not have a valid value"}`},
			{"bad source", "rita", "GET", path("/pipelines?source=push%00"), trgBody{}, 400, `{"error":"parameters must be valid UTF-8 without NUL characters"}`},
			{"bad order_by", "rita", "GET", path("/pipelines?order_by=name"), trgBody{}, 400, `{"error":"order_by does not have a valid value"}`},
			{"bad sort", "rita", "GET", path("/pipelines?sort=up"), trgBody{}, 400, `{"error":"sort does not have a valid value"}`},
			{"bad date", "rita", "GET", path("/pipelines?updated_after=yesterday"), trgBody{}, 400, `{"error":"updated_after is invalid"}`},
			{"bad page", "rita", "GET", path("/pipelines?page=0"), trgBody{}, 400, `{"error":"page is invalid"}`},
			{"Reporter creates", "rita", "POST", path("/pipeline"), json(`{"ref":"main"}`), 403, forbidden},
			{"Reporter cancels", "rita", "POST", one + "/cancel", trgBody{}, 403, forbidden},
			{"Reporter retries", "rita", "POST", path(fmt.Sprintf("/pipelines/%d/retry", done.ID)), trgBody{}, 403, forbidden},
			{"Maintainer deletes", "bob", "DELETE", one, trgBody{}, 403, forbidden},
			{"Developer deletes", "dave", "DELETE", one, trgBody{}, 403, forbidden},
			{"delete, bad pipeline id", "alice", "DELETE", path("/pipelines/1e3"), trgBody{}, 400, `{"error":"pipeline_id is invalid"}`},
			{"delete unknown pipeline", "alice", "DELETE", path("/pipelines/999999"), trgBody{}, 404, notFound},
			{"cancel a finished pipeline", "dave", "POST", path(fmt.Sprintf("/pipelines/%d/cancel", done.ID)), trgBody{}, 409, `already canceled`},
			{"retry a created pipeline", "dave", "POST", one + "/retry", trgBody{}, 409, `only failed or canceled`},
			{"create without ref", "dave", "POST", path("/pipeline"), json(`{}`), 400, `{"error":"ref is missing"}`},
			{"create with a blank ref", "dave", "POST", path("/pipeline"), json(`{"ref":""}`), 400, `{"error":"ref is empty"}`},
			{"create on an unknown ref", "dave", "POST", path("/pipeline"), json(`{"ref":"nope"}`), 400, `{"message":{"base":["Reference not found"]}}`},
			{"variables not an array", "dave", "POST", path("/pipeline"), json(`{"ref":"main","variables":"A=1"}`), 400, `{"error":"variables is invalid"}`},
			{"variable not an object", "dave", "POST", path("/pipeline"), json(`{"ref":"main","variables":["A"]}`), 400, `{"error":"variables is invalid"}`},
			{"variable value an object", "dave", "POST", path("/pipeline"), json(`{"ref":"main","variables":[{"key":"A","value":{}}]}`), 400, `{"error":"variables is invalid"}`},
			{"bad variable_type", "dave", "POST", path("/pipeline"), json(`{"ref":"main","variables":[{"key":"A","value":"1","variable_type":"secret"}]}`), 400, `{"error":"variables[variable_type] does not have a valid value"}`},
			{"bad variable key", "dave", "POST", path("/pipeline"), trgBody{"application/x-www-form-urlencoded", "ref=main&variables[][key]=1A&variables[][value]=x"}, 400, `is not a valid variable name`},
			{"duplicate variable key", "dave", "POST", path("/pipeline"), json(`{"ref":"main","variables":[{"key":"A","value":"1"},{"key":"A","value":"2"}]}`), 400, `A is given more than once`},
			{"wait out of range", "dave", "POST", path("/pipeline?wait=-1"), json(`{"ref":"main"}`), 400, `{"error":"wait does not have a valid value`},
			{"wait not a number", "dave", "POST", path("/pipeline"), json(`{"ref":"main","wait":"soon"}`), 400, `{"error":"wait is invalid"}`},
			{"malformed JSON", "dave", "POST", path("/pipeline"), json(`{"ref":`), 400, `{"error":"body is not valid JSON"}`},
			{"oversized body", "dave", "POST", path("/pipeline"), json(`{"ref":"main","x":"` + strings.Repeat("a", 1<<20) + `"}`), 413, `{"message":"413 Request Entity Too Large"}`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := f.paCounts(t)
				res := f.trgREST(t, tc.user, tc.method, tc.path, tc.body)
				if res.status != tc.status || !strings.Contains(res.body, tc.want) {
					t.Errorf("%s %s as %q = %d %s, want %d with %s", tc.method, tc.path, tc.user, res.status, truncate(res.body), tc.status, tc.want)
				}
				if after := f.paCounts(t); after != before {
					t.Errorf("wrote rows: %s → %s", before, after)
				}
			})
		}
		if row := f.paRow(t, p.ID); row.Status != "created" {
			t.Errorf("a refused request changed pipeline %d to %s", p.ID, row.Status)
		}
	})
}

// TestPipelinesListStatements: the list costs the same SQL statements for
// 2 pipelines as for 12 (SPEC §10).
func TestPipelinesListStatements(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		counting, statements := countStatements(t, db)
		e := newTPEnv(t, db, counting)
		create := func(n int) {
			for range n {
				e.tpGQL(t, e.pat, `mutation { pipelineCreate(input: {projectPath: "grp/app", ref: "main"}) { errors } }`)
			}
		}
		list := func(want int) int64 {
			before := statements.Load()
			res := e.send(t, "GET", fmt.Sprintf("/api/v4/projects/%d/pipelines?per_page=100", e.project.ID), "", map[string]string{"PRIVATE-TOKEN": e.pat})
			if res.status != http.StatusOK || res.header.Get("X-Total") != strconv.Itoa(want) {
				t.Fatalf("list = %d (X-Total %s) %s", res.status, res.header.Get("X-Total"), truncate(res.body))
			}
			return statements.Load() - before
		}
		create(2)
		few := list(2)
		create(10)
		if many := list(12); many != few || many > 6 {
			t.Errorf("listing 12 pipelines took %d statements, 2 took %d; want the same, at most 6 (authentication included)", many, few)
		}
		t.Logf("%d statements per list", few)
	})
}

// TestTriggerAndHookListStatements: GitLab's trigger token and hook
// listings cost the same few statements for 2 rows as for 40: the viewer's
// membership is read once for every row's "may they see the full token".
func TestTriggerAndHookListStatements(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		counting, statements := countStatements(t, db)
		e := newTPEnv(t, db, counting)
		for _, list := range []struct{ path, create string }{
			{"triggers", `mutation { pipelineTriggerCreate(input: {projectPath: "grp/app", description: "t"}) { errors } }`},
			{"hooks", `mutation { webhookCreate(input: {projectPath: "grp/app", url: "https://hooks.example.com/"}) { errors } }`},
		} {
			count := func(want int) int64 {
				before := statements.Load()
				res := e.send(t, "GET", fmt.Sprintf("/api/v4/projects/%d/%s?per_page=100", e.project.ID, list.path), "", map[string]string{"PRIVATE-TOKEN": e.pat})
				if res.status != http.StatusOK || res.header.Get("X-Total") != strconv.Itoa(want) {
					t.Fatalf("GET %s = %d (X-Total %s) %s", list.path, res.status, res.header.Get("X-Total"), truncate(res.body))
				}
				return statements.Load() - before
			}
			for range 2 {
				e.tpGQL(t, e.pat, list.create)
			}
			few := count(2)
			for range 38 {
				e.tpGQL(t, e.pat, list.create)
			}
			// 7: the personal access token and its user are 2 of them.
			if many := count(40); many != few || many > 7 {
				t.Errorf("listing 40 %s took %d statements, 2 took %d; want the same, at most 7 (authentication included)", list.path, many, few)
			}
			t.Logf("%s: %d statements per list", list.path, few)
		}
	})
}

// TestPipelineDeleteKeepsDownstream: deleting a pipeline leaves the
// pipelines it started, without their upstream link (ON DELETE SET NULL).
func TestPipelineDeleteKeepsDownstream(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		f := trgSetup(t, db)
		up, _, err := f.paClient(t, "dave").CreatePipeline(f.projectID, &gitlab.CreatePipelineOptions{Ref: gitlab.Ptr("main")})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		down, err := db.Client.Pipeline.Create().SetProjectID(f.projectID).SetIid(1000).SetRef("main").
			SetSource(pipeline.SourcePipeline).SetUpstreamID(int(up.ID)).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := f.paClient(t, "alice").DeletePipeline(f.projectID, up.ID); err != nil || res.StatusCode != http.StatusNoContent {
			t.Fatalf("DeletePipeline = %v, %v", res, err)
		}
		if row := f.paRow(t, int64(down.ID)); row.UpstreamID != nil {
			t.Errorf("downstream pipeline's upstream_id = %d, want NULL", *row.UpstreamID)
		}
	})
}
