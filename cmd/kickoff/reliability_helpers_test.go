package main

// Helpers of the process-level reliability tests (SPEC §11): a server with a
// project, a trigger token, a PAT and a runner token; a trigger load of
// concurrent clients that records what each request got; and checks against
// the database the test opened itself.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/tokens/tokenstest"
)

const (
	relProjectPath = "rel/load"
	// relIdlePath is a project no pipeline is ever triggered in: its runner's
	// long-poll has nothing to claim, so it stays in flight until shut down.
	relIdlePath = "rel/idle"
	// relVariable carries each request's unique key into its pipeline.
	relVariable = "REQ"
)

// relFixture is a running Kickoff with what the load needs, plus the test's
// own connection to the same database.
type relFixture struct {
	in            *instance
	db            *database.DB
	adminPassword string
	pat           string
	trigger       string // kot_ token of relProjectPath
	runner        string // kor_ token of a runner of relIdlePath
	procs         []*serveProc
}

// newRelFixture starts `kickoff serve` (debug logs, so the secrets check sees
// everything) on a fresh database and sets up a project, a trigger token and
// a runner through the CLI and GraphQL.
func newRelFixture(t *testing.T, dialectName string) (*relFixture, *serveProc) {
	t.Helper()
	db, cfg := dbtest.OpenUnmigrated(t, dialectName)
	f := &relFixture{db: db, in: &instance{dialect: dialectName, dataDir: cfg.DataDir, dbURL: cfg.URL}}
	s := f.start(t)
	m := initialAdminLine.FindStringSubmatch(s.logs.String())
	if m == nil {
		t.Fatalf("first start did not log the initial admin password:\n%s", s.logs)
	}
	f.adminPassword = m[1]
	f.pat = strings.TrimSpace(f.in.runOK(t, "", f.in.with("admin", "token", "create", "--username", "admin", "--name", "reliability")...).stdout)

	for _, path := range []string{relProjectPath, relIdlePath} {
		var created struct {
			ProjectCreate struct{ Errors []string }
		}
		f.graphQL(t, s, fmt.Sprintf(`mutation { projectCreate(input: {name: %q, path: %q}) { errors } }`, path, path), &created)
		if len(created.ProjectCreate.Errors) > 0 {
			t.Fatalf("projectCreate %s: %v", path, created.ProjectCreate.Errors)
		}
	}
	var trig struct {
		PipelineTriggerCreate struct {
			PipelineTrigger struct{ Token string }
			Errors          []string
		}
	}
	f.graphQL(t, s, fmt.Sprintf(`mutation { pipelineTriggerCreate(input: {projectPath: %q, description: "load"}) { pipelineTrigger { token } errors } }`, relProjectPath), &trig)
	if f.trigger = trig.PipelineTriggerCreate.PipelineTrigger.Token; !strings.HasPrefix(f.trigger, "kot_") {
		t.Fatalf("pipelineTriggerCreate: token %q, errors %v", f.trigger, trig.PipelineTriggerCreate.Errors)
	}
	var run struct {
		RunnerCreate struct {
			Token  string
			Errors []string
		}
	}
	f.graphQL(t, s, fmt.Sprintf(`mutation { runnerCreate(input: {projectPath: %q, description: "idle"}) { token errors } }`, relIdlePath), &run)
	if f.runner = run.RunnerCreate.Token; !strings.HasPrefix(f.runner, "kor_") {
		t.Fatalf("runnerCreate: token %q, errors %v", f.runner, run.RunnerCreate.Errors)
	}
	return f, s
}

// start starts `kickoff serve` on the fixture's database and waits until it
// is ready.
func (f *relFixture) start(t *testing.T) *serveProc {
	t.Helper()
	s := f.in.startServe(t, "--log-level", "debug")
	f.procs = append(f.procs, s)
	s.waitReady(t)
	return s
}

