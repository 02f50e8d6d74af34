package authz

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect/sql"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/predicate"
	"github.com/kickoff-ci/kickoff/ent/project"
	"github.com/kickoff-ci/kickoff/ent/projectmember"
	"github.com/kickoff-ci/kickoff/ent/user"
)

// VisibleProjects filters project queries to what u may see: admins see all,
// members at Reporter or above see theirs, anonymous viewers see nothing.
func VisibleProjects(u *ent.User) predicate.Project {
	switch {
	case u == nil:
		return func(s *sql.Selector) { s.Where(sql.False()) }
	case u.Admin:
		return func(*sql.Selector) {}
	default:
		return project.HasMembersWith(
			projectmember.UserID(u.ID),
			projectmember.AccessLevelGTE(kickoff.Reporter),
		)
	}
}

// AccessLevel returns u's level in the project: Owner for admins, the
// membership level for members, NoAccess otherwise (and for nil or blocked users).
func AccessLevel(ctx context.Context, client *ent.Client, u *ent.User, projectID int) (kickoff.AccessLevel, error) {
	if u == nil || u.State != user.StateActive {
		return kickoff.NoAccess, nil
	}
	if u.Admin {
		return kickoff.Owner, nil
	}
	m, err := client.ProjectMember.Query().
		Where(projectmember.ProjectID(projectID), projectmember.UserID(u.ID)).
		Only(withoutVisibility(ctx))
	if ent.IsNotFound(err) {
		return kickoff.NoAccess, nil
	}
	if err != nil {
		return kickoff.NoAccess, fmt.Errorf("reading membership: %w", err)
	}
	return m.AccessLevel, nil
}
