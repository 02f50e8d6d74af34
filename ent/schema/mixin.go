// Package schema defines Kickoff's data model as ent schemas. The GraphQL
// shape of each type is set here too, by entgql annotations, so the model and
// its API are read in one place.
package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// timestamps adds created_at and updated_at, ordered and exposed as
// createdAt/updatedAt like GitLab's types.
type timestamps struct{ mixin.Schema }

func (timestamps) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").
			Default(now).
			Immutable().
			Annotations(entgql.OrderField("CREATED_AT")),
		field.Time("updated_at").
			Default(now).
			UpdateDefault(now).
			Annotations(entgql.OrderField("UPDATED_AT")),
	}
}

// createdAt is for append-only records that never change.
type createdAt struct{ mixin.Schema }

func (createdAt) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").
			Default(now).
			Immutable().
			Annotations(entgql.OrderField("CREATED_AT")),
	}
}

// now stores times in UTC so both dialects compare and print them alike.
func now() time.Time { return time.Now().UTC() }
