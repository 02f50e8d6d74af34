package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// TriggerSignature is a signature a signed trigger call used: a second
// call with it inside the acceptance window is a replay, refused on every
// replica. Rows older than the window are deleted as new ones arrive.
type TriggerSignature struct{ ent.Schema }

func (TriggerSignature) Fields() []ent.Field {
	return []ent.Field{
		field.Int("trigger_id").Immutable(),
		// digest is SHA-256 of the signature: the signature itself is not
		// secret, but need not be kept either.
		field.Bytes("digest").Immutable(),
		field.Time("created_at").Default(now).Immutable(),
	}
}

func (TriggerSignature) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("trigger_id", "digest").Unique(),
		index.Fields("trigger_id", "created_at"),
	}
}

func (TriggerSignature) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
