package model

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/ent/personalaccesstoken"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
	"github.com/kickoff-ci/kickoff/ent/project"
	"github.com/kickoff-ci/kickoff/ent/projectmember"
	"github.com/kickoff-ci/kickoff/ent/ref"
	"github.com/kickoff-ci/kickoff/ent/runner"
	"github.com/kickoff-ci/kickoff/ent/user"
	"github.com/kickoff-ci/kickoff/ent/webhook"
	"github.com/kickoff-ci/kickoff/ent/webhookdelivery"
)

// globalIDPrefix starts every object's GraphQL ID, gid://kickoff/<Type>/<id>,
// in the form GitLab's GraphQL API uses (gid://gitlab/Project/1).
const globalIDPrefix = "gid://kickoff/"

// NodeTables maps the GraphQL type named in a global ID to its table; the
// types are those ent/template/globalid.tmpl gives a GlobalID method.
var NodeTables = map[string]string{
	"AuditEvent":          auditevent.Table,
	"PersonalAccessToken": personalaccesstoken.Table,
	"Pipeline":            pipeline.Table,
	"PipelineTrigger":     pipelinetrigger.Table,
	"Project":             project.Table,
	"ProjectMember":       projectmember.Table,
	"Ref":                 ref.Table,
	"Runner":              runner.Table,
	"User":                user.Table,
	"Webhook":             webhook.Table,
	"WebhookDelivery":     webhookdelivery.Table,
}

// GlobalID is a parsed gid://kickoff/<Type>/<id>.
type GlobalID struct {
	Type string
	ID   int
}

// ParseGlobalID reads a GraphQL object ID of any type.
func ParseGlobalID(s string) (GlobalID, error) {
	rest, ok := strings.CutPrefix(s, globalIDPrefix)
	typ, num, found := strings.Cut(rest, "/")
	if !ok || !found {
		return GlobalID{}, kickoff.Errorf(kickoff.EInvalid,
			"%q is not a valid ID: IDs look like gid://kickoff/Project/1", kickoff.Excerpt(s, 64))
	}
	if _, known := NodeTables[typ]; !known {
		return GlobalID{}, kickoff.Errorf(kickoff.EInvalid, "%q is not a valid ID: no type is named %q",
			kickoff.Excerpt(s, 64), kickoff.Excerpt(typ, 32))
	}
	// ParseInt rejects signs, spaces and values past int64, so a huge
	// number is an invalid ID rather than a wrapped-around one.
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != num {
		return GlobalID{}, kickoff.Errorf(kickoff.EInvalid, "%q is not a valid ID: the number after the type must be a positive integer",
			kickoff.Excerpt(s, 64))
	}
	return GlobalID{Type: typ, ID: int(n)}, nil
}

// MarshalIntID writes a row ID. Objects' id fields go out as global IDs
// (GlobalID methods); this serves the ID-typed inputs bound to ent's ints.
func MarshalIntID(id int) graphql.Marshaler { return graphql.MarshalIntID(id) }

// UnmarshalIntID reads an ID of a where-filter (idIn: […]): a global ID,
// as objects' id fields answer, or the bare row ID.
func UnmarshalIntID(v any) (int, error) {
	s, ok := v.(string)
	if !ok {
		return graphql.UnmarshalIntID(v)
	}
	if !strings.HasPrefix(s, globalIDPrefix) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a valid ID: IDs look like gid://kickoff/Project/1", kickoff.Excerpt(s, 64))
		}
		return int(n), nil
	}
	g, err := ParseGlobalID(s)
	return g.ID, err
}
