package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Webhook is a project hook: where Kickoff POSTs GitLab's Pipeline Hook
// when the project's pipelines change. Secrets (the URL, which may hold
// credentials, the X-Gitlab-Token, custom header values and the signing
// secrets) are stored sealed by the keyring, never in plain text.
type Webhook struct{ ent.Schema }

func (Webhook) Mixin() []ent.Mixin { return []ent.Mixin{timestamps{}} }

func (Webhook) Fields() []ent.Field {
	return []ent.Field{
		// uuid is X-Gitlab-Webhook-UUID, and the keyring's additional data
		// for this hook's sealed fields.
		field.String("uuid").Unique().Immutable().MaxLen(36),
		field.String("name").Default("").MaxRuneLen(255),
		field.String("description").Default("").MaxRuneLen(2000),
		field.Bytes("url_sealed").Sensitive().Annotations(entgql.Skip()),
		// url is the destination as shown: password and query values redacted.
		field.String("url").MaxLen(4096),
		field.Bytes("token_sealed").Sensitive().Optional().Nillable().Annotations(entgql.Skip()),
		field.Bytes("custom_headers_sealed").Sensitive().Optional().Nillable().Annotations(entgql.Skip()),
		// custom_header_names lists the custom headers; their values are write-only.
		field.Strings("custom_header_names").Optional(),
		field.Bytes("signing_secret_sealed").Sensitive().Annotations(entgql.Skip()),
		// previous_signing_secret_sealed still signs (a second signature)
		// until previous_signing_secret_expires_at, so receivers can roll over.
		field.Bytes("previous_signing_secret_sealed").Sensitive().Optional().Nillable().Annotations(entgql.Skip()),
		field.Time("previous_signing_secret_expires_at").Optional().Nillable().Annotations(entgql.Skip()),
		field.Bool("pipeline_events").Default(true),
		field.Bool("enable_ssl_verification").Default(true),
		// statuses and ref_globs are Kickoff's filters: empty sends all.
		field.Strings("statuses").Optional(),
		field.Strings("ref_globs").Optional(),
		// consecutive_failures counts final failures since the last success;
		// at the threshold the hook is disabled (disabled_at), as GitLab does.
		field.Int("consecutive_failures").Default(0).NonNegative().Annotations(entgql.Skip()),
		field.Time("disabled_at").Optional().Nillable(),
		field.String("disabled_reason").Default("").MaxLen(1000),
		field.Int("project_id").Immutable().Annotations(entgql.Skip()),
		// creator_id is whose access decides whether variable values go out.
		field.Int("creator_id").Annotations(entgql.Skip()),
	}
}

func (Webhook) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", Project.Type).Ref("webhooks").
			Field("project_id").Unique().Required().Immutable().Annotations(entgql.Skip()),
		edge.From("creator", User.Type).Ref("created_webhooks").
			Field("creator_id").Unique().Required(),
		edge.To("deliveries", WebhookDelivery.Type).
			Annotations(entgql.RelayConnection()),
	}
}

func (Webhook) Indexes() []ent.Index {
	return []ent.Index{index.Fields("project_id")}
}

func (Webhook) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}

// WebhookDelivery is one event for one hook: the outbox row written in the
// transaction of the change that caused it, then the record of its
// delivery (the latest attempt's request and response).
type WebhookDelivery struct{ ent.Schema }

func (WebhookDelivery) Fields() []ent.Field {
	return []ent.Field{
		// uuid is X-Gitlab-Event-UUID, webhook-id and Idempotency-Key: the
		// same for every attempt, so receivers can drop repeats.
		field.String("uuid").Unique().Immutable().MaxLen(36),
		field.Enum("kind").Values("pipeline", "test").Immutable(),
		field.Int("pipeline_id").Optional().Nillable().Immutable().Annotations(entgql.Skip()),
		// status is the pipeline's status the event reports.
		field.String("status").Immutable(),
		field.Bytes("payload").Immutable().Annotations(entgql.Skip()),
		field.Enum("state").Values("pending", "delivered", "failed").Default("pending"),
		field.Int("attempts").Default(0).NonNegative(),
		field.Time("next_attempt_at").Default(now).Annotations(entgql.Skip()),
		// locked_until leases the row to one delivery worker; a worker
		// that dies lets the lease lapse and another retries.
		field.Time("locked_until").Optional().Nillable().Annotations(entgql.Skip()),
		field.Time("last_attempt_at").Optional().Nillable(),
		field.Int("response_status").Optional().Nillable(),
		field.String("response_body").Default(""),
		field.String("error").Default(""),
		field.Int("duration_ms").Optional().Nillable(),
		// request_headers are the headers sent, secrets replaced by "[REDACTED]".
		field.JSON("request_headers", map[string]string{}).Optional().Annotations(entgql.Skip()),
		field.Int("resent_from_id").Optional().Nillable().Immutable().Annotations(entgql.Skip()),
		field.Time("created_at").Default(now).Immutable().
			Annotations(entgql.OrderField("CREATED_AT")),
		field.Int("webhook_id").Immutable().Annotations(entgql.Skip()),
	}
}

func (WebhookDelivery) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("webhook", Webhook.Type).Ref("deliveries").
			Field("webhook_id").Unique().Required().Immutable(),
	}
}

func (WebhookDelivery) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("state", "next_attempt_at"),
		index.Fields("webhook_id", "pipeline_id", "state"),
		index.Fields("created_at"),
	}
}

func (WebhookDelivery) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
