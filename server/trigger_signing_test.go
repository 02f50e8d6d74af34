package server_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/kickoff-ci/kickoff/domain/triggers"
	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// signedTrigger creates a trigger, turns signing on and returns its ID,
// token and signing secret.
func (e *rnEnv) signedTrigger(t *testing.T) (id, token, secret string) {
	t.Helper()
	data := e.tpGQL(t, e.pat, `mutation { pipelineTriggerCreate(input: {projectPath: "grp/app", description: "signed"}) { pipelineTrigger { id token } errors } }`)
	var created struct {
		PipelineTriggerCreate struct{ PipelineTrigger struct{ ID, Token string } }
	}
	_ = json.Unmarshal(data, &created)
	id, token = created.PipelineTriggerCreate.PipelineTrigger.ID, created.PipelineTriggerCreate.PipelineTrigger.Token
	return id, token, e.setSigning(t, id, true, 0)
}

func (e *rnEnv) setSigning(t *testing.T, id string, on bool, grace int) string {
	t.Helper()
	return e.setSigningAs(t, id, on, grace, "kickoff")
}

func (e *rnEnv) setSigningAs(t *testing.T, id string, on bool, grace int, receiver string) string {
	t.Helper()
	data := e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { pipelineTriggerSetSigning(input: {id: %q, signed: %t, graceSeconds: %d, receiver: %s}) {
		pipelineTrigger { signed receiver } signingSecret errors } }`, id, on, grace, receiver))
	var out struct {
		PipelineTriggerSetSigning struct {
			PipelineTrigger struct{ Signed bool }
			SigningSecret   *string
		}
	}
	_ = json.Unmarshal(data, &out)
	if got := out.PipelineTriggerSetSigning; got.PipelineTrigger.Signed != on || (got.SigningSecret != nil) != on {
		t.Fatalf("pipelineTriggerSetSigning(%t) = %s", on, data)
	}
	if !on {
		return ""
	}
	if got := *out.PipelineTriggerSetSigning.SigningSecret; !strings.HasPrefix(got, "kos_") && !(receiver == "standard_webhooks" && strings.HasPrefix(got, "whsec_")) {
		t.Fatalf("signing secret %q", *out.PipelineTriggerSetSigning.SigningSecret)
	}
	return *out.PipelineTriggerSetSigning.SigningSecret
}

// signedCall POSTs body to the one-URL trigger with the given timestamp
// and signature headers (omitted when empty).
func (e *rnEnv) signedCall(t *testing.T, token, body, timestamp, signature string) response {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	if timestamp != "" {
		h[triggers.TimestampHeader] = timestamp
	}
	if signature != "" {
		h[triggers.SignatureHeader] = signature
	}
	return e.send(t, http.MethodPost, "/api/trigger/"+token, body, h)
}

// TestSignedTriggers: a trigger that requires signatures starts pipelines
// only for calls signed with its secret over the exact body, within five
// minutes, each signature once (recorded in the database); every refusal
// is 401 with a message saying what to fix, an audit event, and no
// pipeline. Rotation keeps the old secret verifying for its grace period.
func TestSignedTriggers(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		id, token, secret := e.signedTrigger(t)
		body := `{"ref":"main","variables":{"DEPLOY":"yes"}}`
		now := time.Now()
		ts := strconv.FormatInt(now.Unix(), 10)
		good := triggers.Sign(secret, ts, []byte(body))
		// The one-URL form answers 200, GitLab's forms 201.
		if res := e.signedCall(t, token, body, ts, good); res.status != http.StatusOK {
			t.Fatalf("signed call = %d %s", res.status, res.body)
		}
		// GitLab's form, signed over its form body (the token is in it).
		form := url.Values{"token": {token}, "ref": {"main"}}.Encode()
		res := e.send(t, http.MethodPost, "/api/v4/projects/grp%2Fapp/trigger/pipeline", form, map[string]string{
			"Content-Type": "application/x-www-form-urlencoded", triggers.TimestampHeader: ts,
			triggers.SignatureHeader: triggers.Sign(secret, ts, []byte(form))})
		if res.status != http.StatusCreated {
			t.Fatalf("signed GitLab form = %d %s", res.status, res.body)
		}

		ctx := context.Background()
		pipelines := db.Client.Pipeline.Query().CountX(ctx)
		rejected := func() int {
			return db.Client.AuditEvent.Query().Where(auditevent.Action("trigger.rejected")).CountX(ctx)
		}
		before := rejected()
		old := strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10)
		future := strconv.FormatInt(now.Add(2*time.Minute).Unix(), 10)
		for _, tc := range []struct{ name, body, timestamp, signature, want string }{
			{"replayed", body, ts, good, "already used"},
			{"no headers", body, "", "", "requires signed calls"},
			{"no signature", body, ts, "", "requires signed calls"},
			{"timestamp not a number", body, "yesterday", good, "Unix seconds"},
			{"older than 5 minutes", body, old, triggers.Sign(secret, old, []byte(body)), "more than 5m0s old"},
			{"from the future", body, future, triggers.Sign(secret, future, []byte(body)), "in the future"},
			{"tampered body", `{"ref":"main","variables":{"DEPLOY":"no"}}`, ts, good, "does not match"},
			{"wrong secret", body, ts, triggers.Sign("kos_not-the-secret", ts, []byte(body)), "does not match"},
			{"signature of another timestamp", body, strconv.FormatInt(now.Unix()-1, 10), good, "does not match"},
			{"not hex", body, ts, "sha256=zz", "64 hex digits"},
			{"no sha256= prefix", body, ts, strings.TrimPrefix(good, "sha256="), "64 hex digits"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := e.signedCall(t, token, tc.body, tc.timestamp, tc.signature)
				if res.status != http.StatusUnauthorized || !strings.Contains(res.body, `"message":"401 Unauthorized - `) || !strings.Contains(res.body, tc.want) {
					t.Fatalf("got %d %s, want 401 saying %q", res.status, res.body, tc.want)
				}
			})
		}
		if n := db.Client.Pipeline.Query().CountX(ctx); n != pipelines {
			t.Fatalf("refused calls created %d pipelines", n-pipelines)
		}
		if n := rejected() - before; n != 11 {
			t.Fatalf("%d trigger.rejected audit events for 11 refusals", n)
		}

		// Rotation: the old secret verifies during the grace period.
		newSecret := e.setSigning(t, id, true, 3600)
		for i, s := range []string{secret, newSecret} {
			b := fmt.Sprintf(`{"ref":"main","variables":{"N":"%d"}}`, i)
			if res := e.signedCall(t, token, b, ts, triggers.Sign(s, ts, []byte(b))); res.status != http.StatusOK {
				t.Fatalf("after rotation, secret %d: %d %s", i, res.status, res.body)
			}
		}
		// Only the trigger's owner turns signing on or off.
		_, devPAT := e.createPAT(t, e.createUser(t, "dev", false))
		e.tpMember(t, "dev", "MAINTAINER")
		if _, errs := e.tpGQLErrors(t, devPAT, fmt.Sprintf(`mutation { pipelineTriggerSetSigning(input: {id: %q, signed: false}) { signingSecret errors } }`, id)); len(errs) == 0 {
			t.Fatal("a Maintainer who does not own the trigger turned signing off")
		}
		// Unsigned again: any call works.
		e.setSigning(t, id, false, 0)
		if res := e.signedCall(t, token, body, "", ""); res.status != http.StatusOK {
			t.Fatalf("unsigned trigger = %d %s", res.status, res.body)
		}
		// Signatures are stored as digests, and old ones pruned.
		for _, s := range db.Client.TriggerSignature.Query().AllX(ctx) {
			if strings.Contains(string(s.Digest), good) || len(s.Digest) != 32 {
				t.Fatalf("stored signature %x", s.Digest)
			}
		}
	})
}

