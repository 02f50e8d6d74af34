package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// SignInFailure is one refused sign-in, kept for the sign-in limits' window
// only. The limits count these rows, so they hold for all replicas together.
// The typed username is kept only as a keyed hash: operators type passwords
// into that field, and hashing names that are not users alike keeps the
// lockout from telling which ones are.
type SignInFailure struct{ ent.Schema }

func (SignInFailure) Mixin() []ent.Mixin { return []ent.Mixin{createdAt{}} }

func (SignInFailure) Fields() []ent.Field {
	return []ent.Field{
		// ip_key is the client's IPv4 address or IPv6 /64.
		field.String("ip_key").MaxLen(64).Immutable(),
		// account is the keyed hash (keyring.MAC) of the normalized username.
		field.String("account").MaxLen(64).Immutable(),
		// device is the device-cookie id of a browser that signed in to the
		// account before, or empty for an unknown client.
		field.String("device").Default("").MaxLen(64).Immutable(),
	}
}

func (SignInFailure) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("ip_key", "created_at"),
		index.Fields("account", "device", "created_at"),
		index.Fields("created_at"),
	}
}

func (SignInFailure) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
