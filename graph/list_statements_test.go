package graph_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/ent/webhookdelivery"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// webAppLists are the connections the web app loads, asked as its pages
// ask them (frontend/src), with how to add n more rows to each.
var webAppLists = []struct {
	name, query, marker string
	add                 func(t *testing.T, c *ent.Client, p *ent.Project, owner *ent.User, n int)
}{
	{"trigger tokens", `{ project(fullPath: "stmt/proj") { id pipelineTriggers(first: 100) { totalCount nodes {
		id description token hasTokenExposed canAccessProject expired expiresAt lastUsed createdAt owner { id username name } } } } }`,
		`"description"`, func(t *testing.T, c *ent.Client, p *ent.Project, owner *ent.User, n int) {
			for i := range n {
				u := newMember(t, c, p, fmt.Sprintf("owner-%d-%d", n, i), kickoff.Maintainer)
				c.PipelineTrigger.Create().SetProjectID(p.ID).SetOwnerID(u.ID).SetDescription("t").
					SetTokenDigest([]byte(fmt.Sprintf("d-%d-%d", n, i))).SetTokenSealed([]byte("s")).SetShortToken("abcd").ExecX(context.Background())
			}
		}},
	{"members", `{ project(fullPath: "stmt/proj") { id members(first: 100, orderBy: {field: ACCESS_LEVEL, direction: DESC}) {
		totalCount nodes { id accessLevel user { id username name } } } } }`,
		`"accessLevel"`, func(t *testing.T, c *ent.Client, p *ent.Project, owner *ent.User, n int) {
			for i := range n {
				newMember(t, c, p, fmt.Sprintf("member-%d-%d", n, i), kickoff.Developer)
			}
		}},
	{"runners", `{ project(fullPath: "stmt/proj") { id runners(first: 100) { totalCount nodes {
		id description shortSha runnerType contactedAt createdAt creator { id username } } } } }`,
		`"shortSha"`, func(t *testing.T, c *ent.Client, p *ent.Project, owner *ent.User, n int) {
			for i := range n {
				c.Runner.Create().SetProjectID(p.ID).SetCreatorID(owner.ID).SetTokenDigest([]byte(fmt.Sprintf("r-%d-%d", n, i))).
					SetShortToken("abcd").ExecX(context.Background())
			}
		}},
	{"refs", `{ project(fullPath: "stmt/proj") { id refs(first: 100) { totalCount nodes { id name type sha } } } }`,
		`"type"`, func(t *testing.T, c *ent.Client, p *ent.Project, owner *ent.User, n int) {
			for i := range n {
				c.Ref.Create().SetProjectID(p.ID).SetName(fmt.Sprintf("b-%d-%d", n, i)).SetType(kickoff.RefBranch).ExecX(context.Background())
			}
		}},
	{"audit events", `{ project(fullPath: "stmt/proj") { id auditEvents(first: 100) { pageInfo { hasNextPage endCursor } nodes {
		id createdAt action outcome reason actorTokenKind actorShortToken ipAddress userAgent targetType targetId actorUser { id username } } } } }`,
		`"action"`, func(t *testing.T, c *ent.Client, p *ent.Project, owner *ent.User, n int) {
			for i := range n {
				u := newMember(t, c, p, fmt.Sprintf("actor-%d-%d", n, i), kickoff.Reporter)
				c.AuditEvent.Create().SetAction("test").SetOutcome(auditevent.OutcomeSUCCESS).SetProjectID(p.ID).SetActorUserID(u.ID).ExecX(context.Background())
			}
		}},
	{"webhooks", `{ project(fullPath: "stmt/proj") { id webhooks(first: 100) { totalCount nodes { id name description url pipelineEvents
		enableSslVerification statuses refGlobs customHeaderNames executable hasToken disabledAt disabledReason createdAt deliveries(first: 1) { totalCount } } } } }`,
		`"pipelineEvents"`, func(t *testing.T, c *ent.Client, p *ent.Project, owner *ent.User, n int) {
			for i := range n {
				c.Webhook.Create().SetUUID(fmt.Sprintf("h-%d-%d", n, i)).SetProjectID(p.ID).SetCreatorID(owner.ID).SetURL("https://example.com/").
					SetURLSealed([]byte("x")).SetSigningSecretSealed([]byte("x")).ExecX(context.Background())
			}
		}},
	{"projects", `{ projects(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { node { id name fullPath description } } } }`,
		`"fullPath"`, func(t *testing.T, c *ent.Client, p *ent.Project, viewer *ent.User, n int) {
			for i := range n {
				q := c.Project.Create().SetName("p").SetFullPath(fmt.Sprintf("stmt/p-%d-%d", n, i)).SaveX(context.Background())
				c.ProjectMember.Create().SetProjectID(q.ID).SetUserID(viewer.ID).SetAccessLevel(kickoff.Reporter).ExecX(context.Background())
			}
		}},
	{"personal access tokens", `{ currentUser { id personalAccessTokens(first: 100) { nodes { id name createdAt expiresAt lastUsedAt } } } }`,
		`"lastUsedAt"`, func(t *testing.T, c *ent.Client, p *ent.Project, viewer *ent.User, n int) {
			for i := range n {
				c.PersonalAccessToken.Create().SetUserID(viewer.ID).SetName("t").SetTokenDigest([]byte(fmt.Sprintf("p-%d-%d", n, i))).ExecX(context.Background())
			}
		}},
	{"webhook deliveries", `{ node(id: "gid://kickoff/Webhook/1") { ... on Webhook { id deliveries(first: 100, orderBy: {field: CREATED_AT, direction: DESC}) {
		totalCount nodes { id uuid kind status state attempts lastAttemptAt responseStatus responseBody error durationMs createdAt requestHeaders { key value } } } } } }`,
		`"uuid"`, func(t *testing.T, c *ent.Client, p *ent.Project, viewer *ent.User, n int) {
			ctx := context.Background()
			h, err := c.Webhook.Query().First(ctx)
			if ent.IsNotFound(err) {
				h = c.Webhook.Create().SetUUID("hook").SetProjectID(p.ID).SetCreatorID(viewer.ID).SetURL("https://example.com/").
					SetURLSealed([]byte("x")).SetSigningSecretSealed([]byte("x")).SaveX(ctx)
			}
			for i := range n {
				c.WebhookDelivery.Create().SetUUID(fmt.Sprintf("d-%d-%d", n, i)).SetKind(webhookdelivery.KindPipeline).SetStatus("created").
					SetPayload([]byte("{}")).SetWebhookID(h.ID).SetRequestHeaders(map[string]string{"X-Gitlab-Event": "Pipeline Hook"}).ExecX(ctx)
			}
		}},
}

