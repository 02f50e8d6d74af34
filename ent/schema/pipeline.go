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

// zeroSHA is GitLab's before_sha for pipelines that have no previous commit.
const zeroSHA = "0000000000000000000000000000000000000000"

// Pipeline is a request for work on a ref, picked up by a runner.
type Pipeline struct{ ent.Schema }

func (Pipeline) Mixin() []ent.Mixin { return []ent.Mixin{timestamps{}} }

func (Pipeline) Fields() []ent.Field {
	return []ent.Field{
		field.Int("iid").Positive().Immutable().
			Annotations(entgql.OrderField("IID")),
		field.String("ref").NotEmpty().MaxLen(255).Immutable(),
		field.String("sha").Optional().Nillable().Immutable().Match(shaPattern),
		field.String("before_sha").Default(zeroSHA).Immutable(),
		field.Bool("tag").Default(false).Immutable(),
		field.Enum("status").GoType(kickoff.StatusCreated).Default(string(kickoff.StatusCreated)).
			Annotations(entgql.Type("PipelineStatusEnum"), entgql.Skip(entgql.SkipEnumField)),
		field.Enum("source").Values("trigger", "pipeline", "web", "api", "schedule").Immutable(),
		field.String("failure_reason").Optional().Nillable(),
		// trigger_short_token names the trigger even after it is revoked.
		field.String("trigger_short_token").Optional().Nillable().Immutable().MaxLen(4),
		// job_token_digest authenticates the runner's updates while it runs.
		field.Bytes("job_token_digest").Sensitive().Optional().Nillable().Unique().Annotations(entgql.Skip()),
		field.Time("started_at").Optional().Nillable(),
		field.Time("finished_at").Optional().Nillable(),
		field.Time("claimed_at").Optional().Nillable().Annotations(entgql.Skip()),
		field.Int("project_id").Immutable().
			Annotations(entgql.Skip()),
		field.Int("trigger_id").Optional().Nillable().Immutable().
			Annotations(entgql.Skip()),
		field.Int("user_id").Optional().Nillable().Immutable().
			Annotations(entgql.Skip()),
		field.Int("upstream_id").Optional().Nillable().Immutable().
			Annotations(entgql.Skip()),
		field.Int("runner_id").Optional().Nillable().
			Annotations(entgql.Skip()),
	}
}

func (Pipeline) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", Project.Type).Ref("pipelines").
			Field("project_id").Unique().Required().Immutable(),
		edge.From("trigger", PipelineTrigger.Type).Ref("pipelines").
			Field("trigger_id").Unique().Immutable(),
		edge.From("user", User.Type).Ref("pipelines").
			Field("user_id").Unique().Immutable(),
		edge.To("downstream", Pipeline.Type).
			Annotations(entgql.RelayConnection()).
			From("upstream").Field("upstream_id").Unique().Immutable(),
		edge.From("runner", Runner.Type).Ref("pipelines").
			Field("runner_id").Unique().Annotations(entgql.Skip()),
		edge.To("variables", PipelineVariable.Type).Annotations(entgql.Skip()),
		edge.To("log", PipelineLog.Type).Unique().Annotations(entgql.Skip()),
		edge.To("log_chunks", PipelineLogChunk.Type).Annotations(entgql.Skip()),
	}
}

func (Pipeline) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("project_id", "iid").Unique(),
		index.Fields("project_id", "status", "created_at"),
		index.Fields("project_id", "updated_at"),
		// The runner queue: oldest created pipeline first.
		index.Fields("status", "created_at"),
		// A trigger's rateLimitPerMinute counts its pipelines of the last minute.
		index.Fields("trigger_id", "created_at"),
		index.Fields("upstream_id"),
	}
}

func (Pipeline) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
