package database_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database/postgres"
	"github.com/golang-migrate/migrate/v4/database/sqlite"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/migrations"
)

// globalRange is the size of each table's ID range before per-table IDs:
// ent gave table n the IDs n<<32 + 1, n<<32 + 2, ….
const globalRange = 1 << 32

// TestPerTableIDsMigration writes a row into every table the way the version
// before per_table_ids did (its sequences hand out ent's global IDs), migrates,
// and follows every relation by the new small IDs.
func TestPerTableIDsMigration(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, cfg := dbtest.OpenUnmigrated(t, d)
			migrateTo(t, db, cfg, versionBefore(t, db, "per_table_ids"))
			old := seedOldVersion(t, db)
			if old["alice"] < 10*globalRange || old["project"] < 6*globalRange {
				t.Fatalf("the old version's IDs are not global: %v", old)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrating: %v", err)
			}
			checkMigratedRelations(t, db.Client)
			checkSequencesContinue(t, db.Client)

			// Down and up again: the down migration restores the ranges.
			migrateTo(t, db, cfg, versionBefore(t, db, "per_table_ids"))
			var smallest int64
			if err := db.SQL.QueryRow("SELECT MIN(id) FROM users").Scan(&smallest); err != nil || smallest < 10*globalRange {
				t.Fatalf("after the down migration the smallest user ID is %d (%v), want >= %d", smallest, err, 10*globalRange)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrating up again: %v", err)
			}
			checkMigratedRelations(t, db.Client)
		})
	}
}

func checkMigratedRelations(t *testing.T, c *ent.Client) {
	t.Helper()
	ctx := context.Background()
	p, err := c.Pipeline.Query().Where(pipeline.Iid(2)).
		WithProject().WithTrigger(func(q *ent.PipelineTriggerQuery) { q.WithOwner() }).
		WithRunner().WithUser().WithUpstream().WithVariables().Only(ctx)
	if err != nil {
		t.Fatalf("loading the downstream pipeline: %v", err)
	}
	got := fmt.Sprintf("pipeline %d project %d trigger %d owner %s runner %d user %s upstream %d variables %d",
		p.ID, p.Edges.Project.ID, p.Edges.Trigger.ID, p.Edges.Trigger.Edges.Owner.Username,
		p.Edges.Runner.ID, p.Edges.User.Username, p.Edges.Upstream.ID, len(p.Edges.Variables))
	want := "pipeline 2 project 1 trigger 1 owner alice runner 1 user alice upstream 1 variables 1"
	if got != want {
		t.Fatalf("after migrating:\n got %s\nwant %s", got, want)
	}
	if tr, err := c.PipelineTrigger.Query().Where(pipelinetrigger.TokenDigest([]byte("trigger-digest"))).Only(ctx); err != nil || tr.ID != 1 {
		t.Fatalf("trigger by its token digest: %v %v", tr, err)
	}
	counts := map[string]func(context.Context) (int, error){
		"members of project 1":    c.ProjectMember.Query().QueryProject().Count,
		"tokens of alice":         c.PersonalAccessToken.Query().QueryUser().Count,
		"sessions of alice":       c.Session.Query().QueryUser().Count,
		"refs of project 1":       c.Ref.Query().QueryProject().Count,
		"idempotency keys":        c.IdempotencyKey.Query().QueryPipeline().Count,
		"allowlisted projects":    c.JobTokenAllowlistEntry.Query().QueryAllowedProject().Count,
		"allowlist entry authors": c.JobTokenAllowlistEntry.Query().QueryCreatedBy().Count,
		"runner creators":         c.Runner.Query().QueryCreator().Count,
		"sign-in failures":        c.SignInFailure.Query().Count,
	}
	for name, count := range counts {
		if n, err := count(ctx); err != nil || n != 1 {
			t.Errorf("%s: %d, %v; want 1", name, n, err)
		}
	}
	ev, err := c.AuditEvent.Query().Where(auditevent.Action("user.created")).WithProject().WithActorUser().Only(ctx)
	if err != nil {
		t.Fatalf("loading the audit event: %v", err)
	}
	if ev.TargetID == nil || *ev.TargetID != 2 || ev.Edges.ActorUser.ID != 1 || ev.Edges.Project.ID != 1 {
		t.Fatalf("audit event: target %v actor %v project %v; want 2, 1, 1", ev.TargetID, ev.Edges.ActorUser, ev.Edges.Project)
	}
}

// checkSequencesContinue: new rows get the next small ID of their table.
func checkSequencesContinue(t *testing.T, c *ent.Client) {
	t.Helper()
	ctx := context.Background()
	u, err := c.User.Create().SetUsername("carol").SetEmail("carol@example.com").SetPasswordHash("x").Save(ctx)
	if err != nil || u.ID != 3 {
		t.Fatalf("a new user: %v, %v; want ID 3", u, err)
	}
	p, err := c.Project.Create().SetName("three").SetFullPath("group/three").Save(ctx)
	if err != nil || p.ID != 3 {
		t.Fatalf("a new project: %v, %v; want ID 3", p, err)
	}
}

// versionBefore is the version of the migration applied just before name.
func versionBefore(t *testing.T, db *database.DB, name string) uint {
	t.Helper()
	status, err := db.MigrationStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range status.Migrations {
		if m.Name == name && i > 0 {
			return status.Migrations[i-1].Version
		}
	}
	t.Fatalf("no migration %q after another", name)
	return 0
}

