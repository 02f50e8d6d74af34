package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/tokens/tokenstest"
)

// tpVar is a CiVariable as GraphQL answers it.
type tpVar struct {
	Key   string  `json:"key"`
	Value *string `json:"value"`
	File  bool    `json:"file"`
}

// tpGQLPipeline is a pipelines node.
type tpGQLPipeline struct {
	IID       int                        `json:"iid"`
	Status    string                     `json:"status"`
	Source    string                     `json:"source"`
	Ref       string                     `json:"ref"`
	Trigger   *struct{ ID string }       `json:"trigger"`
	User      *struct{ Username string } `json:"user"`
	Variables []tpVar                    `json:"variables"`
}

// tpPipelines lists grp/app's pipelines as the PAT's user, newest first.
func (e *tpEnv) tpPipelines(t *testing.T, pat string) []tpGQLPipeline {
	t.Helper()
	data := e.tpGQL(t, pat, `{ project(fullPath: "grp/app") { pipelines(first: 10) { nodes {
		iid status source ref trigger { id } user { username } variables { key value file } } } } }`)
	var out struct {
		Project struct {
			Pipelines struct{ Nodes []tpGQLPipeline }
		}
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out.Project.Pipelines.Nodes
}

// tpVarMap turns variables into key → value ("<nil>" for a hidden value, a
// "file:" prefix for file variables).
func tpVarMap(vars []tpVar) map[string]string {
	m := map[string]string{}
	for _, v := range vars {
		s := "<nil>"
		if v.Value != nil {
			s = *v.Value
		}
		if v.File {
			s = "file:" + s
		}
		m[v.Key] = s
	}
	return m
}

// tpPipelineCreate runs pipelineCreate and returns the new pipeline's iid and
// the errors.
func (e *tpEnv) tpPipelineCreate(t *testing.T, pat, input string) (iid int, errs []string) {
	t.Helper()
	data, errs := e.tpGQLErrors(t, pat, `mutation { pipelineCreate(input: {projectPath: "grp/app" `+input+`}) { pipeline { iid source ref user { username } } errors } }`)
	var out struct {
		PipelineCreate struct {
			Pipeline *struct {
				IID         int
				Source, Ref string
				User        struct{ Username string }
			}
		}
	}
	_ = json.Unmarshal(data, &out)
	if p := out.PipelineCreate.Pipeline; p != nil {
		return p.IID, errs
	}
	return 0, errs
}

// TestPipelineCreateGraphQL: a Developer's pipelineCreate goes through the
// same creation path as triggers; a Reporter's is refused.
func TestPipelineCreateGraphQL(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		e := newTPEnv(t, db)
		e.tpRef(t, "v1", "TAG")
		dev, rep := e.createUser(t, "dev", false), e.createUser(t, "rep", false)
		_, devPAT := e.createPAT(t, dev)
		_, repPAT := e.createPAT(t, rep)
		e.tpMember(t, "dev", "DEVELOPER")
		e.tpMember(t, "rep", "REPORTER")

		iid, errs := e.tpPipelineCreate(t, devPAT, `, ref: "v1", variables: [{key: "DEPLOY", value: "yes"}, {key: "CI_PIPELINE_SOURCE", value: "mine"}]`)
		if len(errs) > 0 || iid != 1 {
			t.Fatalf("Developer's pipelineCreate = iid %d, errors %v", iid, errs)
		}
		row, err := db.Client.Pipeline.Query().Where(pipeline.ProjectID(e.project.ID), pipeline.Iid(1)).WithVariables().Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if row.Source != pipeline.SourceAPI || row.Ref != "v1" || !row.Tag || row.UserID == nil || *row.UserID != dev.ID ||
			row.TriggerID != nil || row.TriggerShortToken != nil || row.Status != "created" {
			t.Errorf("stored %+v, want source api on tag v1 as dev without trigger", row)
		}
		if len(row.Edges.Variables) != 2 {
			t.Errorf("stored variables %+v, want the 2 sent", row.Edges.Variables)
		}
		var audits []*ent.AuditEvent
		audits, err = db.Client.AuditEvent.Query().Where(auditevent.Action("pipeline.created"), auditevent.TargetID(row.ID)).All(ctx)
		if err != nil || len(audits) != 1 || audits[0].ActorUserID == nil || *audits[0].ActorUserID != dev.ID {
			t.Errorf("pipeline.created audit = %+v (%v)", audits, err)
		}

		// Omitted ref: the default branch; the iid sequence is shared with triggers.
		token := e.tpTrigger(t, "")
		if res := e.tpDo(t, tpCase{body: tpForm("token", token, "ref", "main")}); res.status != 201 {
			t.Fatalf("trigger = %d %s", res.status, res.body)
		}
		if iid, errs := e.tpPipelineCreate(t, devPAT, ""); len(errs) > 0 || iid != 3 {
			t.Errorf("pipelineCreate without ref = iid %d, errors %v; want 3", iid, errs)
		}

		// From the web app (session cookie): source web.
		_, session := e.login(t, "dev", testPassword)
		res := e.graphQL(t, `mutation { pipelineCreate(input: {projectPath: "grp/app"}) { pipeline { iid source user { username } } errors } }`, csrf(session))
		if want := `{"data":{"pipelineCreate":{"pipeline":{"iid":4,"source":"web","user":{"username":"dev"}},"errors":[]}}}`; strings.TrimSpace(res.body) != want {
			t.Errorf("pipelineCreate from the web app = %s, want %s", res.body, want)
		}

		before := e.tpPipelineCount(t)
		for _, tc := range []struct {
			name, pat, input, want string
		}{
			{"Reporter", repPAT, "", "FORBIDDEN: "},
			{"unknown ref", devPAT, `, ref: "nope"`, "Reference not found"},
			{"commit SHA", devPAT, `, ref: "` + tpSHA + `"`, "Reference not found"},
			{"ref with NUL", devPAT, `, ref: "a\u0000b"`, "BAD_USER_INPUT: arguments must not contain NUL characters"},
			{"bad variable key", devPAT, `, variables: [{key: "A-B", value: "x"}]`, `variables: "A-B" is not a valid variable name`},
			{"variable value with NUL", devPAT, `, variables: [{key: "A", value: "x\u0000y"}]`, "BAD_USER_INPUT: arguments must not contain NUL characters"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				iid, errs := e.tpPipelineCreate(t, tc.pat, tc.input)
				if iid != 0 || len(errs) != 1 || !strings.HasPrefix(errs[0], tc.want) {
					t.Errorf("pipelineCreate = iid %d, errors %q; want one error starting %q", iid, errs, tc.want)
				}
			})
		}
		if n := e.tpPipelineCount(t); n != before {
			t.Errorf("%d pipelines after refused pipelineCreate calls, want %d", n, before)
		}
	})
}

