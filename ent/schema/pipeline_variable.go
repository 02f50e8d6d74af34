package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// PipelineVariable is one CI variable stored with a pipeline (user-sent ones
// and TRIGGER_PAYLOAD). GraphQL shows a pipeline's variables merged with the
// predefined CI_ ones, values only to Maintainers, so the type is not exposed.
type PipelineVariable struct{ ent.Schema }

func (PipelineVariable) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").NotEmpty().MaxLen(255).Immutable(),
		field.Text("value").Sensitive().Immutable().Annotations(entgql.Skip()),
		// file variables are written to a temporary file by the runner.
		field.Bool("file").Default(false).Immutable(),
		// masked values are replaced by [MASKED] in the job log (GitLab's name).
		field.Bool("masked").Default(false).Immutable(),
		field.Int("pipeline_id").Immutable().
			Annotations(entgql.Skip()),
	}
}

func (PipelineVariable) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("pipeline", Pipeline.Type).Ref("variables").
			Field("pipeline_id").Unique().Required().Immutable().Annotations(entgql.Skip()),
	}
}

func (PipelineVariable) Indexes() []ent.Index {
	return []ent.Index{index.Fields("pipeline_id", "key").Unique()}
}

func (PipelineVariable) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