// migrateTo applies the embedded migrations up to version, as the release
// that shipped it would have.
func migrateTo(t *testing.T, db *database.DB, cfg database.Config, version uint) {
	t.Helper()
	src, err := iofs.New(migrations.FS, map[string]string{dialect.SQLite: "sqlite", dialect.Postgres: "postgres"}[db.Dialect])
	if err != nil {
		t.Fatal(err)
	}
	var m *migrate.Migrate
	if db.Dialect == dialect.SQLite {
		pool, err := sql.Open("sqlite", "file:"+dbtest.SQLiteFile(cfg)+"?_pragma=foreign_keys(1)")
		if err != nil {
			t.Fatal(err)
		}
		drv, err := sqlite.WithInstance(pool, &sqlite.Config{})
		if err != nil {
			t.Fatal(err)
		}
		m, err = migrate.NewWithInstance("iofs", src, "sqlite", drv)
		if err != nil {
			t.Fatal(err)
		}
	} else {
		pool, err := sql.Open("postgres", cfg.URL)
		if err != nil {
			t.Fatal(err)
		}
		drv, err := postgres.WithInstance(pool, &postgres.Config{})
		if err != nil {
			t.Fatal(err)
		}
		m, err = migrate.NewWithInstance("iofs", src, "postgres", drv)
		if err != nil {
			t.Fatal(err)
		}
	}
	defer m.Close()
	if err := m.Migrate(version); err != nil {
		t.Fatalf("migrating to %d: %v", version, err)
	}
}

// seedOldVersion inserts one row into every table (two users, projects and
// pipelines where a relation needs a second) with the old schema's own
// sequences, and returns the IDs they handed out.
func seedOldVersion(t *testing.T, db *database.DB) map[string]int64 {
	t.Helper()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ids := map[string]int64{}
	insert := func(key, table string, cols map[string]any) {
		t.Helper()
		var names, marks []string
		var args []any
		for name, v := range cols {
			if ref, ok := v.(string); ok && strings.HasPrefix(ref, "@") {
				v = ids[ref[1:]]
			}
			names = append(names, name)
			args = append(args, v)
			if db.Dialect == dialect.Postgres {
				marks = append(marks, fmt.Sprintf("$%d", len(args)))
			} else {
				marks = append(marks, "?")
			}
		}
		q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) RETURNING id", table, strings.Join(names, ", "), strings.Join(marks, ", "))
		var id int64
		if err := db.SQL.QueryRow(q, args...).Scan(&id); err != nil {
			t.Fatalf("seeding %s: %v", table, err)
		}
		ids[key] = id
	}
	stamps := func(cols map[string]any) map[string]any {
		cols["created_at"], cols["updated_at"] = now, now
		return cols
	}
	insert("alice", "users", stamps(map[string]any{"username": "alice", "email": "alice@example.com", "password_hash": "x"}))
	insert("bob", "users", stamps(map[string]any{"username": "bob", "email": "bob@example.com", "password_hash": "x"}))
	insert("project", "projects", stamps(map[string]any{"name": "one", "full_path": "group/one"}))
	insert("project2", "projects", stamps(map[string]any{"name": "two", "full_path": "group/two"}))
	insert("member", "project_members", stamps(map[string]any{"access_level": 50, "project_id": "@project", "user_id": "@alice"}))
	insert("trigger", "pipeline_triggers", stamps(map[string]any{"description": "deploy", "token_digest": []byte("trigger-digest"),
		"token_sealed": []byte("sealed"), "short_token": "abcd", "project_id": "@project", "owner_id": "@alice"}))
	insert("runner", "runners", stamps(map[string]any{"token_digest": []byte("runner-digest"), "short_token": "efgh",
		"project_id": "@project", "creator_id": "@alice"}))
	pipelineCols := func(iid int, upstream any) map[string]any {
		return stamps(map[string]any{"iid": iid, "ref": "main", "source": "trigger", "project_id": "@project",
			"trigger_id": "@trigger", "runner_id": "@runner", "user_id": "@alice", "upstream_id": upstream})
	}
	insert("pipeline", "pipelines", pipelineCols(1, nil))
	insert("downstream", "pipelines", pipelineCols(2, "@pipeline"))
	insert("variable", "pipeline_variables", map[string]any{"key": "A", "value": "1", "pipeline_id": "@downstream"})
	insert("idempotency", "idempotency_keys", map[string]any{"created_at": now, "key": "k", "token_digest": []byte("trigger-digest"), "pipeline_id": "@pipeline"})
	insert("pat", "personal_access_tokens", map[string]any{"created_at": now, "name": "ci", "token_digest": []byte("pat-digest"), "user_id": "@alice"})
	insert("ref", "refs", stamps(map[string]any{"name": "main", "type": "branch", "project_id": "@project"}))
	insert("session", "sessions", map[string]any{"created_at": now, "sid": "s1", "expires_at": now.Add(time.Hour), "user_id": "@alice"})
	insert("allow", "job_token_allowlist_entries", map[string]any{"created_at": now, "project_id": "@project",
		"allowed_project_id": "@project2", "created_by_id": "@alice"})
	insert("failure", "sign_in_failures", map[string]any{"created_at": now, "ip_key": "ip", "account": "acct"})
	insert("audit", "audit_events", map[string]any{"created_at": now, "action": "user.created", "outcome": "SUCCESS",
		"target_type": "User", "target_id": "@bob", "project_id": "@project", "actor_user_id": "@alice"})
	return ids
}
