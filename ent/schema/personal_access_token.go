package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// PersonalAccessToken lets scripts call the REST and GraphQL APIs as a user.
// Only the SHA-256 digest of the token is kept.
type PersonalAccessToken struct{ ent.Schema }

func (PersonalAccessToken) Mixin() []ent.Mixin { return []ent.Mixin{createdAt{}} }

func (PersonalAccessToken) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(255),
		field.Bytes("token_digest").Sensitive().Unique().Immutable().Annotations(entgql.Skip()),
		field.Time("expires_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
		field.Time("last_used_at").Optional().Nillable(),
		field.Int("user_id").Immutable().
			Annotations(entgql.Skip()),
	}
}

func (PersonalAccessToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("personal_access_tokens").
			Field("user_id").Unique().Required().Immutable(),
	}
}

func (PersonalAccessToken) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput)}
}