// TestGitHubReceiver: a trigger whose receiver is github takes GitHub's own
// webhook as is (the webhook form, the payload as TRIGGER_PAYLOAD): its
// X-Hub-Signature-256 is checked against the signing secret, a redelivery
// (same X-GitHub-Delivery) returns the first pipeline, and ping events
// answer 200 without one.
func TestGitHubReceiver(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		id, token, _ := e.signedTrigger(t)
		secret := e.setSigningAs(t, id, true, 0, "github")
		hookURL := "/api/v4/projects/grp%2Fapp/ref/main/trigger/pipeline?token=" + token
		body := `{"ref":"refs/heads/main","after":"0123456789abcdef0123456789abcdef01234567"}`
		sign := func(key, b string) string {
			return "sha256=" + hmacHex(key, b)
		}
		deliver := func(event, delivery, signature, b string) response {
			h := map[string]string{"Content-Type": "application/json", "X-GitHub-Event": event, "X-GitHub-Delivery": delivery}
			if signature != "" {
				h["X-Hub-Signature-256"] = signature
			}
			return e.send(t, http.MethodPost, hookURL, b, h)
		}
		ctx := context.Background()
		if res := deliver("ping", "d-0", sign(secret, `{"zen":"Keep it logically awesome."}`), `{"zen":"Keep it logically awesome."}`); res.status != http.StatusOK || res.body != `{"status":"pong"}`+"\n" && res.body != `{"status":"pong"}` {
			t.Fatalf("ping = %d %q", res.status, res.body)
		}
		if n := db.Client.Pipeline.Query().CountX(ctx); n != 0 {
			t.Fatalf("a ping started %d pipelines", n)
		}
		first := deliver("push", "d-1", sign(secret, body), body)
		again := deliver("push", "d-1", sign(secret, body), body)
		samePipeline(t, first, again)
		for _, tc := range []struct{ name, signature, body, want string }{
			{"no signature", "", body, "X-Hub-Signature-256"},
			{"wrong secret", sign("not-the-secret", body), body, "does not match"},
			{"tampered body", sign(secret, body), strings.Replace(body, "main", "evil", 1), "does not match"},
			{"malformed", "sha1=abc", body, "64 hex digits"},
		} {
			if res := deliver("push", "d-"+tc.name, tc.signature, tc.body); res.status != http.StatusUnauthorized || !strings.Contains(res.body, tc.want) {
				t.Errorf("%s: %d %s, want 401 saying %q", tc.name, res.status, res.body, tc.want)
			}
		}
		if n := db.Client.Pipeline.Query().CountX(ctx); n != 1 {
			t.Fatalf("%d pipelines, want 1", n)
		}
		// Rotating without naming the receiver keeps it (the web app's button).
		data := e.tpGQL(t, e.pat, fmt.Sprintf(`mutation { pipelineTriggerSetSigning(input: {id: %q, signed: true}) { pipelineTrigger { receiver } } }`, id))
		if !strings.Contains(string(data), `"receiver":"github"`) {
			t.Fatalf("after a rotation: %s", data)
		}
	})
}

