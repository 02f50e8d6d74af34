package authz

import (
	"context"
	"errors"
	"fmt"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/project"
	"github.com/kickoff-ci/kickoff/ent/user"
)

// Action is something a viewer may want to do in a project.
type Action int

// Actions, with the level each needs (SPEC §3).
const (
	// ReadProject covers the project, its refs, members and pipelines
	// (not variable values).
	ReadProject Action = iota + 1
	// RunPipeline covers creating pipelines as oneself, cancel and retry.
	RunPipeline
	// ReadVariableValues covers pipeline variable values.
	ReadVariableValues
	// ManageProject covers trigger tokens (list, create, revoke, take
	// ownership), refs, runners, members and project settings.
	ManageProject
	// OwnTriggerToken is what a trigger's owner needs to keep for the token
	// to start pipelines.
	OwnTriggerToken
	// ReadJobLog covers pipelines' job logs: as variable values by default,
	// since a command may print a secret that is not masked; a project may
	// lower it (JobLogLevels).
	ReadJobLog
	// DeletePipeline covers deleting a pipeline with its variables (GitLab:
	// destroy_pipeline, Owner only).
	DeletePipeline
)

// Required returns the lowest access level that allows a by default;
// RequiredIn, in a given project.
func (a Action) Required() kickoff.AccessLevel {
	switch a {
	case ReadProject:
		return kickoff.Reporter
	case RunPipeline, OwnTriggerToken:
		return kickoff.Developer
	case ReadVariableValues, ReadJobLog, ManageProject:
		return kickoff.Maintainer
	case DeletePipeline:
		return kickoff.Owner
	}
	return kickoff.Owner + 1 // unknown actions are never allowed
}

// Allowed reports whether level permits a by default.
func (a Action) Allowed(level kickoff.AccessLevel) bool { return level >= a.Required() }

// JobLogLevels are the levels a project may require for ReadJobLog: none
// below Reporter, who sees the pipelines, nor above the Maintainers who
// set it.
var JobLogLevels = []kickoff.AccessLevel{kickoff.Reporter, kickoff.Developer, kickoff.Maintainer}

// RequiredIn is the lowest access level that allows a in the project.
func RequiredIn(ctx context.Context, client *ent.Client, projectID int, a Action) (kickoff.AccessLevel, error) {
	if a != ReadJobLog {
		return a.Required(), nil
	}
	p, err := client.Project.Query().Where(project.ID(projectID)).
		Select(project.FieldJobLogAccessLevel).Only(withoutVisibility(ctx))
	if ent.IsNotFound(err) {
		return a.Required(), nil // no project: nobody is a member of it anyway
	}
	if err != nil {
		return 0, fmt.Errorf("reading the job log setting: %w", err)
	}
	return p.JobLogAccessLevel, nil
}

// ProjectPermissions is what a viewer may do in a project, so clients (the
// web app) ask instead of re-deriving role thresholds; GraphQL's
// Project.userPermissions, named as GitLab's ProjectPermissions.
type ProjectPermissions struct {
	ReadProject           bool // ReadProject
	CreatePipeline        bool // RunPipeline
	UpdatePipeline        bool // RunPipeline: cancel, retry
	ReadPipelineVariables bool // ReadVariableValues
	ReadJobLog            bool // ReadJobLog
	AdminProject          bool // ManageProject
}

// PermissionsAt is what level permits in a project whose job logs need
// jobLogLevel.
func PermissionsAt(level, jobLogLevel kickoff.AccessLevel) ProjectPermissions {
	return ProjectPermissions{
		ReadProject:           ReadProject.Allowed(level),
		CreatePipeline:        RunPipeline.Allowed(level),
		UpdatePipeline:        RunPipeline.Allowed(level),
		ReadPipelineVariables: ReadVariableValues.Allowed(level),
		ReadJobLog:            level >= jobLogLevel,
		AdminProject:          ManageProject.Allowed(level),
	}
}

