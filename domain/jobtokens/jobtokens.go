// Package jobtokens decides where a job token may start pipelines: in its
// own project, and in projects whose inbound allowlist names its project
// (GitLab's CI/CD job token allowlist). Everything else is denied, so a job
// token never carries its pipeline's user into projects that did not ask.
package jobtokens

import (
	"context"
	"fmt"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/audit"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/projects"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/jobtokenallowlistentry"
	"github.com/kickoff-ci/kickoff/ent/predicate"
	"github.com/kickoff-ci/kickoff/ent/project"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// Service is the job token allowlist domain.
type Service struct {
	client   *ent.Client
	projects *projects.Service
}

// New returns the job token allowlist service.
func New(client *ent.Client, prj *projects.Service) *Service {
	return &Service{client: client, projects: prj}
}

// Allows reports whether a job token of a pipeline in the source project may
// act in the target project: always in its own project, elsewhere only when
// the target's allowlist names the source.
func (s *Service) Allows(ctx context.Context, sourceProjectID, targetProjectID int) (bool, error) {
	if sourceProjectID == targetProjectID {
		return true, nil
	}
	ok, err := database.ClientFrom(ctx, s.client).JobTokenAllowlistEntry.Query().
		Where(entry(targetProjectID, sourceProjectID)).Exist(ctx)
	if err != nil {
		return false, fmt.Errorf("checking the job token allowlist: %w", err)
	}
	return ok, nil
}

// Allowlist returns the project named by projectRef and the query for the
// projects on its inbound allowlist, the project itself included, as GitLab
// lists them. Reading the list needs Maintainer, as in GitLab.
func (s *Service) Allowlist(ctx context.Context, projectRef string) (*ent.Project, *ent.ProjectQuery, error) {
	p, _, err := s.projects.Authorized(ctx, projectRef, authz.ManageProject)
	if err != nil {
		return nil, nil, err
	}
	q := database.ClientFrom(ctx, s.client).Project.Query().Where(project.Or(
		project.ID(p.ID),
		project.HasJobTokenAllowedInWith(jobtokenallowlistentry.ProjectID(p.ID)),
	))
	return p, q, nil
}

func (s *Service) add(ctx context.Context, projectRef, targetRef string, inputErr error) (*ent.JobTokenAllowlistEntry, error) {
	p, _, err := s.projects.Authorized(ctx, projectRef, authz.ManageProject)
	if err != nil {
		return nil, err
	}
	if inputErr != nil {
		return nil, inputErr
	}
	target, _, err := s.projects.Authorized(ctx, targetRef, authz.ReadProject)
	if err != nil {
		return nil, err
	}
	if target.ID == p.ID {
		return nil, kickoff.Errorf(kickoff.EInvalid, "target project can't be the same as the project: its own job tokens are always allowed")
	}
	c := database.ClientFrom(ctx, s.client)
	exists, err := c.JobTokenAllowlistEntry.Query().Where(entry(p.ID, target.ID)).Exist(ctx)
	if err != nil {
		return nil, fmt.Errorf("checking the job token allowlist: %w", err)
	}
	if exists {
		return nil, alreadyAllowed(target)
	}
	e, err := c.JobTokenAllowlistEntry.Create().
		SetProjectID(p.ID).SetAllowedProjectID(target.ID).SetCreatedByID(authz.UserFrom(ctx).ID).
		Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, alreadyAllowed(target) // added concurrently
	}
	if err != nil {
		return nil, fmt.Errorf("adding to the job token allowlist: %w", err)
	}
	return e, s.record(ctx, "job_token_scope.added", p.ID, target)
}

func (s *Service) remove(ctx context.Context, projectRef, targetRef string, inputErr error) error {
	p, _, err := s.projects.Authorized(ctx, projectRef, authz.ManageProject)
	if err != nil {
		return err
	}
	if inputErr != nil {
		return inputErr
	}
	c := database.ClientFrom(ctx, s.client)
	e, err := c.JobTokenAllowlistEntry.Query().
		Where(jobtokenallowlistentry.ProjectID(p.ID),
			jobtokenallowlistentry.HasAllowedProjectWith(projects.ByRef(targetRef))).
		WithAllowedProject().Only(ctx)
	if ent.IsNotFound(err) {
		return kickoff.Errorf(kickoff.EConflict, "target project is not in the job token allowlist of %s", p.FullPath)
	}
	if err != nil {
		return fmt.Errorf("loading the job token allowlist entry: %w", err)
	}
	if err := c.JobTokenAllowlistEntry.DeleteOne(e).Exec(ctx); err != nil {
		return fmt.Errorf("removing from the job token allowlist: %w", err)
	}
	return s.record(ctx, "job_token_scope.removed", p.ID, e.Edges.AllowedProject)
}

// entry selects the row that lets allowed's job tokens into projectID.
func entry(projectID, allowed int) predicate.JobTokenAllowlistEntry {
	return jobtokenallowlistentry.And(
		jobtokenallowlistentry.ProjectID(projectID), jobtokenallowlistentry.AllowedProjectID(allowed))
}

func alreadyAllowed(target *ent.Project) error {
	return kickoff.Errorf(kickoff.EConflict, "target project %s is already in the job token allowlist", target.FullPath)
}

func (s *Service) record(ctx context.Context, action string, projectID int, target *ent.Project) error {
	return audit.Record(ctx, s.client, audit.Event{Action: action, Outcome: audit.Success,
		ProjectID: &projectID, TargetType: "Project", TargetID: &target.ID,
		Reason: "job tokens of " + target.FullPath})
}