func newMember(t *testing.T, c *ent.Client, p *ent.Project, name string, level kickoff.AccessLevel) *ent.User {
	t.Helper()
	ctx := context.Background()
	u := c.User.Create().SetUsername(name).SetEmail(name + "@example.com").SetPasswordHash("x").SaveX(ctx)
	c.ProjectMember.Create().SetProjectID(p.ID).SetUserID(u.ID).SetAccessLevel(level).ExecX(ctx)
	return u
}

// TestWebAppListStatementsDoNotGrow pins the SQL statements of every list
// the web app loads, for a Maintainer (not an admin: the visibility rules
// apply): the same for 5 rows as for 100, and few.
func TestWebAppListStatementsDoNotGrow(t *testing.T) {
	for _, list := range webAppLists {
		t.Run(strings.ReplaceAll(list.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			dbtest.Run(t, func(t *testing.T, db *database.DB) {
				counted, statements := countingClient(db)
				_, _, proj := seed(t, db.Client)
				maintainer := newMember(t, db.Client, proj, "viewer", kickoff.Maintainer)
				srv := newGraphServer(t, counted, maintainer)
				var counts []int64
				for _, n := range []int{5, 95} {
					list.add(t, db.Client, proj, maintainer, n)
					statements.Store(0)
					if got := strings.Count(post(t, srv.URL, list.query), list.marker); got < n {
						t.Fatalf("got %d rows, want at least %d", got, n)
					}
					counts = append(counts, statements.Load())
				}
				t.Logf("SQL statements for 5, then 100 rows: %v", counts)
				if counts[0] != counts[1] || counts[1] > 6 {
					t.Fatalf("SQL statements for 5, then 100 rows = %v; want the same number, at most 6", counts)
				}
			})
		})
	}
}
