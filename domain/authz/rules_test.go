package authz_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/user"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// The permission table of SPEC §3, written out: the lowest level each
// action needs. Authorize must agree for every level, and for blocked users
// and admins, against a real database.
var required = map[authz.Action]kickoff.AccessLevel{
	authz.ReadProject:        kickoff.Reporter,
	authz.RunPipeline:        kickoff.Developer,
	authz.OwnTriggerToken:    kickoff.Developer,
	authz.ReadVariableValues: kickoff.Maintainer,
	authz.ReadJobLog:         kickoff.Maintainer,
	authz.ManageProject:      kickoff.Maintainer,
	authz.DeletePipeline:     kickoff.Owner,
}

var levels = []kickoff.AccessLevel{
	kickoff.NoAccess, kickoff.Guest, kickoff.Reporter, kickoff.Developer, kickoff.Maintainer, kickoff.Owner,
}

func TestPermissionTable(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		c := db.Client
		p := c.Project.Create().SetName("app").SetFullPath("grp/app").SaveX(ctx)
		viewers := map[string]*ent.User{}
		for _, l := range levels {
			u := newUser(t, c, "u"+l.String(), false)
			if l != kickoff.NoAccess {
				c.ProjectMember.Create().SetProjectID(p.ID).SetUserID(u.ID).SetAccessLevel(l).ExecX(ctx)
			}
			viewers[l.String()] = u
		}
		blocked := newUser(t, c, "blocked", false)
		c.ProjectMember.Create().SetProjectID(p.ID).SetUserID(blocked.ID).SetAccessLevel(kickoff.Owner).ExecX(ctx)
		blocked = c.User.UpdateOne(blocked).SetState(user.StateBlocked).SaveX(ctx)
		admin := newUser(t, c, "admin", true)

		for action, min := range required {
			if got := action.Required(); got != min {
				t.Errorf("%v.Required() = %v, want %v", action, got, min)
			}
			for _, l := range levels {
				want := kickoff.ENotFound // cannot see the project: it does not exist for them
				switch {
				case l >= min:
					want = ""
				case l >= kickoff.Reporter:
					want = kickoff.EForbidden
				}
				check(t, c, viewers[l.String()], p.ID, action, fmt.Sprintf("%s member", l), want)
			}
			check(t, c, blocked, p.ID, action, "blocked owner", kickoff.ENotFound)
			check(t, c, admin, p.ID, action, "admin, not a member", "")
			check(t, c, nil, p.ID, action, "anonymous", kickoff.ENotFound)
		}
		if authz.Action(99).Allowed(kickoff.Owner) {
			t.Error("an unknown action is allowed")
		}
	})
}

// TestJobLogSetting: a project's job_log_access_level moves ReadJobLog, and
// nothing else, for Authorize, Allows and Recheck alike.
func TestJobLogSetting(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		c := db.Client
		p := c.Project.Create().SetName("app").SetFullPath("grp/app").SaveX(ctx)
		other := c.Project.Create().SetName("other").SetFullPath("grp/other").SaveX(ctx)
		viewers := map[kickoff.AccessLevel]*ent.User{}
		for _, l := range levels[1:] {
			u := newUser(t, c, "u"+l.String(), false)
			c.ProjectMember.Create().SetProjectID(p.ID).SetUserID(u.ID).SetAccessLevel(l).ExecX(ctx)
			c.ProjectMember.Create().SetProjectID(other.ID).SetUserID(u.ID).SetAccessLevel(l).ExecX(ctx)
			viewers[l] = u
		}
		for _, setting := range authz.JobLogLevels {
			c.Project.UpdateOne(p).SetJobLogAccessLevel(setting).ExecX(ctx)
			if got, err := authz.RequiredIn(ctx, c, p.ID, authz.ReadJobLog); got != setting || err != nil {
				t.Fatalf("RequiredIn = %v, %v, want %v", got, err, setting)
			}
			for l, u := range viewers {
				vctx := authz.WithViewer(ctx, &authz.Viewer{User: u})
				ok, err := authz.Allows(ctx, c, u, p.ID, authz.ReadJobLog)
				if err != nil || ok != (l >= setting) {
					t.Errorf("setting %v: %v reads logs = %v, %v", setting, l, ok, err)
				}
				if err := authz.Recheck(vctx, c, p.ID, authz.ReadJobLog); (err == nil) != (l >= setting) {
					t.Errorf("setting %v: Recheck for %v = %v", setting, l, err)
				}
				// The other project keeps the default; the setting moves no other action.
				if ok, _ := authz.Allows(ctx, c, u, other.ID, authz.ReadJobLog); ok != (l >= kickoff.Maintainer) {
					t.Errorf("setting %v leaks to another project for %v", setting, l)
				}
				if ok, _ := authz.Allows(ctx, c, u, p.ID, authz.ReadVariableValues); ok != (l >= kickoff.Maintainer) {
					t.Errorf("setting %v moves variable values for %v", setting, l)
				}
			}
			if setting > kickoff.Reporter {
				check(t, c, viewers[kickoff.Reporter], p.ID, authz.ReadJobLog, "reporter, setting "+setting.String(), kickoff.EForbidden)
			}
		}
	})
}

func check(t *testing.T, c *ent.Client, u *ent.User, projectID int, a authz.Action, who, want string) {
	t.Helper()
	ctx := context.Background()
	if u != nil {
		ctx = authz.WithViewer(ctx, &authz.Viewer{User: u})
	}
	_, err := authz.Authorize(ctx, c, projectID, a)
	if got := kickoff.ErrorCode(err); got != want {
		t.Errorf("%s, action %d: error code %q (%v), want %q", who, a, got, err, want)
	}
}

func newUser(t *testing.T, c *ent.Client, name string, admin bool) *ent.User {
	t.Helper()
	return c.User.Create().SetUsername(name).SetEmail(name + "@example.com").SetPasswordHash("x").SetAdmin(admin).
		SaveX(context.Background())
}

// TestPermissionsAt: what clients are told a viewer may do follows the table.
func TestPermissionsAt(t *testing.T) {
	for _, l := range levels {
		want := authz.ProjectPermissions{
			ReadProject:           l >= required[authz.ReadProject],
			CreatePipeline:        l >= required[authz.RunPipeline],
			UpdatePipeline:        l >= required[authz.RunPipeline],
			ReadPipelineVariables: l >= required[authz.ReadVariableValues],
			ReadJobLog:            l >= required[authz.ReadJobLog],
			AdminProject:          l >= required[authz.ManageProject],
		}
		if got := authz.PermissionsAt(l, required[authz.ReadJobLog]); got != want {
			t.Errorf("PermissionsAt(%v) = %+v, want %+v", l, got, want)
		}
		if got := authz.PermissionsAt(l, kickoff.Reporter); got.ReadJobLog != (l >= kickoff.Reporter) {
			t.Errorf("PermissionsAt(%v, Reporter).ReadJobLog = %v", l, got.ReadJobLog)
		}
	}
}
