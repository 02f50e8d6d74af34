// Package runners manages runners (SPEC §6): creating and deleting them,
// authenticating their kor_ tokens and handing them pipelines, long-polling
// until one is queued. The pipeline side of a claim (status, job token) is
// the pipelines package's.
package runners

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/audit"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/pipelines"
	"github.com/kickoff-ci/kickoff/domain/projects"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/runner"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/tokens"
)

// MaxWait bounds a job request's long-poll.
const MaxWait = 60 * time.Second

// recheck is how often a long-poll looks for pipelines queued on other
// replicas, which this replica is not told about.
const recheck = time.Second

// contactEvery throttles contacted_at writes: one per runner per minute.
const contactEvery = time.Minute

// ErrUnauthorized answers a runner token that is malformed or unknown.
var ErrUnauthorized = kickoff.Errorf(kickoff.EUnauthorized, "401 Unauthorized")

// Service is the runners domain.
type Service struct {
	client    *ent.Client
	projects  *projects.Service
	pipelines *pipelines.Service
	now       func() time.Time
	recheck   time.Duration
	stopping  chan struct{}
	stopOnce  sync.Once
}

// New returns the runners service.
func New(client *ent.Client, projects *projects.Service, pipelines *pipelines.Service) *Service {
	return &Service{
		client: client, projects: projects, pipelines: pipelines,
		now:      func() time.Time { return time.Now().UTC() },
		recheck:  recheck,
		stopping: make(chan struct{}),
	}
}

// Create makes a runner and returns it with its token, shown only here.
// With a projectPath it is that project's runner (Maintainer); without, an
// instance runner that may run any project's pipelines (admins).
func (s *Service) Create(ctx context.Context, projectPath, description string) (*ent.Runner, string, error) {
	viewer := authz.UserFrom(ctx)
	if viewer == nil {
		return nil, "", kickoff.Errorf(kickoff.EUnauthorized, "sign in first")
	}
	var projectID *int
	if projectPath != "" {
		p, _, err := s.projects.Authorized(ctx, projectPath, authz.ManageProject)
		if err != nil {
			return nil, "", err
		}
		projectID = &p.ID
	} else if err := authz.AuthorizeRunner(ctx, database.ClientFrom(ctx, s.client), nil); err != nil {
		return nil, "", err
	}
	description = strings.TrimSpace(description)
	if utf8.RuneCountInString(description) > 255 {
		return nil, "", kickoff.Errorf(kickoff.EInvalid, "description is too long (maximum is 255 characters)")
	}
	token, err := tokens.New(tokens.Runner)
	if err != nil {
		return nil, "", fmt.Errorf("generating runner token: %w", err)
	}
	var r *ent.Runner
	err = database.WithTx(ctx, s.client, func(ctx context.Context, c *ent.Client) error {
		r, err = c.Runner.Create().
			SetDescription(description).SetTokenDigest(tokens.Digest(token)).SetShortToken(tokens.Short(token)).
			SetNillableProjectID(projectID).SetCreatorID(viewer.ID).
			Save(ctx)
		if err != nil {
			return fmt.Errorf("creating runner: %w", err)
		}
		return record(ctx, c, "runner.created", r)
	})
	if err != nil {
		return nil, "", err
	}
	return r, token, nil
}

// Delete removes a runner: its token stops working at once. Pipelines it
// holds keep their job tokens until they finish or go stale.
func (s *Service) Delete(ctx context.Context, id int) (*ent.Runner, error) {
	if authz.UserFrom(ctx) == nil {
		return nil, kickoff.Errorf(kickoff.EUnauthorized, "sign in first")
	}
	var r *ent.Runner
	err := database.WithTx(ctx, s.client, func(ctx context.Context, c *ent.Client) error {
		var err error
		r, err = c.Runner.Get(ctx, id)
		if ent.IsNotFound(err) {
			return kickoff.Errorf(kickoff.ENotFound, "runner not found")
		}
		if err != nil {
			return fmt.Errorf("loading runner: %w", err)
		}
		if err := authz.AuthorizeRunnerAccess(ctx, c, r); err != nil {
			return err
		}
		if err := c.Runner.DeleteOne(r).Exec(ctx); err != nil {
			return fmt.Errorf("deleting runner: %w", err)
		}
		return record(ctx, c, "runner.deleted", r)
	})
	return r, err
}