func hmacHex(key, body string) string {
	h := hmac.New(sha256.New, []byte(key))
	h.Write([]byte(body))
	return hex.EncodeToString(h.Sum(nil))
}

// TestGitLabReceiver: a trigger whose receiver is gitlab takes a GitLab
// webhook as is: X-Gitlab-Token must be the signing secret (compared in
// constant time), and GitLab's retries of one event (X-Gitlab-Event-UUID)
// start one pipeline.
func TestGitLabReceiver(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		id, token, _ := e.signedTrigger(t)
		secret := e.setSigningAs(t, id, true, 0, "gitlab")
		hookURL := "/api/v4/projects/grp%2Fapp/ref/main/trigger/pipeline?token=" + token
		body := `{"object_kind":"push","ref":"refs/heads/main"}`
		deliver := func(gitlabToken, event string) response {
			h := map[string]string{"Content-Type": "application/json", "X-Gitlab-Event": "Push Hook", "X-Gitlab-Event-UUID": event}
			if gitlabToken != "" {
				h["X-Gitlab-Token"] = gitlabToken
			}
			return e.send(t, http.MethodPost, hookURL, body, h)
		}
		first, again := deliver(secret, "u-1"), deliver(secret, "u-1")
		samePipeline(t, first, again)
		for name, tc := range map[string]struct{ token, want string }{
			"no token":    {"", "X-Gitlab-Token"},
			"wrong token": {secret + "x", "does not match"},
		} {
			if res := deliver(tc.token, "u-"+name); res.status != http.StatusUnauthorized || !strings.Contains(res.body, tc.want) {
				t.Errorf("%s: %d %s, want 401 saying %q", name, res.status, res.body, tc.want)
			}
		}
		if n := db.Client.Pipeline.Query().CountX(context.Background()); n != 1 {
			t.Fatalf("%d pipelines, want 1", n)
		}
	})
}

// TestStandardWebhooksReceiver: a trigger whose receiver is
// standard_webhooks gets a whsec_ secret and verifies messages signed with
// the reference library; a retry (same webhook-id) is one pipeline, a stale
// or forged message 401.
func TestStandardWebhooksReceiver(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		id, token, _ := e.signedTrigger(t)
		secret := e.setSigningAs(t, id, true, 0, "standard_webhooks")
		if !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("secret %q is not in Standard Webhooks' format", secret)
		}
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		hookURL := "/api/v4/projects/grp%2Fapp/ref/main/trigger/pipeline?token=" + token
		body := `{"type":"deploy.requested","data":{"env":"staging"}}`
		send := func(msgID string, at time.Time, b string, signer *standardwebhooks.Webhook) response {
			sig, err := signer.Sign(msgID, at, []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			return e.send(t, http.MethodPost, hookURL, b, map[string]string{"Content-Type": "application/json",
				"webhook-id": msgID, "webhook-timestamp": strconv.FormatInt(at.Unix(), 10), "webhook-signature": sig})
		}
		first, again := send("msg_1", time.Now(), body, wh), send("msg_1", time.Now(), body, wh)
		samePipeline(t, first, again)
		other, _ := standardwebhooks.NewWebhook("whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
		for name, res := range map[string]response{
			"stale":         send("msg_2", time.Now().Add(-10*time.Minute), body, wh),
			"wrong secret":  send("msg_3", time.Now(), body, other),
			"tampered body": send("msg_4", time.Now(), strings.Replace(body, "staging", "production", 1), wh),
			"no headers":    e.send(t, http.MethodPost, hookURL, body, map[string]string{"Content-Type": "application/json"}),
		} {
			if res.status != http.StatusUnauthorized || !strings.Contains(res.body, "401 Unauthorized - ") {
				t.Errorf("%s: %d %s, want 401", name, res.status, res.body)
			}
		}
		if n := db.Client.Pipeline.Query().CountX(context.Background()); n != 1 {
			t.Fatalf("%d pipelines, want 1", n)
		}
	})
}

