package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Runner executes pipelines. A runner without a project is an instance runner
// and may run any project's pipelines.
type Runner struct{ ent.Schema }

func (Runner) Mixin() []ent.Mixin { return []ent.Mixin{timestamps{}} }

func (Runner) Fields() []ent.Field {
	return []ent.Field{
		field.String("description").Default("").MaxLen(255),
		field.Bytes("token_digest").Sensitive().Unique().Annotations(entgql.Skip()),
		field.String("short_token").MaxLen(4).Annotations(entgql.Skip()),
		field.Time("contacted_at").Optional().Nillable(),
		field.Int("project_id").Optional().Nillable().Immutable().
			Annotations(entgql.Skip()),
		field.Int("creator_id").Optional().Nillable().Immutable().
			Annotations(entgql.Skip()),
	}
}

func (Runner) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", Project.Type).Ref("runners").
			Field("project_id").Unique().Immutable(),
		edge.From("creator", User.Type).Ref("created_runners").
			Field("creator_id").Unique().Immutable(),
		edge.To("pipelines", Pipeline.Type).Annotations(entgql.Skip()),
	}
}

func (Runner) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput)}
}
