package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Session is one web sign-in. The session cookie's JWT names it by "sid",
// and a token is honoured only while its row is open, so signing out (or
// out everywhere) ends a session on every replica at once.
type Session struct{ ent.Schema }

func (Session) Mixin() []ent.Mixin { return []ent.Mixin{createdAt{}} }

func (Session) Fields() []ent.Field {
	return []ent.Field{
		// sid is random and authenticates nothing without the signed JWT,
		// but it is kept out of logs anyway.
		field.String("sid").NotEmpty().MaxLen(64).Unique().Immutable().Sensitive(),
		field.Time("expires_at").Immutable(),
		field.Time("revoked_at").Optional().Nillable(),
		field.Int("user_id").Immutable(),
	}
}

func (Session) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("sessions").
			Field("user_id").Unique().Required().Immutable(),
	}
}

func (Session) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id"),
		// Expired sessions are deleted in bulk by expiry.
		index.Fields("expires_at"),
	}
}

func (Session) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
