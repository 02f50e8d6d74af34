package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/webhooks"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/ent/webhookdelivery"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/outbound"
	"github.com/kickoff-ci/kickoff/services"
	"github.com/kickoff-ci/kickoff/services/servicestest"
)

// receiver is a webhook receiver on loopback that records what it gets and
// answers as answer says (200 when nil).
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []received
	answer func(n int) (status int, header http.Header)
}

type received struct {
	header http.Header
	body   []byte
	at     time.Time
}

func newReceiver(t *testing.T, answer func(n int) (int, http.Header)) *receiver {
	t.Helper()
	r := &receiver{answer: answer}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{header: req.Header.Clone(), body: body, at: time.Now()})
		n := len(r.got)
		r.mu.Unlock()
		status, h := http.StatusOK, http.Header(nil)
		if r.answer != nil {
			status, h = r.answer(n)
		}
		for k, v := range h {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		// A NUL and a stray byte: the delivery log must still record it.
		fmt.Fprintf(w, "{\"n\":%d}\x00\xff", n)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// waitFor polls until the receiver holds n requests (or fails after 20 s).
func (r *receiver) waitFor(t *testing.T, n int) []received {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if got := r.requests(); len(got) >= n {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the receiver got %d requests, want %d", len(r.requests()), n)
	return nil
}

// hookConfig delivers fast and may reach loopback, as tests need.
func hookConfig(allowLoopback bool) webhooks.Config {
	cfg := webhooks.Config{FirstRetry: 50 * time.Millisecond, MaxRetryWait: 3 * time.Second, Poll: 20 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}
	if allowLoopback {
		cfg.Policy = outbound.Policy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	}
	return cfg
}

// withWebhooks runs the services with cfg and their delivery workers.
func withWebhooks(t *testing.T, db *database.DB, cfg webhooks.Config) envOption {
	t.Helper()
	return func(c *testConfig) {
		c.set = servicestest.New(t, db.Client, services.WithWebhooks(cfg))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); c.set.Webhooks.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
	}
}

func newHookEnv(t *testing.T, db *database.DB, cfg webhooks.Config) *rnEnv {
	t.Helper()
	return &rnEnv{newTPEnv(t, db, withWebhooks(t, db, cfg))}
}

// hookCreate adds a hook with REST and returns its ID and signing secret.
func (e *rnEnv) hookCreate(t *testing.T, body string) (id int, secret string) {
	t.Helper()
	res := e.send(t, http.MethodPost, "/api/v4/projects/grp%2Fapp/hooks", body,
		map[string]string{"PRIVATE-TOKEN": e.pat, "Content-Type": "application/json"})
	var out struct {
		ID            int    `json:"id"`
		SigningSecret string `json:"signing_secret"`
	}
	if res.status != http.StatusCreated || json.Unmarshal([]byte(res.body), &out) != nil || !strings.HasPrefix(out.SigningSecret, "whsec_") {
		t.Fatalf("POST hooks = %d %s", res.status, truncate(res.body))
	}
	return out.ID, out.SigningSecret
}

type hookPayload struct {
	ObjectKind       string `json:"object_kind"`
	ObjectAttributes struct {
		ID        int    `json:"id"`
		IID       int    `json:"iid"`
		Ref       string `json:"ref"`
		Status    string `json:"status"`
		Detailed  string `json:"detailed_status"`
		URL       string `json:"url"`
		Variables []struct{ Key, Value string }
	} `json:"object_attributes"`
	User    *struct{ Username string }
	Project struct {
		PathWithNamespace string `json:"path_with_namespace"`
		WebURL            string `json:"web_url"`
	}
}

// TestWebhookDeliversPipelineEvents: acceptance 1. A hook hears of every
// status of one pipeline, in order, each delivery verifiable with the
// Standard Webhooks reference library and carrying X-Gitlab-Token, custom
// headers and a stable event ID; the delivery log records them, secrets
// redacted.
func TestWebhookDeliversPipelineEvents(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newHookEnv(t, db, hookConfig(true))
		rcv := newReceiver(t, nil)
		hookID, secret := e.hookCreate(t, fmt.Sprintf(`{"url": %q, "token": "s3cret-token", "name": "ci",
			"custom_headers": [{"key": "X-Team", "value": "ops-secret"}]}`, rcv.srv.URL+"/hook?key=abc"))
		_, runnerToken := e.rnCreateRunner(t, e.pat, "grp/app")
		id := e.rnTrigger(t, "grp/app")
		job := e.rnClaim(t, runnerToken)
		wantStatus(t, e.rnUpdate(t, id, job.JobToken, `{"status":"running"}`), http.StatusOK, "")
		wantStatus(t, e.rnUpdate(t, id, job.JobToken, `{"status":"success"}`), http.StatusOK, "")

		got := rcv.waitFor(t, 4)
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		var statuses []string
		for _, r := range got {
			if err := wh.Verify(r.body, r.header); err != nil {
				t.Errorf("signature: %v (headers %v)", err, r.header)
			}
			h := r.header
			if h.Get("X-Gitlab-Event") != "Pipeline Hook" || h.Get("X-Gitlab-Token") != "s3cret-token" || h.Get("X-Team") != "ops-secret" ||
				h.Get("Idempotency-Key") == "" || h.Get("Idempotency-Key") != h.Get("Webhook-Id") || h.Get("X-Gitlab-Event-Uuid") != h.Get("Webhook-Id") ||
				h.Get("X-Gitlab-Webhook-Uuid") == "" || !strings.HasPrefix(h.Get("User-Agent"), "Kickoff") || h.Get("Content-Type") != "application/json" {
				t.Errorf("headers = %v", h)
			}
			var p hookPayload
			if err := json.Unmarshal(r.body, &p); err != nil || p.ObjectKind != "pipeline" || p.ObjectAttributes.ID != id ||
				p.Project.PathWithNamespace != "grp/app" || p.User == nil || p.User.Username != "owner" ||
				!strings.HasSuffix(p.ObjectAttributes.URL, "/grp/app/-/pipelines/1") {
				t.Errorf("payload = %s (%v)", r.body, err)
			}
			statuses = append(statuses, p.ObjectAttributes.Status)
		}
		if want := "created pending running success"; strings.Join(statuses, " ") != want {
			t.Fatalf("statuses in order of arrival = %v, want %s", statuses, want)
		}
		if rcv.requests()[0].header.Get("Webhook-Id") == rcv.requests()[1].header.Get("Webhook-Id") {
			t.Error("two events share an ID")
		}

		// The delivery log, newest first, secrets redacted, once recorded.
		waitDeliveries(t, e, 4, webhookdelivery.StateDelivered)
		res := e.send(t, http.MethodGet, fmt.Sprintf("/api/v4/projects/grp%%2Fapp/hooks/%d/events", hookID), "", map[string]string{"PRIVATE-TOKEN": e.pat})
		var log []struct {
			State          string            `json:"state"`
			Status         string            `json:"pipeline_status"`
			Attempts       int               `json:"attempts"`
			ResponseStatus int               `json:"response_status"`
			ResponseBody   string            `json:"response_body"`
			RequestHeaders map[string]string `json:"request_headers"`
		}
		if res.status != http.StatusOK || json.Unmarshal([]byte(res.body), &log) != nil || len(log) != 4 || res.header.Get("X-Total") != "4" {
			t.Fatalf("GET events = %d %s", res.status, truncate(res.body))
		}
		if l := log[0]; l.State != "delivered" || l.Status != "success" || l.Attempts != 1 || l.ResponseStatus != 200 ||
			!strings.HasPrefix(l.ResponseBody, `{"n":`) || l.RequestHeaders["X-Gitlab-Token"] != "[REDACTED]" || l.RequestHeaders["X-Team"] != "[REDACTED]" {
			t.Fatalf("newest log entry = %+v", l)
		}
		if strings.Contains(res.body, "s3cret-token") || strings.Contains(res.body, "ops-secret") {
			t.Fatal("the delivery log shows a secret")
		}
		metrics := e.send(t, http.MethodGet, "/metrics", "", nil).body
		for _, want := range []string{`kickoff_webhook_attempts_total{outcome="delivered"} 4`, "kickoff_webhook_queue_depth 0", "kickoff_webhook_oldest_queued_seconds 0"} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		// The hook as GitLab shows it: the URL's query redacted, no secrets.
		res = e.send(t, http.MethodGet, fmt.Sprintf("/api/v4/projects/grp%%2Fapp/hooks/%d", hookID), "", map[string]string{"PRIVATE-TOKEN": e.pat})
		if res.status != http.StatusOK || strings.Contains(res.body, "key=abc") || strings.Contains(res.body, "s3cret") ||
			!strings.Contains(res.body, `"custom_headers":[{"key":"X-Team"}]`) || !strings.Contains(res.body, `"alert_status":"executable"`) ||
			strings.Contains(res.body, "signing_secret") {
			t.Fatalf("GET hook = %d %s", res.status, res.body)
		}
	})
}

