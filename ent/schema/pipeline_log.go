package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// PipelineLog is the head of a pipeline's job log: how far the runner's
// stream got and how much of it is stored. The text is in PipelineLogChunk
// rows; GraphQL reads it through Pipeline.log, so the type is not exposed.
type PipelineLog struct{ ent.Schema }

func (PipelineLog) Fields() []ent.Field {
	return []ent.Field{
		field.Int("pipeline_id").Unique().Immutable(),
		// received counts the bytes the runner sent: its Content-Range
		// offsets, so a retried chunk is recognized and stored once.
		field.Int64("received").Default(0).NonNegative(),
		// size counts the stored bytes, after masking and the cap.
		field.Int64("size").Default(0).NonNegative(),
		// pending is the received tail not stored yet because a masked
		// value may continue in the next chunk.
		field.Bytes("pending").Optional().Sensitive(),
		// truncated is set once the log reached its cap.
		field.Bool("truncated").Default(false),
		field.Time("updated_at").Default(now).UpdateDefault(now),
	}
}

func (PipelineLog) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("pipeline", Pipeline.Type).Ref("log").
			Field("pipeline_id").Unique().Required().Immutable(),
	}
}

func (PipelineLog) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// PipelineLogChunk is one stored piece of a job log, starting at offset.
type PipelineLogChunk struct{ ent.Schema }

func (PipelineLogChunk) Fields() []ent.Field {
	return []ent.Field{
		field.Int("pipeline_id").Immutable(),
		field.Int64("offset").NonNegative().Immutable(),
		field.Bytes("data").Immutable(),
	}
}

func (PipelineLogChunk) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("pipeline", Pipeline.Type).Ref("log_chunks").
			Field("pipeline_id").Unique().Required().Immutable(),
	}
}

func (PipelineLogChunk) Indexes() []ent.Index {
	return []ent.Index{index.Fields("pipeline_id", "offset").Unique()}
}

func (PipelineLogChunk) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
