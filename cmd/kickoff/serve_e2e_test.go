package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/kickoff-ci/kickoff/domain/identity"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

func TestMigrateStatusAndUp(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, d string) {
		in := newInstance(t, d)
		version, name, _ := strings.Cut(firstMigration(t, d), "_")
		row := regexp.MustCompile(`(?m)^` + version + `\s+` + regexp.QuoteMeta(name) + `\s+(\S+)\s*$`)
		state := func() string {
			t.Helper()
			r := in.runOK(t, "", in.with("migrate", "status")...)
			m := row.FindStringSubmatch(r.stdout)
			if m == nil {
				t.Fatalf("migrate status does not list %s_%s:\n%s", version, name, r)
			}
			return m[1]
		}

		if got := state(); got != "pending" {
			t.Errorf("fresh database: migration %s is %q, want pending", version, got)
		}
		if up := in.runOK(t, "", in.with("migrate", "up")...); !strings.Contains(up.stdout, "applied "+version+"\n") {
			t.Errorf("migrate up does not report applying %s:\n%s", version, up)
		}
		if got := state(); got != "applied" {
			t.Errorf("after migrate up: migration %s is %q, want applied", version, got)
		}
		if again := in.runOK(t, "", in.with("migrate", "up")...); again.stdout != "database is up to date\n" {
			t.Errorf("second migrate up:\n%s", again)
		}
	})
}

func TestServeNoMigrateRefusesPendingMigrations(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, d string) {
		in := newInstance(t, d)
		s := in.startServe(t, "--no-migrate")
		if code := s.wait(t, time.Minute); code == 0 {
			t.Fatalf("serve --no-migrate on an unmigrated database exited 0:\n%s", s.logs)
		}
		logs := s.logs.String()
		for _, want := range []string{firstMigration(t, d), "kickoff migrate up"} {
			if !strings.Contains(logs, want) {
				t.Errorf("serve --no-migrate output lacks %q:\n%s", want, logs)
			}
		}
	})
}

func TestServePostgresRequiresSecretKey(t *testing.T) {
	t.Parallel()
	if !slices.Contains(dbtest.Dialects(), dialect.Postgres) {
		t.Skipf("PostgreSQL not under test: set %s", dbtest.PostgresURLEnv)
	}
	in := newInstance(t, dialect.Postgres)
	r := in.run(t, "", "serve", "--listen", "127.0.0.1:0", "--data-dir", in.dataDir, "--database-url", in.dbURL)
	if r.code == 0 {
		t.Fatalf("serve on PostgreSQL without a secret key exited 0:\n%s", r)
	}
	if !strings.Contains(r.stderr, "KICKOFF_SECRET_KEY (or --secret-key) is required with PostgreSQL") {
		t.Errorf("no clear message about the missing secret key:\n%s", r)
	}
}

var initialAdminLine = regexp.MustCompile(`msg="created the initial admin user[^"]*".* password=(\S+)`)

// TestServeFirstStart covers the first start on an empty database (migrates,
// becomes ready, creates admin and tells its password once), SIGTERM while
// idle, and a second start that creates nothing.
func TestServeFirstStart(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, d string) {
		in := newInstance(t, d)
		passwordFile := filepath.Join(in.dataDir, identity.InitialAdminFile)

		first := in.startServe(t)
		first.waitReady(t)
		if code := first.get(t, "/readyz"); code != 200 {
			t.Errorf("GET /readyz = %d, want 200", code)
		}
		logs := first.logs.String()
		if !strings.Contains(logs, `msg="applied database migrations"`) {
			t.Errorf("first start did not log applying migrations:\n%s", logs)
		}
		m := initialAdminLine.FindStringSubmatch(logs)
		if m == nil {
			t.Fatalf("first start did not log the initial admin password:\n%s", logs)
		}
		password := m[1]
		if n := strings.Count(logs, password); n != 1 {
			t.Errorf("the admin password appears %d times in the log, want once", n)
		}
		checkSecretFile(t, passwordFile, password+"\n")
		first.stop(t)

		second := in.startServe(t)
		second.waitReady(t)
		logs = second.logs.String()
		if strings.Contains(logs, "initial admin") || strings.Contains(logs, password) {
			t.Errorf("second start announced an initial admin again:\n%s", logs)
		}
		checkSecretFile(t, passwordFile, password+"\n")
		second.stop(t)
	})
}

// checkSecretFile checks a file holds want and only its owner may read it.
func checkSecretFile(t *testing.T, path, want string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("secret file: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("%s has mode %#o, want 0600", path, perm)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s holds %q, want %q", path, got, want)
	}
}
