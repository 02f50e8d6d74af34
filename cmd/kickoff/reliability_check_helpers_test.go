package main

// The reliability tests' checks: acknowledged pipelines are stored, no secret
// is logged.

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/internal/tokens/tokenstest"
)

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
