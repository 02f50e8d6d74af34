package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/tokens"
)

// secretRun is the shortest run of a token's secret part that counts as a
// leak: long enough that it cannot be a chance match, short enough to catch
// a token that was cut rather than redacted.
const secretRun = 12

// redactedLogTo logs at debug level to w through the same redaction
// kickoff serve installs.
func redactedLogTo(w io.Writer) envOption {
	return func(c *testConfig) {
		c.Logger = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
			Level: slog.LevelDebug, ReplaceAttr: tokens.RedactingReplaceAttr,
		}))
	}
}

// auditTexts returns every text value stored in audit_events, each as
// "column=value", read with plain SQL so a column added later is covered too.
func auditTexts(t *testing.T, db *database.DB) []string {
	t.Helper()
	rows, err := db.SQL.QueryContext(context.Background(), "SELECT * FROM audit_events")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			switch v := v.(type) {
			case string:
				texts = append(texts, cols[i]+"="+v)
			case []byte:
				texts = append(texts, cols[i]+"="+string(v))
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return texts
}

// leakedRun returns the first run of secretRun characters of tok's secret
// part (everything after the prefix) that text contains, or "".
func leakedRun(text, tok string) string {
	for i := tokens.PrefixLen; i+secretRun <= len(tok); i++ {
		if run := tok[i : i+secretRun]; strings.Contains(text, run) {
			return run
		}
	}
	return ""
}

// TestMistypedSecretsAreRedacted puts tokens where operators mistype them
// (username, password, ref, webhook path ref) and checks that neither the
// audit table nor the log keeps more than prefix and short form of any.
func TestMistypedSecretsAreRedacted(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		logs := &syncBuffer{}
		e := newTPEnv(t, db, redactedLogTo(logs))
		trigger := e.tpTrigger(t, "")
		secrets := map[string]string{"trigger token": trigger, "PAT": e.pat}

		for name, tok := range secrets {
			for _, creds := range [][2]string{{tok, testPassword}, {"owner", tok}} {
				if res, _ := e.login(t, creds[0], creds[1]); res.status != http.StatusUnauthorized {
					t.Fatalf("login with the %s = %d, want 401", name, res.status)
				}
			}
		}
		refAsToken := e.tpDo(t, tpCase{body: tpForm("token", trigger, "ref", trigger)})
		patAsPathRef := e.tpDo(t, tpCase{path: fmt.Sprintf("/api/v4/projects/%d/ref/%s/trigger/pipeline?%s",
			e.project.ID, e.pat, url.Values{"token": {trigger}}.Encode())})
		if refAsToken.status != http.StatusBadRequest || patAsPathRef.status != http.StatusBadRequest {
			t.Fatalf("unknown refs = %d %s and %d %s, want 400",
				refAsToken.status, truncate(refAsToken.body), patAsPathRef.status, truncate(patAsPathRef.body))
		}

		e.srv.Close() // waits for in-flight requests, so every line is written
		stored := append(auditTexts(t, db), logs.String())
		for name, tok := range secrets {
			for _, text := range stored {
				if run := leakedRun(text, tok); run != "" {
					t.Errorf("%q holds %q of the %s", truncate(text), run, name)
				}
			}
		}
		for name, tok := range secrets {
			want := "Reference not found: " + tok[:tokens.RedactLen] + tokens.RedactedMark
			n, err := db.Client.AuditEvent.Query().Where(auditevent.Action("trigger.rejected"), auditevent.Reason(want)).Count(context.Background())
			if err != nil || n != 1 {
				t.Errorf("%d trigger.rejected events with reason %q for the %s as ref, want 1 (%v)", n, want, name, err)
			}
		}
		failed, err := db.Client.AuditEvent.Query().Where(auditevent.Action("session.login_failed")).All(context.Background())
		if err != nil || len(failed) != 4 {
			t.Fatalf("%d session.login_failed events, want 4 (%v)", len(failed), err)
		}
		for _, ev := range failed {
			if ev.Reason != "invalid username or password" {
				t.Errorf("session.login_failed reason = %q", ev.Reason)
			}
		}
		if t.Failed() {
			t.Logf("audit:\n%s\nlog:\n%s", strings.Join(stored[:len(stored)-1], "\n"), logs.String())
		}
	})
}
