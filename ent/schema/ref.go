package schema

import (
	"regexp"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/kickoff-ci/kickoff"
)

var shaPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Ref is a branch or tag of a project and the commit it points at.
type Ref struct{ ent.Schema }

func (Ref) Mixin() []ent.Mixin { return []ent.Mixin{timestamps{}} }

func (Ref) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(255).
			Annotations(entgql.OrderField("NAME")),
		field.Enum("type").GoType(kickoff.RefType("")).
			Annotations(entgql.Type("RefType"), entgql.Skip(entgql.SkipEnumField)),
		// sha is unknown (null) until someone records the commit.
		field.String("sha").Optional().Nillable().Match(shaPattern),
		field.Int("project_id").Immutable().
			Annotations(entgql.Skip()),
	}
}

func (Ref) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", Project.Type).Ref("refs").
			Field("project_id").Unique().Required().Immutable(),
	}
}

func (Ref) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("project_id", "name", "type").Unique(),
	}
}

func (Ref) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