// TestPipelineVariables: predefined CI_ variables, user-sent ones overriding
// them, TRIGGER_PAYLOAD as a file, and values for Maintainers only.
func TestPipelineVariables(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newTPEnv(t, db)
		e.tpRef(t, "v1", "TAG")
		rep, dev := e.createUser(t, "rep", false), e.createUser(t, "dev", false)
		_, repPAT := e.createPAT(t, rep)
		_, devPAT := e.createPAT(t, dev)
		e.tpMember(t, "rep", "REPORTER")
		e.tpMember(t, "dev", "DEVELOPER")
		token := e.tpTrigger(t, "")
		tr := e.tpTriggerRow(t, token)

		// 1: trigger on a tag, overriding a predefined variable.
		res := e.tpDo(t, tpCase{body: tpForm("token", token, "ref", "v1", "variables[CI_COMMIT_REF_NAME]", "custom", "variables[UPLOAD_TO_S3]", "true")})
		if res.status != 201 {
			t.Fatalf("trigger = %d %s", res.status, res.body)
		}
		p1 := e.tpCheckPipeline(t, res.body, tpWant{ref: "v1", tag: true, sha: tpSHA, trigger: token})
		// 2: webhook on main.
		res = e.tpDo(t, tpCase{path: fmt.Sprintf("/api/v4/projects/%d/ref/main/trigger/pipeline?token=%s", e.project.ID, token),
			body: `{"object_kind":"tag_push"}`, ctype: "application/json"})
		if res.status != 201 {
			t.Fatalf("webhook = %d %s", res.status, res.body)
		}
		p2 := e.tpCheckPipeline(t, res.body, tpWant{ref: "main", trigger: token})
		// 3: a Developer's API pipeline.
		if iid, errs := e.tpPipelineCreate(t, devPAT, ""); iid != 3 || len(errs) > 0 {
			t.Fatalf("pipelineCreate = %d %v", iid, errs)
		}

		url := func(iid int) string { return fmt.Sprintf("http://kickoff.test/grp/app/-/pipelines/%d", iid) }
		p3, err := db.Client.Pipeline.Query().Where(pipeline.ProjectID(e.project.ID), pipeline.Iid(3)).Only(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		project := strconv.Itoa(e.project.ID)
		want := []map[string]string{
			{ // newest first
				"CI_PIPELINE_ID": strconv.Itoa(p3.ID), "CI_PIPELINE_IID": "3", "CI_PIPELINE_SOURCE": "api",
				"CI_COMMIT_REF_NAME": "main", "CI_COMMIT_SHA": "", "CI_PROJECT_ID": project, "CI_PROJECT_PATH": "grp/app",
				"CI_PIPELINE_URL": url(3),
			},
			{
				"CI_PIPELINE_ID": strconv.Itoa(p2.ID), "CI_PIPELINE_IID": "2", "CI_PIPELINE_SOURCE": "trigger", "CI_PIPELINE_TRIGGERED": "true",
				"CI_COMMIT_REF_NAME": "main", "CI_COMMIT_SHA": "", "CI_PROJECT_ID": project, "CI_PROJECT_PATH": "grp/app",
				"CI_PIPELINE_URL": url(2), "TRIGGER_PAYLOAD": `file:{"object_kind":"tag_push"}`,
			},
			{
				"CI_PIPELINE_ID": strconv.Itoa(p1.ID), "CI_PIPELINE_IID": "1", "CI_PIPELINE_SOURCE": "trigger", "CI_PIPELINE_TRIGGERED": "true",
				"CI_COMMIT_REF_NAME": "custom", "CI_COMMIT_SHA": tpSHA, "CI_COMMIT_TAG": "v1", "CI_PROJECT_ID": project, "CI_PROJECT_PATH": "grp/app",
				"CI_PIPELINE_URL": url(1), "UPLOAD_TO_S3": "true",
			},
		}
		nodes := e.tpPipelines(t, e.pat)
		if len(nodes) != 3 {
			t.Fatalf("Maintainer sees %d pipelines, want 3", len(nodes))
		}
		for i, n := range nodes {
			if got := tpVarMap(n.Variables); !reflect.DeepEqual(got, want[i]) {
				t.Errorf("pipeline %d variables for a Maintainer:\n got %v\nwant %v", n.IID, got, want[i])
			}
		}
		if n := nodes[2]; n.IID != 1 || n.Status != "CREATED" || n.Source != "trigger" || n.Ref != "v1" ||
			n.Trigger == nil || n.Trigger.ID != globalID("PipelineTrigger", tr.ID) || n.User == nil || n.User.Username != "owner" {
			t.Errorf("trigger pipeline node = %+v", n)
		}
		if n := nodes[0]; n.Source != "api" || n.Trigger != nil || n.User == nil || n.User.Username != "dev" {
			t.Errorf("api pipeline node = %+v", n)
		}

		// A Reporter sees the same keys, no values.
		for i, n := range e.tpPipelines(t, repPAT) {
			got := tpVarMap(n.Variables)
			for k, v := range want[i] {
				hidden := "<nil>"
				if strings.HasPrefix(v, "file:") {
					hidden = "file:<nil>"
				}
				if got[k] != hidden {
					t.Errorf("Reporter sees %s = %q in pipeline %d, want %s", k, got[k], n.IID, hidden)
				}
			}
			if len(got) != len(want[i]) {
				t.Errorf("Reporter sees %d variables, want %d", len(got), len(want[i]))
			}
		}
		// A Developer is not a Maintainer either.
		for _, n := range e.tpPipelines(t, devPAT) {
			for _, v := range n.Variables {
				if v.Value != nil {
					t.Errorf("Developer sees the value of %s", v.Key)
				}
			}
		}
	})
}

