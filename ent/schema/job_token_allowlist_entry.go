package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// JobTokenAllowlistEntry lets job tokens of allowed_project start pipelines
// in project: one row of project's inbound CI/CD job token allowlist, as in
// GitLab (where project is the link's "source" and allowed_project its
// "target"). A project's own job tokens need no row.
type JobTokenAllowlistEntry struct{ ent.Schema }

func (JobTokenAllowlistEntry) Mixin() []ent.Mixin { return []ent.Mixin{createdAt{}} }

func (JobTokenAllowlistEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Int("project_id").Immutable(),
		field.Int("allowed_project_id").Immutable(),
		field.Int("created_by_id").Immutable(),
	}
}

func (JobTokenAllowlistEntry) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", Project.Type).Ref("job_token_allowlist").
			Field("project_id").Unique().Required().Immutable(),
		edge.From("allowed_project", Project.Type).Ref("job_token_allowed_in").
			Field("allowed_project_id").Unique().Required().Immutable(),
		edge.From("created_by", User.Type).Ref("job_token_allowlist_entries").
			Field("created_by_id").Unique().Required().Immutable(),
	}
}

func (JobTokenAllowlistEntry) Indexes() []ent.Index {
	return []ent.Index{
		// The job token check looks up exactly this pair.
		index.Fields("project_id", "allowed_project_id").Unique(),
		index.Fields("allowed_project_id"),
	}
}

// Annotations keep entries out of GraphQL: the API shows an allowlist as the
// projects it names (GitLab's ciJobTokenScope.inboundAllowlist).
func (JobTokenAllowlistEntry) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