// TestWebhookRetries: acceptance 2. 5xx and connection failures are
// retried with the same event ID until delivered; 429 waits Retry-After;
// 410 is final.
func TestWebhookRetries(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newHookEnv(t, db, hookConfig(true))
		rcv := newReceiver(t, func(n int) (int, http.Header) {
			switch n {
			case 1, 2:
				return http.StatusServiceUnavailable, nil
			case 3:
				return http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}}
			}
			return http.StatusOK, nil
		})
		e.hookCreate(t, fmt.Sprintf(`{"url": %q, "statuses": ["created"]}`, rcv.srv.URL))
		e.rnTrigger(t, "grp/app")
		got := rcv.waitFor(t, 4)
		id := got[0].header.Get("Webhook-Id")
		for i, r := range got {
			if r.header.Get("Webhook-Id") != id || r.header.Get("Idempotency-Key") != id {
				t.Errorf("attempt %d has event ID %q, want %q", i+1, r.header.Get("Webhook-Id"), id)
			}
		}
		if gap := got[3].at.Sub(got[2].at); gap < 2*time.Second {
			t.Errorf("the retry after 429 with Retry-After: 2 came after %s", gap)
		}
		d := waitDelivery(t, e, func(d deliveryRow) bool { return d.State == "delivered" })
		if d.Attempts != 4 {
			t.Fatalf("delivered after %d attempts, want 4", d.Attempts)
		}
		if metrics := e.send(t, http.MethodGet, "/metrics", "", nil).body; !strings.Contains(metrics, `kickoff_webhook_attempts_total{outcome="retried"} 3`) {
			t.Errorf("/metrics does not count 3 retried attempts")
		}

		// 410 Gone: final at once.
		gone := newReceiver(t, func(int) (int, http.Header) { return http.StatusGone, nil })
		e.db.Client.WebhookDelivery.Delete().ExecX(context.Background())
		e.db.Client.Webhook.Delete().ExecX(context.Background())
		e.hookCreate(t, fmt.Sprintf(`{"url": %q, "statuses": ["created"]}`, gone.srv.URL))
		e.rnTrigger(t, "grp/app")
		d = waitDelivery(t, e, func(d deliveryRow) bool { return d.State == "failed" })
		time.Sleep(300 * time.Millisecond) // longer than hookConfig's first retry wait
		if d.Attempts != 1 || len(gone.requests()) != 1 {
			t.Fatalf("a 410 was retried: %d attempts, %d requests", d.Attempts, len(gone.requests()))
		}
	})
}

