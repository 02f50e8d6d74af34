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

// PipelineTrigger is a secret token that starts pipelines in one project as its
// owner. The token itself is never stored: only its SHA-256 digest (the lookup
// key) and an AES-GCM sealed copy that only the owner may open.
type PipelineTrigger struct{ ent.Schema }

func (PipelineTrigger) Mixin() []ent.Mixin { return []ent.Mixin{timestamps{}} }

func (PipelineTrigger) Fields() []ent.Field {
	return []ent.Field{
		field.String("description").NotEmpty().MaxRuneLen(255),
		field.Bytes("token_digest").Sensitive().Unique().Annotations(entgql.Skip()),
		field.Bytes("token_sealed").Sensitive().Annotations(entgql.Skip()),
		// short_token is the 4 characters after the prefix that non-owners see.
		field.String("short_token").MaxLen(4).Annotations(entgql.Skip()),
		// previous_token_digest keeps a rotated-out value valid until
		// previous_token_expires_at (rotation with a grace period).
		field.Bytes("previous_token_digest").Sensitive().Optional().Nillable().Unique().Annotations(entgql.Skip()),
		field.Time("previous_token_expires_at").Optional().Nillable().Annotations(entgql.Skip()),
		field.Time("expires_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable().Annotations(entgql.Skip()),
		field.Time("last_used_at").Optional().Nillable().Annotations(entgql.MapsTo("lastUsed")),
		// Optional per-token policy, all off when empty.
		field.Strings("allowed_refs").Optional(),
		field.Strings("allowed_variables").Optional(),
		field.Strings("allowed_cidrs").Optional(),
		field.Int("rate_limit_per_minute").Optional().Nillable().Positive(),
		field.Int("project_id").Immutable().
			Annotations(entgql.Skip()),
		field.Int("owner_id").
			Annotations(entgql.Skip()),
		// signing_secret_sealed, when set, makes calls prove they hold the
		// secret (X-Kickoff-Signature, an HMAC of the body); the previous
		// secret still verifies until previous_signing_secret_expires_at.
		field.Bytes("signing_secret_sealed").Sensitive().Optional().Nillable().Annotations(entgql.Skip()),
		field.Bytes("previous_signing_secret_sealed").Sensitive().Optional().Nillable().Annotations(entgql.Skip()),
		field.Time("previous_signing_secret_expires_at").Optional().Nillable().Annotations(entgql.Skip()),
		// receiver is how signed calls prove themselves: Kickoff's own
		// headers, or a provider's (github: X-Hub-Signature-256; gitlab:
		// X-Gitlab-Token; standard_webhooks: webhook-signature;
		// generic_hmac: a header of the caller's choice), so the provider's
		// webhook can call the token as is.
		field.Enum("receiver").Values("kickoff", "github", "gitlab", "standard_webhooks", "generic_hmac").Default("kickoff").
			Annotations(entgql.Type("TriggerReceiver"), entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		// hmac says where and how a generic_hmac receiver's signature comes.
		field.JSON("hmac", &kickoff.HMACOptions{}).Optional().
			Annotations(entgql.Type("TriggerHMACOptions"), entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
	}
}

func (PipelineTrigger) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", Project.Type).Ref("pipeline_triggers").
			Field("project_id").Unique().Required().Immutable(),
		edge.From("owner", User.Type).Ref("owned_triggers").
			Field("owner_id").Unique().Required(),
		edge.To("pipelines", Pipeline.Type).Annotations(entgql.Skip()),
	}
}

func (PipelineTrigger) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("project_id", "revoked_at"),
		index.Fields("owner_id"),
	}
}

func (PipelineTrigger) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