// TestTriggerPipelineAudit: used and rejected trigger calls are in the
// audit log, naming the token by at most 8 characters.
func TestTriggerPipelineAudit(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		e := newTPEnv(t, db)
		token := e.tpTrigger(t, "")
		tr := e.tpTriggerRow(t, token)

		res := e.tpDo(t, tpCase{body: tpForm("token", token, "ref", "main"), headers: map[string]string{"User-Agent": "curl/8 \xff"}})
		if res.status != 201 {
			t.Fatalf("trigger = %d %s", res.status, res.body)
		}
		p := e.tpCheckPipeline(t, res.body, tpWant{ref: "main", trigger: token})
		used, err := db.Client.AuditEvent.Query().Where(auditevent.Action("trigger.used")).All(ctx)
		if err != nil || len(used) != 1 {
			t.Fatalf("trigger.used events: %+v %v", used, err)
		}
		u := used[0]
		if u.Outcome != auditevent.OutcomeSUCCESS || u.TargetType != "Pipeline" || u.TargetID == nil || *u.TargetID != p.ID ||
			u.ProjectID == nil || *u.ProjectID != e.project.ID || u.ActorTokenKind != "trigger_token" || u.ActorShortToken != tr.ShortToken ||
			u.IPAddress != "127.0.0.1" || u.UserAgent != "curl/8 \uFFFD" {
			t.Errorf("trigger.used = %+v", u)
		}

		bad := tokenstest.BadChecksum(token)
		rejected := []struct {
			name, body, reason, short string
			project                   bool
		}{
			{"bad checksum", tpForm("token", bad, "ref", "main"), "unknown, expired or revoked token", bad[:8], false},
			{"garbage", tpForm("token", "hunter2-is-my-password", "ref", "main"), "unknown, expired or revoked token", "hunter2-", false},
			{"unknown ref", tpForm("token", token, "ref", "nope"), "Reference not found: nope", token[:8], true},
		}
		for _, tc := range rejected {
			t.Run(tc.name, func(t *testing.T) {
				before, _ := db.Client.AuditEvent.Query().Where(auditevent.Action("trigger.rejected")).Count(ctx)
				if res := e.tpDo(t, tpCase{body: tc.body}); res.status < 400 {
					t.Fatalf("= %d", res.status)
				}
				evs, err := db.Client.AuditEvent.Query().Where(auditevent.Action("trigger.rejected")).Order(ent.Asc(auditevent.FieldID)).All(ctx)
				if err != nil || len(evs) != before+1 {
					t.Fatalf("%d trigger.rejected events, want %d (%v)", len(evs), before+1, err)
				}
				ev := evs[len(evs)-1]
				if ev.Outcome != auditevent.OutcomeFAILURE || ev.Reason != tc.reason || ev.ActorShortToken != tc.short ||
					len(ev.ActorShortToken) > 8 || (ev.ProjectID != nil) != tc.project {
					t.Errorf("trigger.rejected = %+v, want reason %q short %q", ev, tc.reason, tc.short)
				}
			})
		}
		// No event holds a presented secret.
		all, err := db.Client.AuditEvent.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range all {
			if s := fmt.Sprintf("%+v", ev); strings.Contains(s, token[8:]) || strings.Contains(s, bad[8:]) || strings.Contains(s, "password") {
				t.Errorf("audit event holds a secret: %s", s)
			}
		}
	})
}