// TestGenericHMACReceiver: generic_hmac reads the signature where the
// token's settings say — header, algorithm, encoding, prefix — as Jenkins'
// Generic Webhook Trigger and many SaaS send it; bad settings are refused
// when saved.
func TestGenericHMACReceiver(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		e := newRNEnv(t, db)
		id, token, _ := e.signedTrigger(t)
		set := func(hmacInput string) (json.RawMessage, []string) {
			return e.tpGQLErrors(t, e.pat, fmt.Sprintf(`mutation { pipelineTriggerSetSigning(input: {id: %q, signed: true, receiver: generic_hmac, hmac: %s}) {
				signingSecret pipelineTrigger { receiver hmac { header algorithm encoding prefix } } errors } }`, id, hmacInput))
		}
		for _, bad := range []struct{ input, want string }{
			{`{header: "Bad Header"}`, "not a header name"},
			{`{header: "X-Sig", algorithm: "md5"}`, "sha256 or sha512"},
			{`{header: "X-Sig", encoding: "base32"}`, "hex or base64"},
			{`{header: "X-Sig", prefix: "` + strings.Repeat("p", 40) + `"}`, "at most 32"},
		} {
			if _, errs := set(bad.input); !strings.Contains(strings.Join(errs, " "), bad.want) {
				t.Errorf("hmac %s: errors %v, want %q", bad.input, errs, bad.want)
			}
		}
		data, errs := set(`{header: "x-signature", algorithm: "sha512", encoding: "base64", prefix: "sha512="}`)
		var out struct {
			PipelineTriggerSetSigning struct {
				SigningSecret   string
				PipelineTrigger struct {
					Receiver string
					Hmac     struct{ Header, Algorithm, Encoding, Prefix string }
				}
			}
		}
		if err := json.Unmarshal(data, &out); err != nil || len(errs) > 0 || out.PipelineTriggerSetSigning.PipelineTrigger.Hmac.Header != "X-Signature" {
			t.Fatalf("setSigning = %s %v", data, errs)
		}
		secret := out.PipelineTriggerSetSigning.SigningSecret
		body := `{"event":"release","version":"1.2.3"}`
		mac := hmac.New(sha512.New, []byte(secret))
		mac.Write([]byte(body))
		good := "sha512=" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
		hookURL := "/api/v4/projects/grp%2Fapp/ref/main/trigger/pipeline?token=" + token
		call := func(sig, b string) response {
			h := map[string]string{"Content-Type": "application/json"}
			if sig != "" {
				h["X-Signature"] = sig
			}
			return e.send(t, http.MethodPost, hookURL, b, h)
		}
		if res := call(good, body); res.status != http.StatusCreated {
			t.Fatalf("signed call = %d %s", res.status, res.body)
		}
		for name, tc := range map[string]struct{ sig, body, want string }{
			"no signature":    {"", body, "send the signature in X-Signature"},
			"no prefix":       {strings.TrimPrefix(good, "sha512="), body, "must start with"},
			"tampered body":   {good, strings.Replace(body, "1.2.3", "6.6.6", 1), "does not match"},
			"hex, not base64": {"sha512=" + hex.EncodeToString(mac.Sum(nil)), body, "does not match"},
		} {
			if res := call(tc.sig, tc.body); res.status != http.StatusUnauthorized || !strings.Contains(res.body, tc.want) {
				t.Errorf("%s: %d %s, want 401 saying %q", name, res.status, res.body, tc.want)
			}
		}
		if n := db.Client.Pipeline.Query().CountX(context.Background()); n != 1 {
			t.Fatalf("%d pipelines, want 1", n)
		}
	})
}

// samePipeline checks that a provider's retry (again) answered with the
// pipeline its first delivery (first) created.
func samePipeline(t *testing.T, first, again response) {
	t.Helper()
	var a, b tpJSON
	_ = json.Unmarshal([]byte(first.body), &a)
	_ = json.Unmarshal([]byte(again.body), &b)
	if first.status != http.StatusCreated || a.ID == 0 || b.ID != a.ID {
		t.Fatalf("first delivery = %d %s; retry = %d %s; want one pipeline", first.status, first.body, again.status, again.body)
	}
}
