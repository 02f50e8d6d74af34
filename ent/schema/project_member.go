package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/kickoff-ci/kickoff"
)

// ProjectMember gives a user an access level in a project.
type ProjectMember struct{ ent.Schema }

func (ProjectMember) Mixin() []ent.Mixin { return []ent.Mixin{timestamps{}} }

func (ProjectMember) Fields() []ent.Field {
	return []ent.Field{
		field.Int("access_level").GoType(kickoff.AccessLevel(0)).
			Annotations(entgql.Type("AccessLevel"), entgql.OrderField("ACCESS_LEVEL")),
		field.Int("project_id").Immutable().
			Annotations(entgql.Skip()),
		field.Int("user_id").Immutable().
			Annotations(entgql.Skip()),
	}
}

func (ProjectMember) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", Project.Type).Ref("members").
			Field("project_id").Unique().Required().Immutable(),
		edge.From("user", User.Type).Ref("memberships").
			Field("user_id").Unique().Required().Immutable(),
	}
}

func (ProjectMember) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("project_id", "user_id").Unique(),
		index.Fields("user_id"),
	}
}

func (ProjectMember) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput)}
}
