package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/domain/joblogs"
	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/tokens"
)

func (e *rnEnv) rnLog(t *testing.T, id int, jobToken, contentRange, body string) response {
	t.Helper()
	h := map[string]string{"Authorization": "Bearer " + jobToken, "Content-Type": "text/plain"}
	if contentRange != "" {
		h["Content-Range"] = contentRange
	}
	return e.send(t, http.MethodPatch, fmt.Sprintf("/api/v1/runner/pipelines/%d/log", id), body, h)
}

// rnLogRows counts stored log rows: refusals must not add any.
func (e *rnEnv) rnLogRows(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	heads := e.db.Client.PipelineLog.Query().AllX(ctx)
	var b strings.Builder
	for _, h := range heads {
		fmt.Fprintf(&b, "%d:%d/%d ", h.PipelineID, h.Received, h.Size)
	}
	fmt.Fprintf(&b, "chunks %d", e.db.Client.PipelineLogChunk.Query().CountX(ctx))
	return b.String()
}

// TestJobLogProtocol: GitLab runner's trace protocol over HTTP. Appends at
// the received length answer 202 with Range 0-<received>; anything else a
// clear 4xx that writes nothing; GraphQL reads the log back for Maintainers.
func TestJobLogProtocol(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		_, runnerToken := e.rnCreateRunner(t, e.pat, "grp/app")
		first := e.rnTrigger(t, "grp/app")
		second := e.rnTrigger(t, "grp/app")
		job, other := e.rnClaim(t, runnerToken), e.rnClaim(t, runnerToken)
		ok := e.rnLog(t, first, job.JobToken, "0-5", "hello ")
		if ok.status != http.StatusAccepted || ok.header.Get("Range") != "0-6" {
			t.Fatalf("first append = %d %s Range %q", ok.status, ok.body, ok.header.Get("Range"))
		}
		before := e.rnLogRows(t)
		unknown, _ := tokens.New(tokens.Job)
		refused := []struct {
			name, token, contentRange, body string
			id, status                      int
		}{
			{"retried chunk", job.JobToken, "0-5", "hello ", first, 416},
			{"gap", job.JobToken, "10-12", "abc", first, 416},
			{"no Content-Range", job.JobToken, "", "world", first, 400},
			{"Content-Range not a range", job.JobToken, "bytes=6-", "world", first, 400},
			{"Content-Range longer than the body", job.JobToken, "6-20", "world", first, 400},
			{"negative offset", job.JobToken, "-1-3", "world", first, 400},
			{"oversized chunk", job.JobToken, fmt.Sprintf("6-%d", 6+joblogs.MaxChunk), strings.Repeat("x", joblogs.MaxChunk+1), first, 413},
			{"no token", "", "6-10", "world", first, 401},
			{"unknown job token", unknown, "6-10", "world", first, 401},
			{"runner token", runnerToken, "6-10", "world", first, 401},
			{"another pipeline's job token", other.JobToken, "6-10", "world", first, 403},
			{"unknown pipeline", job.JobToken, "6-10", "world", second + 100, 403},
			{"pipeline ID not a number", job.JobToken, "6-10", "world", 0, 404},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				res := e.rnLog(t, tc.id, tc.token, tc.contentRange, tc.body)
				if res.status != tc.status || !strings.HasPrefix(strings.TrimSpace(res.body), "{") {
					t.Fatalf("got %d %s, want %d with a JSON body", res.status, truncate(res.body), tc.status)
				}
				if tc.status == 416 && res.header.Get("Range") != "0-6" {
					t.Errorf("416 Range = %q, want 0-6", res.header.Get("Range"))
				}
				if after := e.rnLogRows(t); after != before {
					t.Errorf("refused append wrote: %s → %s", before, after)
				}
			})
		}
		if res := e.rnLog(t, first, job.JobToken, "bytes 6-11", "world\n"); res.status != http.StatusAccepted || res.header.Get("Range") != "0-12" {
			t.Fatalf("second append = %d %s", res.status, res.body)
		}
		data := e.tpGQL(t, e.pat, `{ project(fullPath: "grp/app") { pipeline(iid: "1") { log { content offset nextOffset size truncated complete } } } }`)
		if want := `{"content":"hello world\n","offset":0,"nextOffset":12,"size":12,"truncated":false,"complete":false}`; !strings.Contains(string(data), want) {
			t.Fatalf("GraphQL log = %s, want %s", data, want)
		}
		data = e.tpGQL(t, e.pat, `{ project(fullPath: "grp/app") { pipeline(iid: "1") { log(offset: 6, limit: 3) { content nextOffset } } } }`)
		if !strings.Contains(string(data), `{"content":"wor","nextOffset":9}`) {
			t.Fatalf("GraphQL log piece = %s", data)
		}
		e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { pipelineCancel(input: {id: "gid://kickoff/Pipeline/%d"}) { errors } }`, first))
		if res := e.rnLog(t, first, job.JobToken, "12-13", "x\n"); res.status != http.StatusConflict {
			t.Fatalf("append after cancel = %d %s, want 409", res.status, res.body)
		}
	})
}

// runningWithLog starts a pipeline, has a runner claim it, report it
// running and append "first\n" to its log.
func (e *rnEnv) runningWithLog(t *testing.T) (int, rnJob) {
	t.Helper()
	_, runnerToken := e.rnCreateRunner(t, e.pat, "grp/app")
	id := e.rnTrigger(t, "grp/app")
	job := e.rnClaim(t, runnerToken)
	wantStatus(t, e.rnUpdate(t, id, job.JobToken, `{"status":"running"}`), http.StatusOK, "")
	wantStatus(t, e.rnLog(t, id, job.JobToken, "0-5", "first\n"), http.StatusAccepted, "")
	return id, job
}

// followLog subscribes as operation op to pipeline id's log.
func (s *subClient) followLog(t *testing.T, op string, id int) {
	t.Helper()
	payload, _ := json.Marshal(map[string]any{
		"query":     `subscription($id: ID!) { pipelineLogAppended(id: $id) { content complete } }`,
		"variables": map[string]string{"id": globalID("Pipeline", id)},
	})
	s.send(t, wsMessage{ID: op, Type: "subscribe", Payload: payload})
}

// nextLogPiece reads the next message of operation id as a log piece.
func (s *subClient) nextLogPiece(t *testing.T, id string) (content string, complete bool) {
	t.Helper()
	m, err := s.read()
	if err != nil {
		t.Fatalf("waiting for a log piece: %v", err)
	}
	var body struct {
		Data struct {
			PipelineLogAppended *struct {
				Content  string
				Complete bool
			}
		}
	}
	if m.Type != "next" || m.ID != id || json.Unmarshal(m.Payload, &body) != nil || body.Data.PipelineLogAppended == nil {
		t.Fatalf("got %s %s %s, want a log piece of %s", m.Type, m.ID, m.Payload, id)
	}
	return body.Data.PipelineLogAppended.Content, body.Data.PipelineLogAppended.Complete
}

// TestJobLogSubscription: pipelineLogAppended sends what is stored, then
// each append as it happens, then ends once the pipeline has finished;
// viewers below Maintainer are refused.
func TestJobLogSubscription(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		id, job := e.runningWithLog(t)

		query := func(s *subClient, op string) { s.followLog(t, op, id) }
		dev := e.createUser(t, "dev", false)
		_, devPAT := e.createPAT(t, dev)
		e.tpMember(t, "dev", "DEVELOPER")
		refused := dialSub(t, e.srv.URL, patHeader(devPAT))
		query(refused, "dev")
		if m, err := refused.read(); err != nil || !strings.Contains(string(m.Payload), `"code":"FORBIDDEN"`) {
			t.Fatalf("a Developer's subscription = %s %s, %v; want a FORBIDDEN error", m.Type, m.Payload, err)
		}

		s := dialSub(t, e.srv.URL, patHeader(e.pat))
		query(s, "log")
		if got, done := s.nextLogPiece(t, "log"); got != "first\n" || done {
			t.Fatalf("first piece = %q complete=%v", got, done)
		}
		wantStatus(t, e.rnLog(t, id, job.JobToken, "6-12", "second\n"), http.StatusAccepted, "")
		if got, done := s.nextLogPiece(t, "log"); got != "second\n" || done {
			t.Fatalf("second piece = %q complete=%v", got, done)
		}
		wantStatus(t, e.rnUpdate(t, id, job.JobToken, `{"status":"success"}`), http.StatusOK, "")
		if got, done := s.nextLogPiece(t, "log"); got != "" || !done {
			t.Fatalf("last piece = %q complete=%v, want an empty complete piece", got, done)
		}
		if m, err := s.read(); err != nil || m.Type != "complete" || m.ID != "log" {
			t.Fatalf("after the last piece: %s %s, %v; want complete", m.Type, m.Payload, err)
		}

		// REST: the whole log, a tail by Range, refusals in JSON.
		logURL := fmt.Sprintf("/api/v4/projects/grp%%2Fapp/pipelines/%d/log", id)
		owner := map[string]string{"PRIVATE-TOKEN": e.pat}
		if res := e.send(t, http.MethodGet, logURL, "", owner); res.status != http.StatusOK || res.body != "first\nsecond\n" ||
			res.header.Get("X-Kickoff-Log-Complete") != "true" || !strings.HasPrefix(res.header.Get("Content-Type"), "text/plain") {
			t.Fatalf("GET log = %d %q %v", res.status, res.body, res.header)
		}
		tail := map[string]string{"PRIVATE-TOKEN": e.pat, "Range": "bytes=6-"}
		if res := e.send(t, http.MethodGet, logURL, "", tail); res.status != http.StatusPartialContent || res.body != "second\n" ||
			res.header.Get("Content-Range") != "bytes 6-12/13" {
			t.Fatalf("GET log bytes=6- = %d %q %v", res.status, res.body, res.header)
		}
		for name, h := range map[string]map[string]string{
			"past the end":    {"PRIVATE-TOKEN": e.pat, "Range": "bytes=99-"},
			"malformed Range": {"PRIVATE-TOKEN": e.pat, "Range": "bytes=x"},
			"a Developer":     {"PRIVATE-TOKEN": devPAT},
			"no token":        {},
		} {
			res := e.send(t, http.MethodGet, logURL, "", h)
			if res.status < 400 || res.status >= 500 || !strings.HasPrefix(strings.TrimSpace(res.body), "{") {
				t.Errorf("GET log, %s = %d %s; want a 4xx JSON error", name, res.status, res.body)
			}
		}

		// Deleting the pipeline (Owner) deletes its log.
		if res := e.send(t, http.MethodDelete, fmt.Sprintf("/api/v4/projects/grp%%2Fapp/pipelines/%d", id), "", owner); res.status != http.StatusNoContent {
			t.Fatalf("DELETE pipeline = %d %s", res.status, res.body)
		}
		if rows := e.rnLogRows(t); rows != "chunks 0" {
			t.Fatalf("after deleting the pipeline: %s", rows)
		}
	})
}

// TestMaskedVariables: pipelineCreate marks variables masked (one line, at
// least 8 characters); the runner is told which are, and their values never
// reach the stored log.
func TestMaskedVariables(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		_, runnerToken := e.rnCreateRunner(t, e.pat, "grp/app")
		for _, bad := range []string{"short", "two\nlines-secret"} {
			data, errs := e.tpGQLErrors(t, e.pat, fmt.Sprintf(`mutation { pipelineCreate(input: {projectPath: "grp/app", variables: [{key: "K", value: %q, masked: true}]}) { pipeline { id } errors } }`, bad))
			if !strings.Contains(string(data), `"pipeline":null`) || !strings.Contains(string(data), "is masked, so its value must be one line of at least 8 characters") {
				t.Fatalf("masked %q: %s %v", bad, data, errs)
			}
		}
		e.tpGQL(t, e.pat, `mutation { pipelineCreate(input: {projectPath: "grp/app", variables: [{key: "DEPLOY_KEY", value: "hunter2-hunter2", masked: true}, {key: "PLAIN", value: "visible"}]}) { errors } }`)
		job := e.rnClaim(t, runnerToken)
		masked := map[string]bool{}
		for _, v := range job.Variables {
			masked[v.Key] = v.Masked
		}
		if !masked["DEPLOY_KEY"] || masked["PLAIN"] {
			t.Fatalf("the runner's variables = %+v, want DEPLOY_KEY masked only", job.Variables)
		}
		line := "key=hunter2-hunter2 plain=visible\n"
		wantStatus(t, e.rnLog(t, job.Pipeline.ID, job.JobToken, fmt.Sprintf("0-%d", len(line)-1), line), http.StatusAccepted, "")
		data := e.tpGQL(t, e.pat, `{ project(fullPath: "grp/app") { pipeline(iid: "1") { log { content } variables { key masked } } } }`)
		if !strings.Contains(string(data), `"content":"key=[MASKED] plain=visible\n"`) || !strings.Contains(string(data), `{"key":"DEPLOY_KEY","masked":true}`) {
			t.Fatalf("pipeline = %s", data)
		}
	})
}

// TestJobLogAccessSetting: job logs are Maintainer-only until a Maintainer
// opens them to Developers or Reporters with projectUpdate; REST, GraphQL
// and live tails follow the setting at once, both ways, and bad values
// change nothing.
func TestJobLogAccessSetting(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		id, job := e.runningWithLog(t)
		reporter := e.createUser(t, "rep", false)
		_, repPAT := e.createPAT(t, reporter)
		e.tpMember(t, "rep", "REPORTER")
		logURL := fmt.Sprintf("/api/v4/projects/grp%%2Fapp/pipelines/%d/log", id)
		const view = `{ project(fullPath: "grp/app") { jobLogAccessLevel userPermissions { readJobLog } pipeline(iid: "1") { log { content } } } }`
		setting := func(level string) string {
			return fmt.Sprintf(`mutation { projectUpdate(input: {projectPath: "grp/app", jobLogAccessLevel: %s}) { project { jobLogAccessLevel } errors } }`, level)
		}

		wantStatus(t, e.send(t, http.MethodGet, logURL, "", map[string]string{"PRIVATE-TOKEN": repPAT}), http.StatusForbidden,
			`{"message":"403 Forbidden - reading this project's job logs needs the MAINTAINER role"}`)
		if data := e.tpGQL(t, repPAT, view); !strings.Contains(string(data), `"jobLogAccessLevel":"MAINTAINER","userPermissions":{"readJobLog":false},"pipeline":{"log":null}`) {
			t.Fatalf("a Reporter's view by default = %s", data)
		}

		audits := e.rnAuditTotal(t)
		for _, tc := range []struct{ name, pat, level, want string }{
			{"a Reporter opens the logs", repPAT, "REPORTER", "MAINTAINER role"},
			{"GUEST", e.pat, "GUEST", "not GUEST"},
			{"OWNER", e.pat, "OWNER", "not OWNER"},
			{"NO_ACCESS", e.pat, "NO_ACCESS", "not NO_ACCESS"},
			{"not an access level", e.pat, "EVERYONE", "EVERYONE"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, errs := e.tpGQLErrors(t, tc.pat, setting(tc.level))
				if len(errs) == 0 || !strings.Contains(strings.Join(errs, "; "), tc.want) {
					t.Fatalf("errors %v, want one mentioning %q", errs, tc.want)
				}
				if got := e.db.Client.Project.Query().OnlyX(context.Background()).JobLogAccessLevel; got != 40 {
					t.Fatalf("the setting changed to %v", got)
				}
			})
		}
		if got := e.rnAuditTotal(t); got != audits {
			t.Fatalf("refused updates wrote %d audit events", got-audits)
		}

		e.tpGQL(t, e.pat, setting("REPORTER"))
		if n := e.db.Client.AuditEvent.Query().Where(auditevent.Action("project.updated"),
			auditevent.Reason("job logs readable by REPORTER and above (was MAINTAINER)")).CountX(context.Background()); n != 1 {
			t.Fatalf("%d audit events say the logs were opened", n)
		}
		wantStatus(t, e.send(t, http.MethodGet, logURL, "", map[string]string{"PRIVATE-TOKEN": repPAT}), http.StatusOK, "first")
		if data := e.tpGQL(t, repPAT, view); !strings.Contains(string(data), `"jobLogAccessLevel":"REPORTER","userPermissions":{"readJobLog":true},"pipeline":{"log":{"content":"first\n"}}`) {
			t.Fatalf("a Reporter's view once opened = %s", data)
		}
		s := dialSub(t, e.srv.URL, patHeader(repPAT))
		s.followLog(t, "log", id)
		if got, _ := s.nextLogPiece(t, "log"); got != "first\n" {
			t.Fatalf("the Reporter's live tail starts with %q", got)
		}

		// Closed again: the live tail ends at the next piece, REST refuses.
		e.tpGQL(t, e.pat, setting("MAINTAINER"))
		wantStatus(t, e.rnLog(t, id, job.JobToken, "6-12", "second\n"), http.StatusAccepted, "")
		if m, err := s.read(); err != nil || m.Type != "error" || !strings.Contains(string(m.Payload), "needs the MAINTAINER role") {
			t.Fatalf("the Reporter's tail after closing: %s %s, %v; want an error", m.Type, m.Payload, err)
		}
		wantStatus(t, e.send(t, http.MethodGet, logURL, "", map[string]string{"PRIVATE-TOKEN": repPAT}), http.StatusForbidden, "")
	})
}