// waitDeliveries polls until n deliveries are in state.
func waitDeliveries(t *testing.T, e *rnEnv, n int, state webhookdelivery.State) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if e.db.Client.WebhookDelivery.Query().Where(webhookdelivery.StateEQ(state)).CountX(context.Background()) >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("fewer than %d deliveries are %s", n, state)
}

type deliveryRow struct {
	State    string
	Attempts int
}

// waitDelivery polls the only delivery row until ok.
func waitDelivery(t *testing.T, e *rnEnv, ok func(deliveryRow) bool) deliveryRow {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last deliveryRow
	for time.Now().Before(deadline) {
		rows := e.db.Client.WebhookDelivery.Query().AllX(context.Background())
		if len(rows) == 1 {
			last = deliveryRow{State: string(rows[0].State), Attempts: rows[0].Attempts}
			if ok(last) {
				return last
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the delivery never got there: %+v", last)
	return last
}

// TestWebhookFiltersAndVariables: statuses and ref globs choose what is
// sent; variable values go out because the hook's creator is a Maintainer,
// masked ones never.
func TestWebhookFiltersAndVariables(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newHookEnv(t, db, hookConfig(true))
		rcv := newReceiver(t, nil)
		e.hookCreate(t, fmt.Sprintf(`{"url": %q, "statuses": ["canceled"], "ref_globs": ["rel*"]}`, rcv.srv.URL))
		e.tpGQL(t, e.pat, `mutation { refCreate(input: {projectPath: "grp/app", name: "release-1", type: BRANCH}) { errors } }`)
		e.tpGQL(t, e.pat, `mutation { pipelineCreate(input: {projectPath: "grp/app", ref: "main"}) { errors } }`)
		data := e.tpGQL(t, e.pat, `mutation { pipelineCreate(input: {projectPath: "grp/app", ref: "release-1", variables: [
			{key: "PLAIN", value: "visible"}, {key: "SECRET", value: "masked-value-1", masked: true}]}) { pipeline { id } errors } }`)
		var out struct {
			PipelineCreate struct{ Pipeline struct{ ID string } }
		}
		_ = json.Unmarshal(data, &out)
		for _, iid := range []string{"1", "2"} {
			gid := e.tpGQL(t, e.pat, `{ project(fullPath: "grp/app") { pipeline(iid: "`+iid+`") { id } } }`)
			var p struct {
				Project struct{ Pipeline struct{ ID string } }
			}
			_ = json.Unmarshal(gid, &p)
			e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { pipelineCancel(input: {id: %q}) { errors } }`, p.Project.Pipeline.ID))
		}
		got := rcv.waitFor(t, 1)
		time.Sleep(200 * time.Millisecond)
		if n := len(rcv.requests()); n != 1 {
			t.Fatalf("the receiver got %d events, want only release-1's cancel", n)
		}
		var p hookPayload
		_ = json.Unmarshal(got[0].body, &p)
		vars := map[string]string{}
		for _, v := range p.ObjectAttributes.Variables {
			vars[v.Key] = v.Value
		}
		if p.ObjectAttributes.Ref != "release-1" || p.ObjectAttributes.Status != "canceled" ||
			vars["PLAIN"] != "visible" || vars["SECRET"] != webhooks.Masked || strings.Contains(string(got[0].body), "masked-value-1") {
			t.Fatalf("payload = %s", got[0].body)
		}
		// Deleting the pipeline deletes its deliveries: their payloads hold its variables.
		waitDeliveries(t, e, 1, webhookdelivery.StateDelivered)
		wantStatus(t, e.send(t, http.MethodDelete, fmt.Sprintf("/api/v4/projects/grp%%2Fapp/pipelines/%d", p.ObjectAttributes.ID), "",
			map[string]string{"PRIVATE-TOKEN": e.pat}), http.StatusNoContent, "")
		if n := e.db.Client.WebhookDelivery.Query().CountX(context.Background()); n != 0 {
			t.Fatalf("%d deliveries outlive their pipeline", n)
		}
	})
}

// TestWebhookRefusesInternalDestinations: acceptance 5. Without
// --webhook-allowed-networks, internal destinations are refused at create
// time where the URL shows them, and at delivery time always (a hook
// created where loopback was allowed, delivered where it is not).
func TestWebhookRefusesInternalDestinations(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newHookEnv(t, db, hookConfig(false))
		for _, u := range []string{
			"http://127.0.0.1/", "http://[::1]/", "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data",
			"http://0x7f000001/", "http://2130706433/", "http://localhost:8080/", "http://[fd00:ec2::254]/", "http://100.64.0.1/",
		} {
			res := e.send(t, http.MethodPost, "/api/v4/projects/grp%2Fapp/hooks", fmt.Sprintf(`{"url": %q}`, u),
				map[string]string{"PRIVATE-TOKEN": e.pat, "Content-Type": "application/json"})
			if res.status != http.StatusBadRequest || !strings.HasPrefix(res.body, `{"error":"url is invalid: `) {
				t.Errorf("POST hook %s = %d %s, want 400", u, res.status, res.body)
			}
		}
		if n := e.db.Client.Webhook.Query().CountX(context.Background()); n != 0 {
			t.Fatalf("refused hooks wrote %d rows", n)
		}

		rcv := newReceiver(t, nil)
		allowed := servicestest.New(t, db.Client, services.WithWebhooks(hookConfig(true)))
		admin := e.createUser(t, "root", true)
		_, err := allowed.Webhooks.Create(viewerContext(admin), "grp/app", webhooks.Input{URL: ptr(rcv.srv.URL)})
		if err != nil {
			t.Fatal(err)
		}
		e.rnTrigger(t, "grp/app")
		d := waitDelivery(t, e, func(d deliveryRow) bool { return d.State == "failed" })
		row := e.db.Client.WebhookDelivery.Query().OnlyX(context.Background())
		if d.Attempts != 1 || len(rcv.requests()) != 0 || !strings.Contains(row.Error, "not a public address") {
			t.Fatalf("delivery to loopback: %+v, error %q, %d requests", d, row.Error, len(rcv.requests()))
		}
	})
}

// TestWebhookAPIRefusals: acceptance 7. Bad input answers 400 in GitLab's
// shape and writes nothing; access is GitLab's.
func TestWebhookAPIRefusals(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newHookEnv(t, db, hookConfig(true))
		_, devPAT := e.createPAT(t, e.createUser(t, "dev", false))
		e.tpMember(t, "dev", "DEVELOPER")
		owner := map[string]string{"PRIVATE-TOKEN": e.pat, "Content-Type": "application/json"}
		many := make([]string, 21)
		for i := range many {
			many[i] = fmt.Sprintf(`{"key": "X-H%d", "value": "v"}`, i)
		}
		hookID, _ := e.hookCreate(t, `{"url": "https://hooks.example.com/a"}`)
		dev := map[string]string{"PRIVATE-TOKEN": devPAT}
		devJSON := map[string]string{"PRIVATE-TOKEN": devPAT, "Content-Type": "application/json"}
		_, outsiderPAT := e.createPAT(t, e.createUser(t, "outsider", false))
		outsider := map[string]string{"PRIVATE-TOKEN": outsiderPAT, "Content-Type": "application/json"}
		audits := e.rnAuditTotal(t)
		cases := []struct {
			name, method, path, body string
			header                   map[string]string
			status                   int
			want                     string
		}{
			{"no url", "POST", "/hooks", `{"name": "x"}`, owner, 400, `{"error":"url is missing"}`},
			{"ftp", "POST", "/hooks", `{"url": "ftp://example.com/"}`, owner, 400, "url is invalid"},
			{"not a URL", "POST", "/hooks", `{"url": "::not a url"}`, owner, 400, "url is invalid"},
			{"too long", "POST", "/hooks", fmt.Sprintf(`{"url": "https://example.com/%s"}`, strings.Repeat("a", 3000)), owner, 400, "url is invalid"},
			{"token with a line break", "POST", "/hooks", `{"url": "https://example.com/", "token": "a\nb"}`, owner, 400, "token must be"},
			{"reserved header", "POST", "/hooks", `{"url": "https://example.com/", "custom_headers": [{"key": "Content-Type", "value": "x"}]}`, owner, 400, "set by Kickoff"},
			{"GitLab header", "POST", "/hooks", `{"url": "https://example.com/", "custom_headers": [{"key": "X-Gitlab-Token", "value": "x"}]}`, owner, 400, "set by Kickoff"},
			{"header name", "POST", "/hooks", `{"url": "https://example.com/", "custom_headers": [{"key": "Bad Header", "value": "x"}]}`, owner, 400, "not a valid header name"},
			{"header value too long", "POST", "/hooks", fmt.Sprintf(`{"url": "https://example.com/", "custom_headers": [{"key": "X-A", "value": %q}]}`, strings.Repeat("v", 3000)), owner, 400, "at most 2048"},
			{"too many headers", "POST", "/hooks", `{"url": "https://example.com/", "custom_headers": [` + strings.Join(many, ",") + `]}`, owner, 400, "at most 20"},
			{"headers not a list", "POST", "/hooks", `{"url": "https://example.com/", "custom_headers": "X-A: b"}`, owner, 400, "custom_headers is invalid"},
			{"unknown status", "POST", "/hooks", `{"url": "https://example.com/", "statuses": ["done"]}`, owner, 400, "not a pipeline status"},
			{"bad glob", "POST", "/hooks", `{"url": "https://example.com/", "ref_globs": ["release/["]}`, owner, 400, "not a valid pattern"},
			{"pipeline_events not a boolean", "POST", "/hooks", `{"url": "https://example.com/", "pipeline_events": "maybe"}`, owner, 400, "pipeline_events is invalid"},
			{"malformed JSON", "POST", "/hooks", `{"url": `, owner, 400, ""},
			{"a Developer", "POST", "/hooks", `{"url": "https://example.com/"}`, map[string]string{"PRIVATE-TOKEN": devPAT, "Content-Type": "application/json"}, 403, `{"message":"403 Forbidden"}`},
			{"no token", "POST", "/hooks", `{"url": "https://example.com/"}`, map[string]string{"Content-Type": "application/json"}, 401, ""},
			{"hook_id not a number", "GET", "/hooks/abc", "", owner, 400, "hook_id is invalid"},
			{"unknown hook", "GET", "/hooks/999", "", owner, 404, `{"message":"404 Hook Not Found"}`},
			{"unknown hook update", "PUT", "/hooks/999", `{"name": "x"}`, owner, 404, `{"message":"404 Hook Not Found"}`},
			{"bad update", "PUT", fmt.Sprintf("/hooks/%d", hookID), `{"url": "http://10.0.0.1/"}`, owner, 400, "url is invalid"},
			{"unknown event", "POST", fmt.Sprintf("/hooks/%d/events/999/resend", hookID), "", owner, 404, `{"message":"404 Not Found"}`},
			{"test without pipelines", "POST", fmt.Sprintf("/hooks/%d/test/pipeline_events", hookID), "", owner, 400, "Ensure the project has CI pipelines."},
			{"a Developer lists", "GET", "/hooks", "", map[string]string{"PRIVATE-TOKEN": devPAT}, 403, ""},
			{"a Developer reads", "GET", fmt.Sprintf("/hooks/%d", hookID), "", dev, 403, ""},
			{"a Developer edits", "PUT", fmt.Sprintf("/hooks/%d", hookID), `{"url": "https://evil.example.com/"}`, devJSON, 403, ""},
			{"a Developer deletes", "DELETE", fmt.Sprintf("/hooks/%d", hookID), "", dev, 403, ""},
			{"a Developer reads the log", "GET", fmt.Sprintf("/hooks/%d/events", hookID), "", dev, 403, ""},
			{"a Developer tests", "POST", fmt.Sprintf("/hooks/%d/test/pipeline_events", hookID), "", dev, 403, ""},
			{"a non-member reads", "GET", fmt.Sprintf("/hooks/%d", hookID), "", outsider, 404, `{"message":"404 Project Not Found"}`},
			{"a non-member edits", "PUT", fmt.Sprintf("/hooks/%d", hookID), `{"name": "x"}`, outsider, 404, `{"message":"404 Project Not Found"}`},
			{"longer once redacted than stored", "POST", "/hooks", fmt.Sprintf(`{"url": "https://example.com/?%s"}`, strings.Repeat("a&", 1000)), owner, 400, "url is too long"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := e.send(t, tc.method, "/api/v4/projects/grp%2Fapp"+tc.path, tc.body, tc.header)
				if res.status != tc.status || !strings.HasPrefix(strings.TrimSpace(res.body), "{") || !strings.Contains(res.body, tc.want) {
					t.Fatalf("got %d %s, want %d with %s", res.status, truncate(res.body), tc.status, tc.want)
				}
			})
		}
		if n := e.db.Client.Webhook.Query().CountX(context.Background()); n != 1 {
			t.Fatalf("%d hooks after refusals, want 1", n)
		}
		if h := e.db.Client.Webhook.GetX(context.Background(), hookID); h.URL != "https://hooks.example.com/a" {
			t.Fatalf("a refused update changed the URL to %s", h.URL)
		}
		if got := e.rnAuditTotal(t); got != audits {
			t.Fatalf("refusals wrote %d audit events", got-audits)
		}
	})
}

