package audit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/domain/audit"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/tokens"
)

// TestRecordRedactsTokens checks that the writer, not each caller, keeps
// token-shaped text out of the free-text columns.
func TestRecordRedactsTokens(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		tok, err := tokens.New(tokens.PersonalAccess)
		if err != nil {
			t.Fatal(err)
		}
		short := tok[:tokens.RedactLen] + tokens.RedactedMark
		ctx := audit.WithRequest(context.Background(), audit.RequestInfo{IP: "10.0.0.1 " + tok, UserAgent: "curl/8 " + tok})
		if err := audit.Record(ctx, db.Client, audit.Event{
			Action: "test.redacted", Outcome: audit.Failure, Reason: "Reference not found: " + tok,
		}); err != nil {
			t.Fatal(err)
		}
		ev, err := db.Client.AuditEvent.Query().Only(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for name, got := range map[string]string{"reason": ev.Reason, "ip_address": ev.IPAddress, "user_agent": ev.UserAgent} {
			if strings.Contains(got, tok[tokens.RedactLen:]) || !strings.Contains(got, short) {
				t.Errorf("%s = %q, want the token as %q", name, got, short)
			}
		}
	})
}
