package schema

import (
	"regexp"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"github.com/kickoff-ci/kickoff"
)

// fullPathPattern is SPEC §1's project path: lowercase segments joined by "/".
var fullPathPattern = regexp.MustCompile(`^[a-z0-9_.-]+(/[a-z0-9_.-]+)+$`)

// Project owns refs, trigger tokens, pipelines, members and runners.
type Project struct{ ent.Schema }

func (Project) Mixin() []ent.Mixin { return []ent.Mixin{timestamps{}} }

func (Project) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(255).
			Annotations(entgql.OrderField("NAME")),
		field.String("full_path").NotEmpty().MaxLen(255).Unique().
			Match(fullPathPattern).
			Annotations(entgql.OrderField("FULL_PATH")),
		field.String("description").Default("").MaxLen(2000),
		field.String("default_branch").Default("main").NotEmpty().MaxLen(255),
		// last_pipeline_iid is the per-project counter behind Pipeline.iid,
		// bumped in its own short transaction (gaps are allowed, duplicates not).
		field.Int("last_pipeline_iid").Default(0).NonNegative().
			Annotations(entgql.Skip()),
		// job_log_access_level is the lowest role that may read job logs
		// (authz.ReadJobLog): Maintainer, as for variable values, unless the
		// project opens them to Developers or Reporters.
		field.Int("job_log_access_level").GoType(kickoff.AccessLevel(0)).
			Default(int(kickoff.Maintainer)).
			Comment("The lowest role that may read this project's job logs (projectUpdate changes it).").
			Annotations(entgql.Type("AccessLevel"), entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
	}
}

func (Project) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("members", ProjectMember.Type).Annotations(entgql.Skip()),
		edge.To("refs", Ref.Type).Annotations(entgql.Skip()),
		edge.To("pipeline_triggers", PipelineTrigger.Type).Annotations(entgql.Skip()),
		edge.To("pipelines", Pipeline.Type).Annotations(entgql.Skip()),
		edge.To("runners", Runner.Type).Annotations(entgql.Skip()),
		edge.To("audit_events", AuditEvent.Type).Annotations(entgql.Skip()),
		edge.To("webhooks", Webhook.Type).Annotations(entgql.Skip()),
		// job_token_allowlist is this project's inbound allowlist;
		// job_token_allowed_in, the allowlists that name this project.
		edge.To("job_token_allowlist", JobTokenAllowlistEntry.Type).Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("job_token_allowed_in", JobTokenAllowlistEntry.Type).Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (Project) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
