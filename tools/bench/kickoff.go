package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/identity"
	"github.com/kickoff-ci/kickoff/domain/pipelines"
	"github.com/kickoff-ci/kickoff/domain/projects"
	"github.com/kickoff-ci/kickoff/domain/triggers"
	"github.com/kickoff-ci/kickoff/frontend"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/keyring"
	"github.com/kickoff-ci/kickoff/server"
	"github.com/kickoff-ci/kickoff/services"
)

// benchSecret keys the in-process services and the kickoff binary alike, so
// tokens created in-process work against the binary.
const benchSecret = "kickoff-bench-secret-key-not-for-production-use"

// Fixture names. The dashboard projects hold pipelines started by a
// trigger, so every field of the dashboard query has data.
const (
	triggerProject   = "bench/app"
	dashboardProject = "bench/dash"
	smallProject     = "bench/small"
)

var publicURL = &url.URL{Scheme: "http", Host: "127.0.0.1"}

func newKeyring() (*keyring.Keyring, error) { return keyring.New(benchSecret) }

// fixture is what the benchmarks use: a user owning a project with a trigger
// token, and (withDashboard) a PAT and projects with dashboardPipelines and
// smallPipelines pipelines.
type fixture struct {
	triggerToken string
	pat          string
}

const (
	dashboardPipelines = 150
	smallPipelines     = 5
)

// seed creates the fixture on a migrated database through the services, as
// the API would.
func seed(ctx context.Context, db *database.DB, withDashboard bool) (*fixture, error) {
	kr, err := newKeyring()
	if err != nil {
		return nil, err
	}
	set := services.New(db.Client, kr, publicURL)
	owner, err := set.Identity.CreateUser(ctx, identity.NewUser{
		Username: "bench", Email: "bench@example.com", Password: "bench-password-not-secret",
	})
	if err != nil {
		return nil, fmt.Errorf("creating user: %w", err)
	}
	vctx := authz.WithViewer(ctx, &authz.Viewer{User: owner, CredentialKind: "bench"})
	f := &fixture{}
	if f.triggerToken, err = projectWithTrigger(vctx, set, triggerProject); err != nil {
		return nil, err
	}
	if !withDashboard {
		return f, nil
	}
	if _, f.pat, err = set.Identity.CreatePersonalAccessToken(ctx, owner, "bench", nil); err != nil {
		return nil, fmt.Errorf("creating personal access token: %w", err)
	}
	for path, n := range map[string]int{dashboardProject: dashboardPipelines, smallProject: smallPipelines} {
		token, err := projectWithTrigger(vctx, set, path)
		if err != nil {
			return nil, err
		}
		for range n {
			_, _, err := set.Pipelines.Trigger(ctx, pipelines.TriggerRequest{ProjectRef: path, Token: token, Ref: "main"})
			if err != nil {
				return nil, fmt.Errorf("starting a pipeline in %s: %w", path, err)
			}
		}
	}
	return f, nil
}

func projectWithTrigger(vctx context.Context, set services.Set, path string) (string, error) {
	if _, err := set.Projects.Create(vctx, projects.NewProject{Name: path, Path: path}); err != nil {
		return "", fmt.Errorf("creating project %s: %w", path, err)
	}
	t, err := set.Triggers.Create(vctx, path, triggers.NewTrigger{Description: "bench"})
	if err != nil {
		return "", fmt.Errorf("creating trigger token in %s: %w", path, err)
	}
	token, exposed, err := set.Triggers.Token(vctx, t)
	if err != nil || !exposed {
		return "", fmt.Errorf("reading the new trigger token (exposed %v): %w", exposed, err)
	}
	return token, nil
}

// newKickoff builds the real HTTP handler, as `kickoff serve` does, on db's
// pool with ent's driver wrapped by countingDriver.
func newKickoff(db *database.DB, c *counters) (http.Handler, error) {
	kr, err := newKeyring()
	if err != nil {
		return nil, err
	}
	client := database.NewClient(db.Dialect, &countingDriver{Driver: database.NewDriver(db.Dialect, db.SQL), c: c})
	counted := *db // same pool and dialect; only the ent client differs
	counted.Client = client
	webApp, err := fs.Sub(frontend.Dist, "dist")
	if err != nil {
		return nil, err
	}
	set := services.New(client, kr, publicURL)
	logger := slog.New(slog.DiscardHandler)
	return server.New(server.Config{
		DB: &counted, Logger: logger, WebApp: webApp,
		Services: set.HTTP(), GraphQL: set.GraphQL(logger),
	}), nil
}

// openMigrated opens cfg with Kickoff's own pool settings and migrates it.
func openMigrated(ctx context.Context, cfg database.Config) (*database.DB, error) {
	db, err := database.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("migrating: %w", err)
	}
	return db, nil
}

// triggerBody is the form every trigger call sends.
func triggerBody(token string) string {
	return url.Values{"token": {token}, "ref": {"main"}}.Encode()
}

func triggerURL(base string) string {
	return base + "/api/v4/projects/" + url.PathEscape(triggerProject) + "/trigger/pipeline"
}
