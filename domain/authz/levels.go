package authz

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/projectmember"
	"github.com/kickoff-ci/kickoff/ent/user"
)

// levelCache remembers access levels for one read-only request, so a list
// whose every row asks "what may this user do here" costs one query, not
// one per row. It must not outlive the request, nor serve one that writes:
// a change of membership would not be seen.
type levelCache struct {
	mu     sync.Mutex
	levels map[[2]int]kickoff.AccessLevel // (user ID, project ID)
}

type levelCacheKey struct{}

// WithLevelCache returns ctx with an empty access-level cache, for a
// read-only request (a GraphQL query, a REST listing).
func WithLevelCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, levelCacheKey{}, &levelCache{levels: map[[2]int]kickoff.AccessLevel{}})
}

func cacheFrom(ctx context.Context) *levelCache {
	c, _ := ctx.Value(levelCacheKey{}).(*levelCache)
	return c
}

func (c *levelCache) get(userID, projectID int) (kickoff.AccessLevel, bool) {
	if c == nil {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.levels[[2]int{userID, projectID}]
	return l, ok
}

func (c *levelCache) put(userID, projectID int, l kickoff.AccessLevel) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.levels[[2]int{userID, projectID}] = l
}

// UserLevel is AccessLevel for a user known by ID (a trigger's owner): the
// user is read for their state and admin flag, unless the request's cache
// knows the answer.
func UserLevel(ctx context.Context, client *ent.Client, userID, projectID int) (kickoff.AccessLevel, error) {
	if l, ok := cacheFrom(ctx).get(userID, projectID); ok {
		return l, nil
	}
	u, err := client.User.Get(withoutVisibility(ctx), userID)
	if ent.IsNotFound(err) {
		return kickoff.NoAccess, nil
	}
	if err != nil {
		return kickoff.NoAccess, fmt.Errorf("loading user: %w", err)
	}
	return AccessLevel(ctx, client, u, projectID)
}

// PrefetchLevels fills the request's cache with the levels of userIDs in
// the project in one query, so the rows of a list that each ask UserLevel
// ask the database nothing more. Without a cache it does nothing.
func PrefetchLevels(ctx context.Context, client *ent.Client, projectID int, userIDs []int) error {
	cache := cacheFrom(ctx)
	if cache == nil || len(userIDs) == 0 {
		return nil
	}
	var rows []struct {
		ID     int           `json:"id"`
		State  user.State    `json:"state"`
		Admin  bool          `json:"admin"`
		Member sql.NullInt64 `json:"member"`
	}
	err := client.User.Query().Where(user.IDIn(userIDs...)).
		Modify(func(s *entsql.Selector) {
			m := entsql.Table(projectmember.Table)
			s.LeftJoin(m).OnP(entsql.And(
				entsql.ColumnsEQ(s.C(user.FieldID), m.C(projectmember.FieldUserID)),
				entsql.EQ(m.C(projectmember.FieldProjectID), projectID)))
			s.Select(s.C(user.FieldID), s.C(user.FieldState), s.C(user.FieldAdmin),
				entsql.As(m.C(projectmember.FieldAccessLevel), "member"))
		}).Scan(withoutVisibility(ctx), &rows)
	if err != nil {
		return fmt.Errorf("reading levels: %w", err)
	}
	for _, id := range userIDs {
		cache.put(id, projectID, kickoff.NoAccess) // deleted users
	}
	for _, r := range rows {
		u := &ent.User{ID: r.ID, State: r.State, Admin: r.Admin}
		cache.put(r.ID, projectID, levelOf(u, kickoff.AccessLevel(r.Member.Int64)))
	}
	return nil
}

// levelOf is u's level given the membership level they hold (NoAccess when
// none): admins are Owners everywhere, blocked users nothing.
func levelOf(u *ent.User, member kickoff.AccessLevel) kickoff.AccessLevel {
	switch {
	case u == nil || u.State != user.StateActive:
		return kickoff.NoAccess
	case u.Admin:
		return kickoff.Owner
	}
	return member
}
