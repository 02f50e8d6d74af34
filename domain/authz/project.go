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
//
// Within a read-only request (WithLevelCache) each answer is remembered.
func AccessLevel(ctx context.Context, client *ent.Client, u *ent.User, projectID int) (kickoff.AccessLevel, error) {
	if u == nil || u.State != user.StateActive || u.Admin {
		return levelOf(u, kickoff.NoAccess), nil
	}
	cache := cacheFrom(ctx)
	if l, ok := cache.get(u.ID, projectID); ok {
		return l, nil
	}
	m, err := client.ProjectMember.Query().
		Where(projectmember.ProjectID(projectID), projectmember.UserID(u.ID)).
		Only(withoutVisibility(ctx))
	level := kickoff.NoAccess
	switch {
	case ent.IsNotFound(err):
	case err != nil:
		return kickoff.NoAccess, fmt.Errorf("reading membership: %w", err)
	default:
		level = m.AccessLevel
	}
	cache.put(u.ID, projectID, level)
	return level, nil
}
