package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// User is a person who signs in, owns trigger tokens and belongs to projects.
type User struct{ ent.Schema }

func (User) Mixin() []ent.Mixin { return []ent.Mixin{timestamps{}} }

func (User) Fields() []ent.Field {
	return []ent.Field{
		// Usernames are stored in lower case: they are unique regardless of case.
		field.String("username").NotEmpty().MaxLen(255).Unique().
			Annotations(entgql.OrderField("USERNAME")),
		field.String("name").Default("").MaxLen(255),
		field.String("email").MaxLen(255).Unique().
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("password_hash").Sensitive().Annotations(entgql.Skip()),
		field.Bool("admin").Default(false),
		field.Enum("state").Values("active", "blocked").Default("active"),
	}
}

func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("memberships", ProjectMember.Type).Annotations(entgql.Skip()),
		edge.To("personal_access_tokens", PersonalAccessToken.Type).Annotations(entgql.Skip()),
		edge.To("sessions", Session.Type).Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("owned_triggers", PipelineTrigger.Type).Annotations(entgql.Skip()),
		edge.To("pipelines", Pipeline.Type).Annotations(entgql.Skip()),
		edge.To("created_runners", Runner.Type).Annotations(entgql.Skip()),
		edge.To("created_webhooks", Webhook.Type).Annotations(entgql.Skip()),
		edge.To("audit_events", AuditEvent.Type).Annotations(entgql.Skip()),
		edge.To("job_token_allowlist_entries", JobTokenAllowlistEntry.Type).Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (User) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput)}
}
