package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// TestAuditLogQueries: Maintainers read their project's audit log, admins the
// whole instance's; nobody else reads either.
func TestAuditLogQueries(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newAuthEnv(t, db)
		owner, dev, admin := e.createUser(t, "aud-owner", false), e.createUser(t, "aud-dev", false), e.createUser(t, "aud-admin", true)
		_, ownerPAT := e.createPAT(t, owner)
		_, devPAT := e.createPAT(t, dev)
		_, adminPAT := e.createPAT(t, admin)
		as := func(pat string) map[string]string { return map[string]string{"PRIVATE-TOKEN": pat} }
		for _, q := range []string{
			`mutation { projectCreate(input: {name: "a", path: "aud/proj"}) { errors } }`,
			`mutation { projectMemberAdd(input: {projectPath: "aud/proj", username: "aud-dev", accessLevel: DEVELOPER}) { errors } }`,
			`mutation { pipelineTriggerCreate(input: {projectPath: "aud/proj", description: "ci"}) { errors } }`,
		} {
			if res := e.graphQL(t, q, as(ownerPAT)); res.status != 200 || !json.Valid([]byte(res.body)) || strings.Contains(res.body, `"errors":[{`) {
				t.Fatalf("setup %s: %d %s", q, res.status, truncate(res.body))
			}
		}
		projectLog := `{ project(fullPath: "aud/proj") { auditEvents(where: {actionHasPrefix: "trigger."}) {
			totalCount nodes { action outcome actorUser { username } actorTokenKind targetType targetId project { fullPath } } } } }`
		instanceLog := `{ auditEvents(first: 50) { totalCount nodes { action } } }`

		res := e.graphQL(t, projectLog, as(ownerPAT))
		var got struct {
			Data struct {
				Project struct {
					AuditEvents struct {
						TotalCount int
						Nodes      []struct {
							Action, Outcome, ActorTokenKind, TargetType string
							TargetID                                    *int `json:"targetId"`
							ActorUser                                   struct{ Username string }
						}
					}
				}
			}
		}
		if err := json.Unmarshal([]byte(res.body), &got); err != nil || got.Data.Project.AuditEvents.TotalCount != 1 {
			t.Fatalf("owner's project log = %d %s, want the one trigger event", res.status, truncate(res.body))
		}
		ev := got.Data.Project.AuditEvents.Nodes[0]
		if ev.Action != "trigger.created" || ev.Outcome != "SUCCESS" || ev.ActorUser.Username != "aud-owner" ||
			ev.ActorTokenKind != "personal_access_token" || ev.TargetType != "PipelineTrigger" || ev.TargetID == nil {
			t.Fatalf("event = %+v", ev)
		}

		wantGraphQLErrorCode(t, e.graphQL(t, projectLog, as(devPAT)), "FORBIDDEN")
		wantGraphQLErrorCode(t, e.graphQL(t, instanceLog, as(ownerPAT)), "FORBIDDEN")
		wantGraphQLErrorCode(t, e.graphQL(t, instanceLog, nil), "UNAUTHENTICATED")
		if res := e.graphQL(t, instanceLog, as(adminPAT)); !strings.Contains(res.body, `"action":"project.created"`) || !strings.Contains(res.body, `"action":"member.added"`) {
			t.Fatalf("admin's instance log = %d %s", res.status, truncate(res.body))
		}
	})
}

func wantGraphQLErrorCode(t *testing.T, res response, code string) {
	t.Helper()
	if !strings.Contains(res.body, `"code":"`+code+`"`) {
		t.Fatalf("got %d %s, want error code %s", res.status, truncate(res.body), code)
	}
}