// graphQL posts a query with the PAT and decodes its data into out.
func (f *relFixture) graphQL(t *testing.T, s *serveProc, query string, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.addr+"/api/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("PRIVATE-TOKEN", f.pat)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GraphQL: %v", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GraphQL: reading the answer: %v", err)
	}
	var answer struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(raw, &answer); err != nil || len(answer.Errors) > 0 || resp.StatusCode != http.StatusOK {
		t.Fatalf("GraphQL %s: status %d, answer %s (decoding: %v)", query, resp.StatusCode, raw, err)
	}
	if err := json.Unmarshal(answer.Data, out); err != nil {
		t.Fatalf("GraphQL: decoding data %s: %v", answer.Data, err)
	}
}

// outcome is what one trigger request got.
type outcome struct {
	key    string // the request's REQ variable (and Idempotency-Key, if sent)
	at     time.Time
	status int    // 0 when there was no response
	id     int    // pipeline id of a 2xx answer
	err    string // transport error or invalid body
	// refused is a connection that never reached the server (nothing
	// listened any more); such requests were never accepted.
	refused bool
}

// triggerLoad is clients concurrent trigger callers, each sending requests
// back to back until stopped, its first transport error (with
// stopOnError), or perClient requests.
type triggerLoad struct {
	stop chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	all  []outcome
}

type loadConfig struct {
	clients, perClient int
	pause              time.Duration // between a client's requests
	stopOnError        bool
}

func startTriggerLoad(addr, token string, cfg loadConfig) *triggerLoad {
	l := &triggerLoad{stop: make(chan struct{})}
	transport := &http.Transport{
		MaxIdleConnsPerHost: cfg.clients,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	client := &http.Client{Transport: transport, Timeout: 40 * time.Second}
	endpoint := "http://" + addr + "/api/v4/projects/" + url.PathEscape(relProjectPath) + "/trigger/pipeline"
	for c := range cfg.clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for n := range cfg.perClient {
				select {
				case <-l.stop:
					return
				default:
				}
				// Odd clients send no Idempotency-Key: Go's transport retries
				// only requests marked idempotent, so their failures show as
				// they happened instead of as a retry's "connection refused".
				o := triggerOnce(client, endpoint, token, fmt.Sprintf("c%02d-%04d", c, n), c%2 == 0)
				l.mu.Lock()
				l.all = append(l.all, o)
				l.mu.Unlock()
				if o.status == 0 && cfg.stopOnError {
					return
				}
				if cfg.pause > 0 {
					time.Sleep(cfg.pause)
				}
			}
		}()
	}
	return l
}