// TestWebhookTestResendAndDisable: the test button and resend answer at
// once; resends keep the event ID; DisableAfter failures in a row disable
// the hook (audited, shown), and an edit enables it again.
func TestWebhookTestResendAndDisable(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		cfg := hookConfig(true)
		cfg.DisableAfter = 3
		e := newHookEnv(t, db, cfg)
		var failing sync.Map
		rcv := newReceiver(t, func(int) (int, http.Header) {
			if _, ok := failing.Load("on"); ok {
				return http.StatusNotFound, nil
			}
			return http.StatusOK, nil
		})
		hookID, _ := e.hookCreate(t, fmt.Sprintf(`{"url": %q, "statuses": ["skipped"]}`, rcv.srv.URL))
		e.rnTrigger(t, "grp/app")
		owner := map[string]string{"PRIVATE-TOKEN": e.pat}
		base := fmt.Sprintf("/api/v4/projects/grp%%2Fapp/hooks/%d", hookID)
		wantStatus(t, e.send(t, http.MethodPost, base+"/test/pipeline_events", "", owner), http.StatusCreated, `{"message":"201 Created"}`)
		test := e.db.Client.WebhookDelivery.Query().OnlyX(context.Background())
		wantStatus(t, e.send(t, http.MethodPost, fmt.Sprintf("%s/events/%d/resend", base, test.ID), "", owner), http.StatusCreated, `{"message":"201 Created"}`)
		got := rcv.requests()
		if len(got) != 2 || got[0].header.Get("Idempotency-Key") != got[1].header.Get("Idempotency-Key") {
			t.Fatalf("test and resend: %d requests, keys %q %q", len(got), got[0].header.Get("Idempotency-Key"), got[len(got)-1].header.Get("Idempotency-Key"))
		}

		failing.Store("on", true)
		for i := 0; i < 3; i++ {
			res := e.send(t, http.MethodPost, base+"/test/pipeline_events", "", owner)
			if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "HTTP 404") {
				t.Fatalf("failing test %d = %d %s", i, res.status, res.body)
			}
		}
		h := e.db.Client.Webhook.GetX(context.Background(), hookID)
		if h.DisabledAt == nil || !strings.Contains(h.DisabledReason, "3 events in a row failed for good") {
			t.Fatalf("after 3 failures: disabled_at %v reason %q", h.DisabledAt, h.DisabledReason)
		}
		if n := e.db.Client.AuditEvent.Query().Where(auditevent.Action("webhook.disabled")).CountX(context.Background()); n != 1 {
			t.Fatalf("%d webhook.disabled audit events", n)
		}
		res := e.send(t, http.MethodGet, base, "", owner)
		if !strings.Contains(res.body, `"alert_status":"disabled"`) {
			t.Fatalf("GET disabled hook = %s", res.body)
		}
		// A disabled hook queues nothing.
		before := e.db.Client.WebhookDelivery.Query().Where(webhookdelivery.KindEQ(webhookdelivery.KindPipeline)).CountX(context.Background())
		e.rnTrigger(t, "grp/app")
		if after := e.db.Client.WebhookDelivery.Query().Where(webhookdelivery.KindEQ(webhookdelivery.KindPipeline)).CountX(context.Background()); after != before {
			t.Fatalf("a disabled hook queued %d events", after-before)
		}
		wantStatus(t, e.send(t, http.MethodPut, base, `name=fixed`, map[string]string{"PRIVATE-TOKEN": e.pat, "Content-Type": "application/x-www-form-urlencoded"}), http.StatusOK, "")
		if h := e.db.Client.Webhook.GetX(context.Background(), hookID); h.DisabledAt != nil || h.ConsecutiveFailures != 0 || h.Name != "fixed" {
			t.Fatalf("after an edit: %+v", h)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func viewerContext(u *ent.User) context.Context {
	return authz.WithViewer(context.Background(), &authz.Viewer{User: u})
}

// TestWebhookReplicasDeliverOnce: acceptance 4. Two replicas on one
// PostgreSQL, both running delivery workers: 200 events, each delivered
// exactly once.
func TestWebhookReplicasDeliverOnce(t *testing.T) {
	if !hasPostgres() {
		t.Skip("needs " + dbtest.PostgresURLEnv)
	}
	db := dbtest.Open(t, "postgres")
	a := newHookEnv(t, db, hookConfig(true))
	b := newAuthEnv(t, db, withWebhooks(t, db, hookConfig(true)))
	rcv := newReceiver(t, nil)
	a.hookCreate(t, fmt.Sprintf(`{"url": %q, "statuses": ["created", "canceled"]}`, rcv.srv.URL))
	const n = 100
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Go(func() {
			data := a.tpGQL(t, a.pat, `mutation { pipelineCreate(input: {projectPath: "grp/app"}) { pipeline { id } errors } }`)
			var out struct {
				PipelineCreate struct{ Pipeline struct{ ID string } }
			}
			if err := json.Unmarshal(data, &out); err != nil {
				t.Error(err)
				return
			}
			// The cancel goes through the other replica.
			res := b.graphQL(t, fmt.Sprintf(`mutation { pipelineCancel(input: {id: %q}) { errors } }`, out.PipelineCreate.Pipeline.ID),
				map[string]string{"PRIVATE-TOKEN": a.pat})
			if res.status != http.StatusOK || strings.Contains(res.body, `"errors":[{`) {
				t.Errorf("cancel through replica B = %d %s", res.status, truncate(res.body))
			}
		})
	}
	wg.Wait()
	got := rcv.waitFor(t, 2*n)
	time.Sleep(300 * time.Millisecond) // any duplicate would arrive meanwhile
	seen := map[string]int{}
	for _, r := range rcv.requests() {
		seen[r.header.Get("Webhook-Id")]++
	}
	dups := 0
	for _, c := range seen {
		dups += c - 1
	}
	if len(got) != 2*n || len(seen) != 2*n || dups != 0 {
		t.Fatalf("%d requests for %d events, %d duplicates; want %d, %d, 0", len(rcv.requests()), len(seen), dups, 2*n, 2*n)
	}
	// One pipeline's events arrive in order, whichever replica sent them.
	first := map[int]string{}
	for _, r := range rcv.requests() {
		var p hookPayload
		_ = json.Unmarshal(r.body, &p)
		if _, ok := first[p.ObjectAttributes.ID]; !ok {
			first[p.ObjectAttributes.ID] = p.ObjectAttributes.Status
		}
	}
	for id, st := range first {
		if st != "created" {
			t.Errorf("pipeline %d: %s arrived before created", id, st)
		}
	}
	t.Logf("%d events from 2 replicas, each delivered once, in order per pipeline", len(seen))
}