// ProjectRunners lists the project's own runners (Maintainer).
func (s *Service) ProjectRunners(ctx context.Context, p *ent.Project) (*ent.RunnerQuery, error) {
	c := database.ClientFrom(ctx, s.client)
	if err := authz.AuthorizeRunner(ctx, c, &p.ID); err != nil {
		return nil, err
	}
	return c.Runner.Query().Where(runner.ProjectID(p.ID)), nil
}

// AllRunners lists every runner, or only instance or project runners (admins).
func (s *Service) AllRunners(ctx context.Context, instance *bool) (*ent.RunnerQuery, error) {
	if err := authz.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	q := database.ClientFrom(ctx, s.client).Runner.Query()
	switch {
	case instance == nil:
	case *instance:
		q.Where(runner.ProjectIDIsNil())
	default:
		q.Where(runner.ProjectIDNotNil())
	}
	return q, nil
}

// Authenticate resolves a presented runner token (kor_). Malformed tokens
// are refused without a query.
func (s *Service) Authenticate(ctx context.Context, token string) (*ent.Runner, error) {
	if kind, err := tokens.Parse(token); err != nil || kind != tokens.Runner {
		return nil, ErrUnauthorized
	}
	r, err := s.client.Runner.Query().Where(runner.TokenDigest(tokens.Digest(token))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, fmt.Errorf("looking up runner token: %w", err)
	}
	return r, nil
}

// WaitFor validates a job request's wait_seconds.
func WaitFor(seconds int) (time.Duration, error) {
	limit := int(MaxWait / time.Second)
	if seconds < 0 || seconds > limit {
		return 0, kickoff.Errorf(kickoff.EInvalid, "wait_seconds must be an integer from 0 to %d", limit)
	}
	return time.Duration(seconds) * time.Second, nil
}

// RequestJob claims a pipeline for r, waiting up to wait for one to be
// queued. It wakes when a pipeline is queued on this replica, re-checks
// every second for other replicas' pipelines, and gives up (nil, nil) at
// the deadline, when ctx ends or when the server shuts down.
func (s *Service) RequestJob(ctx context.Context, r *ent.Runner, wait time.Duration) (*pipelines.Claimed, error) {
	if err := s.contacted(ctx, r); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		queued := s.pipelines.Queued()
		claimed, err := s.pipelines.Claim(ctx, r)
		if claimed != nil || err != nil {
			return claimed, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, nil
		}
		timer := time.NewTimer(min(left, s.recheck))
		select {
		case <-queued:
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return nil, nil
		case <-s.stopping:
			timer.Stop()
			return nil, nil
		}
		timer.Stop()
	}
}

// StopWaiting ends every long-poll at once (answered as "nothing to do"),
// so a shutting-down server does not wait for them.
func (s *Service) StopWaiting() {
	s.stopOnce.Do(func() { close(s.stopping) })
}

// contacted records that the runner asked for work, at most once a minute.
func (s *Service) contacted(ctx context.Context, r *ent.Runner) error {
	now := s.now()
	if r.ContactedAt != nil && now.Sub(*r.ContactedAt) < contactEvery {
		return nil
	}
	if err := s.client.Runner.UpdateOneID(r.ID).SetContactedAt(now).Exec(ctx); err != nil && !ent.IsNotFound(err) {
		return fmt.Errorf("recording runner contact: %w", err)
	}
	return nil
}

func record(ctx context.Context, c *ent.Client, action string, r *ent.Runner) error {
	scope := "instance runner"
	if r.ProjectID != nil {
		scope = "project runner"
	}
	return audit.Record(ctx, c, audit.Event{
		Action: action, Outcome: audit.Success,
		Reason:    fmt.Sprintf("%s %d (%s)", scope, r.ID, r.ShortToken),
		ProjectID: r.ProjectID, TargetType: "Runner", TargetID: &r.ID,
	})
}