// Authorize checks that the viewer may do a in the project and returns the
// viewer's level. A viewer who cannot even see the project gets ENotFound,
// so its existence does not leak; one who sees it but lacks the level gets
// EForbidden.
func Authorize(ctx context.Context, client *ent.Client, projectID int, a Action) (kickoff.AccessLevel, error) {
	u := UserFrom(ctx)
	level, err := AccessLevel(ctx, client, u, projectID)
	if err != nil {
		return kickoff.NoAccess, err
	}
	required, err := RequiredIn(ctx, client, projectID, a)
	if err != nil {
		return level, err
	}
	switch {
	case level >= required:
		return level, nil
	case !ReadProject.Allowed(level):
		return level, kickoff.Errorf(kickoff.ENotFound, "project not found")
	default:
		return level, errors.Join(
			kickoff.Errorf(kickoff.EForbidden, "you need at least the %s role in this project", required),
			ErrInsufficientRole)
	}
}

// ErrInsufficientRole marks the forbidden errors that mean "your role is too
// low" (GitLab answers those with a bare "403 Forbidden"), as opposed to
// forbidden errors that carry a reason for the client.
var ErrInsufficientRole = errors.New("insufficient role")

// ManagesTrigger reports whether u, whose level in t's project is level,
// may edit t's description and settings, rotate it and see its full token:
// only t's owner, and only while at least Maintainer there (SPEC §3, §4).
// Admins are no exception (as in GitLab, where admin_trigger needs is_owner):
// they see others' tokens shortened and may take ownership first.
func ManagesTrigger(u *ent.User, t *ent.PipelineTrigger, level kickoff.AccessLevel) bool {
	return u != nil && u.State == user.StateActive && u.ID == t.OwnerID && ManageProject.Allowed(level)
}

// CanManageTrigger is ManagesTrigger for the request's viewer.
func CanManageTrigger(ctx context.Context, client *ent.Client, t *ent.PipelineTrigger) (bool, error) {
	u := UserFrom(ctx)
	if u == nil || u.ID != t.OwnerID {
		return false, nil
	}
	level, err := AccessLevel(ctx, client, u, t.ProjectID)
	return ManagesTrigger(u, t, level), err
}

// RequireAdmin checks that the viewer is an instance admin.
func RequireAdmin(ctx context.Context) error {
	u := UserFrom(ctx)
	switch {
	case u == nil:
		return kickoff.Errorf(kickoff.EUnauthorized, "sign in first")
	case !u.Admin:
		return kickoff.Errorf(kickoff.EForbidden, "only instance admins may do this")
	}
	return nil
}

// ManagesTokensOf reports whether u may see, list and revoke the personal
// access tokens of the user ownerID: their owner, or an instance admin.
// The visibility interceptor applies the same rule to PAT queries.
func ManagesTokensOf(u *ent.User, ownerID int) bool {
	return u != nil && (u.Admin || u.ID == ownerID)
}

// CanSeeNode reports whether the viewer may see n when it is fetched by its
// global ID; unknown types are hidden.
//
// n may be partly loaded: GraphQL loads only the columns a query selects, so
// a node fetched as { id } has a zero ProjectID, OwnerID or RevokedAt. The
// fields the decision rests on are therefore read again by ID.
func CanSeeNode(ctx context.Context, client *ent.Client, n ent.Noder) (bool, error) {
	u := UserFrom(ctx)
	if u == nil {
		return false, nil
	}
	n, err := reload(withoutVisibility(ctx), client, n)
	if ent.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("loading node: %w", err)
	}
	switch n := n.(type) {
	case *ent.User:
		return true, nil // user basics are visible to every signed-in user, as in GitLab
	case *ent.PersonalAccessToken:
		return ManagesTokensOf(u, n.UserID), nil
	case *ent.Project:
		return allowed(ctx, client, u, n.ID, ReadProject)
	case *ent.Ref:
		return allowed(ctx, client, u, n.ProjectID, ReadProject)
	case *ent.ProjectMember:
		return allowed(ctx, client, u, n.ProjectID, ReadProject)
	case *ent.Pipeline:
		return allowed(ctx, client, u, n.ProjectID, ReadProject)
	case *ent.PipelineTrigger:
		if n.RevokedAt != nil {
			return false, nil
		}
		return allowed(ctx, client, u, n.ProjectID, ManageProject)
	case *ent.Runner:
		if n.ProjectID == nil {
			return u.Admin, nil
		}
		return allowed(ctx, client, u, *n.ProjectID, ManageProject)
	case *ent.AuditEvent:
		if n.ProjectID == nil {
			return u.Admin, nil
		}
		return allowed(ctx, client, u, *n.ProjectID, ManageProject)
	case *ent.Webhook:
		return allowed(ctx, client, u, n.ProjectID, ManageProject)
	case *ent.WebhookDelivery:
		h, err := client.Webhook.Get(withoutVisibility(ctx), n.WebhookID)
		if err != nil {
			return false, nil
		}
		return allowed(ctx, client, u, h.ProjectID, ManageProject)
	}
	return false, nil
}