// TestWebhookGraphQL: the same through GraphQL, on both dialects: create
// (the secret once), test and resend run outside the mutation transaction
// (on SQLite a held write lock would stall them), refuse to be combined
// with other mutations, and the hook and its log read back.
func TestWebhookGraphQL(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newHookEnv(t, db, hookConfig(true))
		rcv := newReceiver(t, nil)
		e.rnTrigger(t, "grp/app")
		data := e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { webhookCreate(input: {projectPath: "grp/app", url: %q, token: "t0ken",
			statuses: ["skipped"]}) { webhook { id url hasToken executable } signingSecret errors } }`, rcv.srv.URL))
		var created struct {
			WebhookCreate struct {
				Webhook struct {
					ID                   string
					HasToken, Executable bool
				}
				SigningSecret string
			}
		}
		if err := json.Unmarshal(data, &created); err != nil || !strings.HasPrefix(created.WebhookCreate.SigningSecret, "whsec_") ||
			!created.WebhookCreate.Webhook.HasToken || !created.WebhookCreate.Webhook.Executable {
			t.Fatalf("webhookCreate = %s", data)
		}
		id := created.WebhookCreate.Webhook.ID
		data = e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { webhookTest(input: {id: %q}) { delivery { id state responseStatus attempts } errors } }`, id))
		var tested struct {
			WebhookTest struct {
				Delivery struct {
					ID, State      string
					ResponseStatus int
				}
			}
		}
		if err := json.Unmarshal(data, &tested); err != nil || tested.WebhookTest.Delivery.State != "delivered" || tested.WebhookTest.Delivery.ResponseStatus != 200 {
			t.Fatalf("webhookTest = %s", data)
		}
		e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { webhookDeliveryResend(input: {id: %q}) { delivery { state } errors } }`, tested.WebhookTest.Delivery.ID))
		_, errs := e.tpGQLErrors(t, e.pat, fmt.Sprintf(`mutation { a: webhookTest(input: {id: %q}) { errors } b: projectUpdate(input: {projectPath: "grp/app", name: "x"}) { errors } }`, id))
		if !strings.Contains(strings.Join(errs, " "), "cannot be combined with other mutations") {
			t.Fatalf("a test combined with another mutation: %v", errs)
		}
		if got := len(rcv.requests()); got != 2 {
			t.Fatalf("the receiver got %d requests, want the test and the resend", got)
		}
		data = e.tpGQL(t, e.pat, `{ project(fullPath: "grp/app") { webhooks { totalCount nodes { statuses deliveries(first: 5) { totalCount nodes { kind state requestHeaders { key value } resentFrom { id } } } } } } }`)
		if s := string(data); !strings.Contains(s, `"totalCount":1`) || !strings.Contains(s, `"statuses":["skipped"]`) ||
			!strings.Contains(s, `{"key":"X-Gitlab-Token","value":"[REDACTED]"}`) || strings.Contains(s, "t0ken") || !strings.Contains(s, `"resentFrom":{"id":"gid://kickoff/WebhookDelivery/`) {
			t.Fatalf("project.webhooks = %s", s)
		}
		_, devPAT := e.createPAT(t, e.createUser(t, "dev", false))
		e.tpMember(t, "dev", "DEVELOPER")
		for _, m := range []string{
			`webhookUpdate(input: {id: %q, url: "https://evil.example.com/"}) { errors }`,
			`webhookDelete(input: {id: %q}) { errors }`,
			`webhookTest(input: {id: %q}) { errors }`,
			`webhookRotateSigningSecret(input: {id: %q}) { signingSecret errors }`,
		} {
			data, errs := e.tpGQLErrors(t, devPAT, "mutation { "+fmt.Sprintf(m, id)+" }")
			if len(errs) == 0 || strings.Contains(string(data), "whsec_") {
				t.Errorf("a Developer ran %s: %s", m, data)
			}
		}
		if data := e.tpGQL(t, devPAT, fmt.Sprintf(`{ node(id: %q) { id } }`, id)); !strings.Contains(string(data), `"node":null`) {
			t.Errorf("a Developer sees the hook: %s", data)
		}
		rot := e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { webhookRotateSigningSecret(input: {id: %q}) { signingSecret errors } }`, id))
		if !strings.Contains(string(rot), "whsec_") || strings.Contains(string(rot), created.WebhookCreate.SigningSecret) {
			t.Fatalf("webhookRotateSigningSecret = %s", rot)
		}
		e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { webhookDelete(input: {id: %q}) { errors } }`, id))
		if n := e.db.Client.WebhookDelivery.Query().CountX(context.Background()); n != 0 {
			t.Fatalf("deleting the hook left %d deliveries", n)
		}
	})
}

