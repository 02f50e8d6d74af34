package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// TestTriggerNoPlaintextAtRest runs every trigger change (create over REST
// and GraphQL, update, take ownership, rotate, revoke), then checks that no
// token value — trigger or personal access token — is stored anywhere: in a
// pg_dump of the PostgreSQL database, or in SQLite's database and WAL files.
// Every change left its audit event.
func TestTriggerNoPlaintextAtRest(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		f := trgSetup(t, db)
		var secrets []string // every token value that ever existed
		for _, pat := range f.pats {
			secrets = append(secrets, pat)
		}

		var ids []int
		for _, user := range []string{"alice", "bob"} {
			created := trgWantTrigger(t, f.trgREST(t, user, http.MethodPost, trgPath(strconv.Itoa(f.projectID), ""),
				trgMultipart(t, map[string]string{"description": "rest " + user})), http.StatusCreated)
			secrets = append(secrets, created.Token)
			ids = append(ids, created.ID)
		}
		gql := f.trgMutate(t, "carol", "pipelineTriggerCreate", fmt.Sprintf(`projectPath: %q, description: "graphql"`, trgProjectPath))
		secrets = append(secrets, gql.Token)

		if n := f.trgMutate(t, "carol", "pipelineTriggerUpdate", fmt.Sprintf(`id: %q, description: "graphql, edited"`, gql.ID)); n.Description != "graphql, edited" {
			t.Errorf("pipelineTriggerUpdate = %+v", n)
		}
		taken := f.trgMutate(t, "carol", "pipelineTriggerTakeOwnership", fmt.Sprintf("id: %q", globalID("PipelineTrigger", ids[0])))
		rotated := f.trgMutate(t, "bob", "pipelineTriggerRotate", fmt.Sprintf("id: %q, graceSeconds: 3600", globalID("PipelineTrigger", ids[1])))
		secrets = append(secrets, taken.Token, rotated.Token)
		var deleted struct{ PipelineTriggerDelete struct{ Errors []string } }
		f.trgGQLData(t, "carol", fmt.Sprintf(`mutation { pipelineTriggerDelete(input: {id: %q}) { errors } }`, gql.ID), &deleted)
		if len(deleted.PipelineTriggerDelete.Errors) > 0 {
			t.Fatalf("pipelineTriggerDelete: %v", deleted.PipelineTriggerDelete.Errors)
		}
		if _, ok := f.trgGQLTriggers(t, "carol")[gql.ID]; ok {
			t.Error("a deleted trigger is still listed")
		}
		if f.trgStored(t, rowID(t, gql.ID)).RevokedAt == nil {
			t.Error("pipelineTriggerDelete did not set revoked_at")
		}
		trgWantMessage(t, f.trgREST(t, "alice", http.MethodDelete, trgPath(strconv.Itoa(f.projectID), "/"+strconv.Itoa(ids[1])), trgBody{}), http.StatusNoContent, "")

		stored := trgDump(t, db)
		if !bytes.Contains(stored, []byte("graphql, edited")) {
			t.Fatalf("the dump (%d bytes) does not hold the trigger data; is it the right database?", len(stored))
		}
		for _, secret := range secrets {
			// The whole value, and its random part alone.
			for _, s := range []string{secret, secret[4:36]} {
				if bytes.Contains(stored, []byte(s)) {
					t.Errorf("the database holds token %s… in plain text", secret[:8])
				}
			}
		}

		actions := map[string]int{}
		events, err := db.Client.AuditEvent.Query().All(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			actions[e.Action]++
		}
		for action, want := range map[string]int{
			"trigger.created": 3, "trigger.updated": 1, "trigger.ownership_taken": 1, "trigger.rotated": 1, "trigger.revoked": 2,
		} {
			if actions[action] != want {
				t.Errorf("%d %s audit events, want %d (all: %v)", actions[action], action, want, actions)
			}
		}
	})
}

// trgDump returns what the database stores: pg_dump's data-only dump on
// PostgreSQL; the database file and its write-ahead log on SQLite.
func trgDump(t *testing.T, db *database.DB) []byte {
	t.Helper()
	dsn := db.DataSource()
	if strings.HasPrefix(dsn, "postgres") {
		out, err := exec.Command("/usr/bin/pg_dump", "--data-only", dsn).Output()
		if err != nil {
			t.Fatalf("pg_dump: %v", err)
		}
		return out
	}
	path, _, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	var all []byte
	for _, file := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(file)
		if err != nil && !(os.IsNotExist(err) && file != path) {
			t.Fatalf("reading %s: %v", file, err)
		}
		all = append(all, b...)
	}
	return all
}
