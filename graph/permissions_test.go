package graph_test

import (
	"context"
	"testing"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// TestUserPermissions: Project.userPermissions tells each viewer what they
// may do, so the web app never compares access levels itself.
func TestUserPermissions(t *testing.T) {
	const query = `{ project(fullPath: "grp/app") { userPermissions {
		readProject createPipeline updatePipeline readPipelineVariables readJobLog adminProject } } }`
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx, c := context.Background(), db.Client
		p := c.Project.Create().SetName("app").SetFullPath("grp/app").SaveX(ctx)
		tests := []struct {
			name  string
			level kickoff.AccessLevel // NoAccess: not a member
			admin bool
			want  string
		}{
			{"not a member", kickoff.NoAccess, false, `{"data":{"project":null}}`},
			{"guest", kickoff.Guest, false, `{"data":{"project":null}}`},
			{"reporter", kickoff.Reporter, false, `{"data":{"project":{"userPermissions":{"readProject":true,"createPipeline":false,"updatePipeline":false,"readPipelineVariables":false,"readJobLog":false,"adminProject":false}}}}`},
			{"developer", kickoff.Developer, false, `{"data":{"project":{"userPermissions":{"readProject":true,"createPipeline":true,"updatePipeline":true,"readPipelineVariables":false,"readJobLog":false,"adminProject":false}}}}`},
			{"maintainer", kickoff.Maintainer, false, `{"data":{"project":{"userPermissions":{"readProject":true,"createPipeline":true,"updatePipeline":true,"readPipelineVariables":true,"readJobLog":true,"adminProject":true}}}}`},
			{"owner", kickoff.Owner, false, `{"data":{"project":{"userPermissions":{"readProject":true,"createPipeline":true,"updatePipeline":true,"readPipelineVariables":true,"readJobLog":true,"adminProject":true}}}}`},
			{"admin, not a member", kickoff.NoAccess, true, `{"data":{"project":{"userPermissions":{"readProject":true,"createPipeline":true,"updatePipeline":true,"readPipelineVariables":true,"readJobLog":true,"adminProject":true}}}}`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				u := c.User.Create().SetUsername("u-" + tt.name).SetEmail(tt.name + "@example.com").
					SetPasswordHash("x").SetAdmin(tt.admin).SaveX(ctx)
				if tt.level != kickoff.NoAccess {
					c.ProjectMember.Create().SetProjectID(p.ID).SetUserID(u.ID).SetAccessLevel(tt.level).ExecX(ctx)
				}
				if got := post(t, newGraphServer(t, c, u).URL, query); got != tt.want {
					t.Errorf("got  %s\nwant %s", got, tt.want)
				}
			})
		}
	})
}
