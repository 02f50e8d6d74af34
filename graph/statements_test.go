package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/services/servicestest"
)

// countingClient is an ent client on db that counts the SQL statements it sends.
func countingClient(db *database.DB) (*ent.Client, *atomic.Int64) {
	statements := new(atomic.Int64)
	return ent.NewClient(ent.Driver(dialect.DebugWithContext(entsql.OpenDB(db.Dialect, db.SQL),
		func(context.Context, ...any) { statements.Add(1) }))), statements
}

// pipelinesQuery is SPEC §10's dashboard query.
const pipelinesQuery = `{ project(fullPath: "stmt/proj") { pipelines(first: 100) { nodes {
  iid status ref source createdAt trigger { description owner { username } } user { username } } } } }`

// TestPipelineListStatementsDoNotGrow pins the number of SQL statements the
// dashboard query issues: eager loading must keep it flat as pipelines grow.
func TestPipelineListStatementsDoNotGrow(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		counted, statements := countingClient(db)
		admin, trigger, proj := seed(t, db.Client)
		srv := newGraphServer(t, counted, admin)

		var counts []int64
		for _, n := range []int{5, 40} {
			addPipelines(t, db.Client, proj, trigger, admin, n)
			statements.Store(0)
			body := post(t, srv.URL, pipelinesQuery)
			if got := strings.Count(body, `"iid"`); got < n {
				t.Fatalf("got %d pipelines, want at least %d: %.300s", got, n, body)
			}
			counts = append(counts, statements.Load())
		}
		t.Logf("SQL statements: %v", counts)
		if counts[0] != counts[1] || counts[1] > 6 {
			t.Fatalf("SQL statements for 5 then 45 pipelines = %v; want the same number, at most 6", counts)
		}
	})
}

// TestJobTokenAllowlistStatementsDoNotGrow pins the statements of the web
// app's Job token permissions list as the allowlist grows.
func TestJobTokenAllowlistStatementsDoNotGrow(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		counted, statements := countingClient(db)
		admin, _, proj := seed(t, db.Client)
		srv := newGraphServer(t, counted, admin)
		const query = `{ project(fullPath: "stmt/proj") { ciJobTokenScope { inboundAllowlist(first: 100) {
		  totalCount nodes { id name fullPath } } } } }`

		var counts []int64
		for _, n := range []int{5, 40} {
			ctx := context.Background()
			for i := range n {
				allowed := db.Client.Project.Create().SetName("p").SetFullPath(fmt.Sprintf("stmt/p%d-%d", n, i)).SaveX(ctx)
				db.Client.JobTokenAllowlistEntry.Create().SetProjectID(proj.ID).SetAllowedProjectID(allowed.ID).SetCreatedByID(admin.ID).ExecX(ctx)
			}
			statements.Store(0)
			if got := strings.Count(post(t, srv.URL, query), `"fullPath"`); got < n+1 {
				t.Fatalf("got %d projects, want at least %d", got, n+1)
			}
			counts = append(counts, statements.Load())
		}
		t.Logf("SQL statements: %v", counts)
		if counts[0] != counts[1] || counts[1] > 6 {
			t.Fatalf("SQL statements for allowlists of 5 then 45 = %v; want the same number, at most 6", counts)
		}
	})
}

func seed(t *testing.T, c *ent.Client) (*ent.User, *ent.PipelineTrigger, *ent.Project) {
	t.Helper()
	ctx := context.Background()
	u := c.User.Create().SetUsername("stmt").SetEmail("stmt@example.com").SetPasswordHash("x").SetAdmin(true).SaveX(ctx)
	p := c.Project.Create().SetName("proj").SetFullPath("stmt/proj").SaveX(ctx)
	c.ProjectMember.Create().SetProjectID(p.ID).SetUserID(u.ID).SetAccessLevel(kickoff.Owner).ExecX(ctx)
	tr := c.PipelineTrigger.Create().SetProjectID(p.ID).SetOwnerID(u.ID).SetDescription("ci").
		SetTokenDigest([]byte("digest")).SetTokenSealed([]byte("sealed")).SetShortToken("abcd").SaveX(ctx)
	return u, tr, p
}

func addPipelines(t *testing.T, c *ent.Client, p *ent.Project, tr *ent.PipelineTrigger, u *ent.User, n int) {
	t.Helper()
	start, err := c.Pipeline.Query().Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	builders := make([]*ent.PipelineCreate, n)
	for i := range builders {
		builders[i] = c.Pipeline.Create().SetProjectID(p.ID).SetIid(start + i + 1).SetRef("main").
			SetSource("trigger").SetTriggerID(tr.ID).SetUserID(u.ID)
	}
	c.Pipeline.CreateBulk(builders...).ExecX(context.Background())
}

func newGraphServer(t *testing.T, client *ent.Client, viewer *ent.User) *httptest.Server {
	t.Helper()
	h := servicestest.New(t, client).GraphQL(slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(authz.WithViewer(r.Context(), &authz.Viewer{User: viewer})))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func post(t *testing.T, url, query string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"query": query})
	res, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	if res.StatusCode != http.StatusOK || strings.Contains(buf.String(), `"errors"`) {
		t.Fatalf("query failed: %d %s", res.StatusCode, buf.String())
	}
	return buf.String()
}
