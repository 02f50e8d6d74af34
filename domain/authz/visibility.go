package authz

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/ent/personalaccesstoken"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
	"github.com/kickoff-ci/kickoff/ent/projectmember"
	"github.com/kickoff-ci/kickoff/ent/ref"
	"github.com/kickoff-ci/kickoff/ent/runner"
	"github.com/kickoff-ci/kickoff/ent/webhook"
	"github.com/kickoff-ci/kickoff/ent/webhookdelivery"
)

// Visibility is the read side of CanSeeNode written once as SQL: while a
// context carries WithVisibility, every ent query run with it — lists,
// counts, edges, eager loads and node lookups alike — returns only the rows
// its viewer could fetch by node(id:). The GraphQL layer marks every field it
// resolves, so an object reached through any edge (a pipeline's upstream in
// another project, a trigger seen from a pipeline) is authorized exactly as
// if fetched directly, and a connection's totalCount agrees with its items.
//
// Domain actions run unmarked: they load what they need and decide with
// Authorize, which tells "not found" from "forbidden".
type visibilityKey struct{}

// WithVisibility returns ctx with row filtering on for the viewer in it.
func WithVisibility(ctx context.Context) context.Context {
	return context.WithValue(ctx, visibilityKey{}, true)
}

// withoutVisibility turns filtering off for authz's own lookups (a viewer's
// membership row, say), which must see the facts they decide on.
func withoutVisibility(ctx context.Context) context.Context {
	if ctx.Value(visibilityKey{}) == nil {
		return ctx
	}
	return context.WithValue(ctx, visibilityKey{}, nil)
}

// WithoutVisibility turns filtering off for domain code that must see rows
// whatever the viewer may see, having authorized what it does with them
// (the webhook outbox reads every hook of a Developer's pipeline's project).
func WithoutVisibility(ctx context.Context) context.Context { return withoutVisibility(ctx) }

// VisibilityInterceptor returns the ent interceptor that applies the filter;
// register it once on the client that serves GraphQL.
func VisibilityInterceptor() ent.Interceptor {
	return ent.TraverseFunc(func(ctx context.Context, q ent.Query) error {
		if ctx.Value(visibilityKey{}) != true {
			return nil
		}
		restrict(q, UserFrom(ctx))
		return nil
	})
}

// restrict narrows q to what u may see, type by type as CanSeeNode decides.
// Admins see everything; anonymous and blocked viewers see nothing.
func restrict(q ent.Query, u *ent.User) {
	if u != nil && u.Admin {
		return
	}
	reporter, maintainer := memberOf(u, kickoff.Reporter), memberOf(u, kickoff.Maintainer)
	switch q := q.(type) {
	case *ent.ProjectQuery:
		q.Where(VisibleProjects(u))
	case *ent.RefQuery:
		q.Where(func(s *sql.Selector) { s.Where(reporter(s.C(ref.FieldProjectID))) })
	case *ent.ProjectMemberQuery:
		q.Where(func(s *sql.Selector) { s.Where(reporter(s.C(projectmember.FieldProjectID))) })
	case *ent.PipelineQuery:
		q.Where(func(s *sql.Selector) { s.Where(reporter(s.C(pipeline.FieldProjectID))) })
	case *ent.PipelineTriggerQuery:
		q.Where(pipelinetrigger.RevokedAtIsNil(),
			func(s *sql.Selector) { s.Where(maintainer(s.C(pipelinetrigger.FieldProjectID))) })
	case *ent.RunnerQuery:
		q.Where(func(s *sql.Selector) { s.Where(maintainer(s.C(runner.FieldProjectID))) })
	case *ent.AuditEventQuery:
		q.Where(func(s *sql.Selector) { s.Where(maintainer(s.C(auditevent.FieldProjectID))) })
	case *ent.WebhookQuery:
		q.Where(func(s *sql.Selector) { s.Where(maintainer(s.C(webhook.FieldProjectID))) })
	case *ent.WebhookDeliveryQuery:
		q.Where(func(s *sql.Selector) {
			hooks := sql.Select(webhook.FieldID).From(sql.Table(webhook.Table)).Where(maintainer(webhook.FieldProjectID))
			s.Where(sql.In(s.C(webhookdelivery.FieldWebhookID), hooks))
		})
	case *ent.PersonalAccessTokenQuery: // ManagesTokensOf; admins returned above
		if u == nil {
			q.Where(func(s *sql.Selector) { s.Where(sql.False()) })
		} else {
			q.Where(personalaccesstoken.UserID(u.ID))
		}
	case *ent.UserQuery:
		if u == nil { // user basics are for signed-in viewers
			q.Where(func(s *sql.Selector) { s.Where(sql.False()) })
		}
	}
	// Pipeline variables, idempotency records and job token allowlist entries
	// are never GraphQL nodes (allowlists are shown as their projects):
	// resolvers that read them have already authorized their pipeline or project.
}

// memberOf returns a predicate builder: column IN (projects where u is a
// member at level or above). A NULL column (instance runners, instance
// audit events) never matches, which is right for non-admins.
func memberOf(u *ent.User, level kickoff.AccessLevel) func(column string) *sql.Predicate {
	return func(column string) *sql.Predicate {
		if u == nil {
			return sql.False()
		}
		members := sql.Select(projectmember.FieldProjectID).From(sql.Table(projectmember.Table)).
			Where(sql.And(
				sql.EQ(projectmember.FieldUserID, u.ID),
				sql.GTE(projectmember.FieldAccessLevel, int(level)),
			))
		return sql.In(column, members)
	}
}
