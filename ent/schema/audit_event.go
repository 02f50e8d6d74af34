package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// AuditEvent records one security-relevant action: who, from where, on what,
// and whether it succeeded. Rows are append-only.
type AuditEvent struct{ ent.Schema }

func (AuditEvent) Mixin() []ent.Mixin { return []ent.Mixin{createdAt{}} }

func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		// action is a dotted name such as trigger.created or session.login_failed.
		field.String("action").NotEmpty().MaxLen(64).Immutable(),
		field.Enum("outcome").Values("SUCCESS", "FAILURE").Immutable(),
		field.String("reason").Default("").MaxLen(1024).Immutable(),
		// actor_token_kind and actor_short_token name the credential used; the
		// short token holds at most the first 8 characters, never the secret.
		field.String("actor_token_kind").Default("").MaxLen(32).Immutable(),
		field.String("actor_short_token").Default("").MaxLen(8).Immutable(),
		field.String("ip_address").Default("").MaxLen(64).Immutable(),
		field.String("user_agent").Default("").MaxLen(512).Immutable(),
		field.String("target_type").Default("").MaxLen(64).Immutable(),
		field.Int("target_id").Optional().Nillable().Immutable().
			Annotations(entgql.MapsTo("targetId")),
		field.Int("actor_user_id").Optional().Nillable().Immutable().
			Annotations(entgql.Skip()),
		field.Int("project_id").Optional().Nillable().Immutable().
			Annotations(entgql.Skip()),
	}
}

func (AuditEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("actor_user", User.Type).Ref("audit_events").
			Field("actor_user_id").Unique().Immutable(),
		edge.From("project", Project.Type).Ref("audit_events").
			Field("project_id").Unique().Immutable(),
	}
}

func (AuditEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("project_id", "created_at"),
		index.Fields("created_at"),
	}
}

func (AuditEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