// triggerOnce posts one trigger request the way GitLab clients do (a form)
// and checks that any answer is complete JSON.
func triggerOnce(client *http.Client, endpoint, token, key string, idempotent bool) outcome {
	form := url.Values{"token": {token}, "ref": {"main"}, "variables[" + relVariable + "]": {key}}
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if idempotent {
		req.Header.Set("Idempotency-Key", key)
	}
	o := outcome{key: key}
	resp, err := client.Do(req)
	o.at = time.Now()
	if err != nil {
		o.err = err.Error()
		o.refused = errors.Is(err, syscall.ECONNREFUSED)
		return o
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	o.status = resp.StatusCode
	if err != nil {
		o.err = fmt.Sprintf("status %d, body cut short: %v", resp.StatusCode, err)
		return o
	}
	var body struct {
		ID int `json:"id"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		o.err = fmt.Sprintf("status %d, invalid JSON body %q: %v", resp.StatusCode, raw, err)
		return o
	}
	if resp.StatusCode/100 == 2 {
		if body.ID <= 0 {
			o.err = fmt.Sprintf("status %d without a pipeline id: %s", resp.StatusCode, raw)
			return o
		}
		o.id = body.ID
	}
	return o
}

// finish stops the clients, waits for them and returns every outcome.
func (l *triggerLoad) finish() []outcome {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all
}

// waitForAcks waits until the load has n acknowledged pipelines (or a
// client stopped), so a test kills the server under real load.
func (l *triggerLoad) waitForAcks(t *testing.T, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		acked := 0
		for _, o := range l.all {
			if o.id > 0 {
				acked++
			}
		}
		l.mu.Unlock()
		if acked >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the trigger load did not reach %d acknowledged pipelines in %s", n, timeout)
}

// summary counts outcomes by kind for the test log.
func summary(all []outcome) string {
	counts := map[string]int{}
	for _, o := range all {
		switch {
		case o.refused:
			counts["refused"]++
		case o.status == 0:
			counts["transport error"]++
		case o.err != "":
			counts[fmt.Sprintf("%d (bad body)", o.status)]++
		default:
			counts[fmt.Sprint(o.status)]++
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := []string{fmt.Sprintf("%d requests", len(all))}
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %d", k, counts[k]))
	}
	return strings.Join(parts, ", ")
}

// storedPipelines maps the REQ variable of every pipeline in the database to
// its pipeline id.
func (f *relFixture) storedPipelines(t *testing.T) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ps, err := f.db.Client.Pipeline.Query().WithVariables().All(ctx)
	if err != nil {
		t.Fatalf("reading pipelines from the database: %v", err)
	}
	byKey := make(map[string]int, len(ps))
	for _, p := range ps {
		for _, v := range p.Edges.Variables {
			if v.Key == relVariable {
				if prev, dup := byKey[v.Value]; dup {
					t.Errorf("requests with Idempotency-Key %s created pipelines %d and %d", v.Value, prev, p.ID)
				}
				byKey[v.Value] = p.ID
			}
		}
	}
	return byKey
}

// checkAcknowledgedStored checks every 2xx pipeline is in the database with
// the variable its request sent, and returns how many there were.
func (f *relFixture) checkAcknowledgedStored(t *testing.T, all []outcome) int {
	t.Helper()
	stored := f.storedPipelines(t)
	acked := 0
	for _, o := range all {
		if o.id == 0 {
			continue
		}
		acked++
		switch id, ok := stored[o.key]; {
		case !ok:
			t.Errorf("acknowledged pipeline %d (request %s) is not in the database", o.id, o.key)
		case id != o.id:
			t.Errorf("request %s was answered with pipeline %d, but the database holds its variables on pipeline %d", o.key, o.id, id)
		}
	}
	return acked
}

// secretLike matches anything shaped like a Kickoff token or a JWT.
var secretLike = regexp.MustCompile(`ko[tpjr]_[0-9A-Za-z]{8,}|eyJ[0-9A-Za-z_-]{10,}\.`)

// checkNoSecretsLogged checks no server process of the fixture logged a
// token: neither the ones the test used nor anything shaped like one; the
// admin password only in the one line announcing it.
func (f *relFixture) checkNoSecretsLogged(t *testing.T, extra ...string) {
	t.Helper()
	for i, s := range f.procs {
		logs := s.logs.String() + s.stdout.String()
		for _, secret := range append([]string{f.pat, f.trigger, f.runner}, extra...) {
			if secret != "" && strings.Contains(logs, secret) {
				t.Errorf("server process %d logged the secret %s…", i, secret[:6])
			}
		}
		if m := secretLike.FindString(logs); m != "" {
			t.Errorf("server process %d logged something shaped like a token: %s…", i, m[:6])
		}
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, f.adminPassword) && !initialAdminLine.MatchString(line) {
				t.Errorf("server process %d logged the admin password outside its announcement: %.40s…", i, line)
			}
		}
	}
}

// rejectedTokens sends trigger requests with wrong tokens, so the secrets
// check also covers the rejection paths (audit, rate limiting, errors).
func rejectedTokens(t *testing.T, s *serveProc, f *relFixture) []string {
	t.Helper()
	wrong := []string{
		tokenstest.BadChecksum(f.trigger), // bad checksum
		"kot_" + strings.Repeat("A", 38),
		f.pat,    // a PAT where a trigger token belongs
		f.runner, // a runner token, likewise
	}
	client := &http.Client{Timeout: 10 * time.Second}
	endpoint := "http://" + s.addr + "/api/v4/projects/" + url.PathEscape(relProjectPath) + "/trigger/pipeline"
	for _, tok := range wrong {
		resp, err := client.PostForm(endpoint, url.Values{"token": {tok}, "ref": {"main"}})
		if err != nil {
			t.Fatalf("posting a wrong token: %v", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("trigger with a wrong token: status %d, want 404", resp.StatusCode)
		}
		resp, err = client.Post("http://"+s.addr+"/api/trigger/"+tok, "text/plain", nil)
		if err != nil {
			t.Fatalf("posting a wrong one-URL token: %v", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return wrong[:2]
}