// reload reads n again in full, for the types whose visibility depends on
// more than their ID.
func reload(ctx context.Context, client *ent.Client, n ent.Noder) (ent.Noder, error) {
	switch n := n.(type) {
	case *ent.PersonalAccessToken:
		return client.PersonalAccessToken.Get(ctx, n.ID)
	case *ent.Ref:
		return client.Ref.Get(ctx, n.ID)
	case *ent.ProjectMember:
		return client.ProjectMember.Get(ctx, n.ID)
	case *ent.Pipeline:
		return client.Pipeline.Get(ctx, n.ID)
	case *ent.PipelineTrigger:
		return client.PipelineTrigger.Get(ctx, n.ID)
	case *ent.Runner:
		return client.Runner.Get(ctx, n.ID)
	case *ent.AuditEvent:
		return client.AuditEvent.Get(ctx, n.ID)
	case *ent.Webhook:
		return client.Webhook.Get(ctx, n.ID)
	case *ent.WebhookDelivery:
		return client.WebhookDelivery.Get(ctx, n.ID)
	}
	return n, nil // users and projects: the ID is enough
}

func allowed(ctx context.Context, client *ent.Client, u *ent.User, projectID int, a Action) (bool, error) {
	level, err := AccessLevel(ctx, client, u, projectID)
	if err != nil || level == kickoff.NoAccess {
		return false, err
	}
	required, err := RequiredIn(ctx, client, projectID, a)
	return level >= required, err
}

// Allows reports whether u may do a in the project. Unlike Authorize it is
// about any user, not the viewer: a job token's pipeline runs as its user.
func Allows(ctx context.Context, client *ent.Client, u *ent.User, projectID int, a Action) (bool, error) {
	return allowed(ctx, client, u, projectID, a)
}

// AuthorizeRunner checks that the viewer may manage runners in the project
// (Maintainer), or instance runners when projectID is nil (admins only).
func AuthorizeRunner(ctx context.Context, client *ent.Client, projectID *int) error {
	if projectID != nil {
		_, err := Authorize(ctx, client, *projectID, ManageProject)
		return err
	}
	return RequireAdmin(ctx)
}

// AuthorizeRunnerAccess is AuthorizeRunner for an existing runner: viewers
// who may not see it (an instance runner for non-admins, a project runner
// outside their projects) get ENotFound, so its existence does not leak.
func AuthorizeRunnerAccess(ctx context.Context, client *ent.Client, r *ent.Runner) error {
	if r.ProjectID == nil {
		if u := UserFrom(ctx); u == nil || !u.Admin {
			return kickoff.Errorf(kickoff.ENotFound, "runner not found")
		}
		return nil
	}
	_, err := Authorize(ctx, client, *r.ProjectID, ManageProject)
	return err
}

// Recheck is Authorize for operations that outlive the request that
// authenticated them (subscriptions): the viewer's user is read again, and
// it fails (EUnauthorized) once the user is blocked, deleted or no longer
// an admin as they were, or (ENotFound, like Authorize) once they may no
// longer do a in the project.
func Recheck(ctx context.Context, client *ent.Client, projectID int, a Action) error {
	was := UserFrom(ctx)
	if was == nil {
		return kickoff.Errorf(kickoff.EUnauthorized, "sign in first")
	}
	now, err := client.User.Query().Where(user.ID(was.ID), user.StateEQ(user.StateActive)).Only(withoutVisibility(ctx))
	if ent.IsNotFound(err) {
		return kickoff.Errorf(kickoff.EUnauthorized, "your account is no longer active: sign in again")
	}
	if err != nil {
		return fmt.Errorf("reloading user: %w", err)
	}
	if now.Admin != was.Admin {
		return kickoff.Errorf(kickoff.EUnauthorized, "your permissions changed: sign in again")
	}
	ok, err := allowed(ctx, client, now, projectID, a)
	if err != nil {
		return err
	}
	if !ok {
		return kickoff.Errorf(kickoff.ENotFound, "project not found")
	}
	return nil
}