// TestWebhookSecretsStayWithTheirOrigin: an edit that sends the hook to
// another host drops its token and custom headers unless given again, so
// one Maintainer cannot collect another's write-only secrets; an edit on
// the same host keeps them. And a project holds at most 100 hooks.
func TestWebhookSecretsStayWithTheirOrigin(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newHookEnv(t, db, hookConfig(true))
		owner := map[string]string{"PRIVATE-TOKEN": e.pat, "Content-Type": "application/json"}
		hookID, _ := e.hookCreate(t, `{"url": "https://hooks.example.com/a", "token": "tok", "custom_headers": [{"key": "Authorization", "value": "Bearer x"}]}`)
		base := fmt.Sprintf("/api/v4/projects/grp%%2Fapp/hooks/%d", hookID)
		ctx := context.Background()
		wantStatus(t, e.send(t, http.MethodPut, base, `{"url": "https://hooks.example.com/b"}`, owner), http.StatusOK, "")
		if h := e.db.Client.Webhook.GetX(ctx, hookID); h.TokenSealed == nil || len(*h.TokenSealed) == 0 || len(h.CustomHeaderNames) != 1 {
			t.Fatalf("an edit on the same host dropped secrets: %+v", h)
		}
		// A client that reads the hook and writes it back sends the URL as
		// shown: the stored one, query and all, stays.
		wantStatus(t, e.send(t, http.MethodPut, base, `{"url": "https://hooks.example.com/b?k=v"}`, owner), http.StatusOK, "")
		stored := e.db.Client.Webhook.GetX(ctx, hookID)
		if stored.URL != "https://hooks.example.com/b?k=****" {
			t.Fatalf("shown URL %s", stored.URL)
		}
		wantStatus(t, e.send(t, http.MethodPut, base, `{"url": "https://hooks.example.com/b?k=****", "name": "again"}`, owner), http.StatusOK, "")
		if h := e.db.Client.Webhook.GetX(ctx, hookID); string(h.URLSealed) != string(stored.URLSealed) || h.Name != "again" {
			t.Fatalf("writing back the shown URL replaced the stored one")
		}
		wantStatus(t, e.send(t, http.MethodPut, base, `{"url": "https://collector.example.net/"}`, owner), http.StatusOK, "")
		if h := e.db.Client.Webhook.GetX(ctx, hookID); h.TokenSealed != nil && len(*h.TokenSealed) > 0 || len(h.CustomHeaderNames) != 0 || h.CustomHeadersSealed != nil && len(*h.CustomHeadersSealed) > 0 {
			t.Fatalf("an edit to another host kept the secrets: %+v", h)
		}
		for i := 1; i < webhooks.MaxHooksPerProject; i++ {
			e.hookCreate(t, fmt.Sprintf(`{"url": "https://hooks.example.com/%d"}`, i))
		}
		res := e.send(t, http.MethodPost, "/api/v4/projects/grp%2Fapp/hooks", `{"url": "https://hooks.example.com/last"}`, owner)
		if res.status != http.StatusBadRequest || !strings.Contains(res.body, "at most 100 webhooks") {
			t.Fatalf("hook %d = %d %s", webhooks.MaxHooksPerProject+1, res.status, res.body)
		}
	})
}
