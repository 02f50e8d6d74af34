// Package projects holds the rules for projects and their members: creating
// and editing projects, and who may grant which access level to whom.
package projects

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"entgo.io/ent/dialect/sql"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/audit"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/predicate"
	"github.com/kickoff-ci/kickoff/ent/project"
	"github.com/kickoff-ci/kickoff/ent/projectmember"
	"github.com/kickoff-ci/kickoff/ent/user"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// Service is the projects domain.
type Service struct{ client *ent.Client }

// New returns the projects service.
func New(client *ent.Client) *Service { return &Service{client: client} }

var (
	fullPathPattern = regexp.MustCompile(`^[a-z0-9_.-]+(/[a-z0-9_.-]+)+$`)
	branchPattern   = regexp.MustCompile(`^[^\s~^:?*\[\\]+$`)
)

// NewProject is what Create needs.
type NewProject struct {
	Name          string
	Path          string // full path, e.g. "group/name"
	Description   string
	DefaultBranch string // "main" when empty
}

// Create makes a project owned by the viewer, with its default branch as a ref.
func (s *Service) Create(ctx context.Context, np NewProject) (*ent.Project, error) {
	viewer := authz.UserFrom(ctx)
	if viewer == nil {
		return nil, kickoff.Errorf(kickoff.EUnauthorized, "sign in to create projects")
	}
	path := strings.ToLower(strings.Trim(strings.TrimSpace(np.Path), "/"))
	branch := strings.TrimSpace(np.DefaultBranch)
	if branch == "" {
		branch = "main"
	}
	if err := validateProject(np.Name, path, np.Description, branch); err != nil {
		return nil, err
	}
	var p *ent.Project
	err := database.WithTx(ctx, s.client, func(ctx context.Context, c *ent.Client) error {
		exists, err := c.Project.Query().Where(project.FullPath(path)).Exist(ctx)
		if err != nil {
			return fmt.Errorf("checking project path: %w", err)
		}
		if exists {
			return kickoff.Errorf(kickoff.EConflict, "a project with path %q already exists", path)
		}
		p, err = c.Project.Create().
			SetName(strings.TrimSpace(np.Name)).SetFullPath(path).
			SetDescription(np.Description).SetDefaultBranch(branch).
			Save(ctx)
		if err != nil {
			return fmt.Errorf("creating project: %w", err)
		}
		if err := c.ProjectMember.Create().SetProjectID(p.ID).SetUserID(viewer.ID).SetAccessLevel(kickoff.Owner).Exec(ctx); err != nil {
			return fmt.Errorf("adding owner: %w", err)
		}
		if err := c.Ref.Create().SetProjectID(p.ID).SetName(branch).SetType(kickoff.RefBranch).Exec(ctx); err != nil {
			return fmt.Errorf("creating default branch: %w", err)
		}
		return audit.Record(ctx, c, audit.Event{Action: "project.created", Outcome: audit.Success,
			ProjectID: &p.ID, TargetType: "Project", TargetID: &p.ID})
	})
	return p, err
}

func validateProject(name, path, description, branch string) error {
	switch {
	case strings.TrimSpace(name) == "" || len(name) > 255:
		return kickoff.Errorf(kickoff.EInvalid, "name must be 1-255 characters")
	case len(path) > 255 || !fullPathPattern.MatchString(path):
		return kickoff.Errorf(kickoff.EInvalid, "path must look like group/name: lowercase letters, digits, '-', '_' and '.', in two or more segments separated by '/'")
	case len(description) > 2000:
		return kickoff.Errorf(kickoff.EInvalid, "description must be at most 2000 characters")
	case len(branch) > 255 || !branchPattern.MatchString(branch):
		return kickoff.Errorf(kickoff.EInvalid, "defaultBranch %q is not a valid branch name", branch)
	}
	return nil
}

// Get returns the project at fullPath if the viewer may see it.
func (s *Service) Get(ctx context.Context, fullPath string) (*ent.Project, error) {
	p, err := database.ClientFrom(ctx, s.client).Project.Query().
		Where(project.FullPath(strings.ToLower(fullPath)), authz.VisibleProjects(authz.UserFrom(ctx))).
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, kickoff.Errorf(kickoff.ENotFound, "project %q not found", fullPath)
	}
	if err != nil {
		return nil, fmt.Errorf("loading project: %w", err)
	}
	return p, nil
}

// Visible returns the query of the projects the viewer may see whose name or
// path contains search (any, when empty).
func (s *Service) Visible(ctx context.Context, search string) *ent.ProjectQuery {
	q := database.ClientFrom(ctx, s.client).Project.Query().Where(authz.VisibleProjects(authz.UserFrom(ctx)))
	if search != "" {
		q.Where(project.Or(project.NameContainsFold(search), project.FullPathContainsFold(search)))
	}
	return q
}

// Authorized loads the project named by fullPath (a full path, or a numeric
// ID as GitLab's REST API allows) and checks the viewer may do a, returning
// the viewer's level; other domain packages use it too.
func (s *Service) Authorized(ctx context.Context, fullPath string, a authz.Action) (*ent.Project, kickoff.AccessLevel, error) {
	if authz.UserFrom(ctx) == nil {
		return nil, kickoff.NoAccess, kickoff.Errorf(kickoff.EUnauthorized, "sign in first")
	}
	p, err := database.ClientFrom(ctx, s.client).Project.Query().Where(ByRef(fullPath)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, kickoff.NoAccess, kickoff.Errorf(kickoff.ENotFound, "project %q not found", fullPath)
	}
	if err != nil {
		return nil, kickoff.NoAccess, fmt.Errorf("loading project: %w", err)
	}
	level, err := s.Authorize(ctx, p, a)
	if kickoff.ErrorCode(err) == kickoff.ENotFound {
		return nil, level, kickoff.Errorf(kickoff.ENotFound, "project %q not found", fullPath)
	}
	return p, level, err
}

// Authorize is Authorized for a project already loaded (GraphQL's parent
// object), without reading it again: only p's ID is used.
func (s *Service) Authorize(ctx context.Context, p *ent.Project, a authz.Action) (kickoff.AccessLevel, error) {
	if authz.UserFrom(ctx) == nil {
		return kickoff.NoAccess, kickoff.Errorf(kickoff.EUnauthorized, "sign in first")
	}
	level, err := authz.Authorize(ctx, database.ClientFrom(ctx, s.client), p.ID, a)
	if kickoff.ErrorCode(err) == kickoff.ENotFound {
		// The same answer as for a project that does not exist, so a hidden
		// project's existence does not leak.
		return level, kickoff.Errorf(kickoff.ENotFound, "project not found")
	}
	return level, err
}

// ByRef selects a project by numeric ID or by full path; full paths always
// contain a "/", so the two cannot be confused.
func ByRef(ref string) predicate.Project {
	if id, err := strconv.Atoi(ref); err == nil {
		return project.ID(id)
	}
	if !kickoff.CleanText(ref) {
		// No project has such a path, and PostgreSQL cannot compare it.
		return func(s *sql.Selector) { s.Where(sql.False()) }
	}
	return project.FullPath(strings.ToLower(ref))
}

// ProjectUpdate lists the fields to change; nil leaves a field as it is.
type ProjectUpdate struct {
	Name          *string
	Description   *string
	DefaultBranch *string
	// JobLogAccessLevel is the lowest role that may read job logs, one of
	// authz.JobLogLevels.
	JobLogAccessLevel *kickoff.AccessLevel
}

func (s *Service) update(ctx context.Context, fullPath string, up ProjectUpdate) (*ent.Project, error) {
	p, _, err := s.Authorized(ctx, fullPath, authz.ManageProject)
	if err != nil {
		return nil, err
	}
	name, description, branch := p.Name, p.Description, p.DefaultBranch
	if up.Name != nil {
		name = *up.Name
	}
	if up.Description != nil {
		description = *up.Description
	}
	if up.DefaultBranch != nil {
		branch = strings.TrimSpace(*up.DefaultBranch)
	}
	if err := validateProject(name, p.FullPath, description, branch); err != nil {
		return nil, err
	}
	logLevel := p.JobLogAccessLevel
	if up.JobLogAccessLevel != nil {
		if logLevel = *up.JobLogAccessLevel; !slices.Contains(authz.JobLogLevels, logLevel) {
			return nil, kickoff.Errorf(kickoff.EInvalid, "job logs can be opened to Reporters, Developers or Maintainers, not %s", logLevel)
		}
	}
	var reason string
	if logLevel != p.JobLogAccessLevel {
		reason = fmt.Sprintf("job logs readable by %s and above (was %s)", logLevel, p.JobLogAccessLevel)
	}
	p, err = p.Update().SetName(strings.TrimSpace(name)).SetDescription(description).SetDefaultBranch(branch).
		SetJobLogAccessLevel(logLevel).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("updating project: %w", err)
	}
	return p, audit.Record(ctx, s.client, audit.Event{Action: "project.updated", Outcome: audit.Success,
		Reason: reason, ProjectID: &p.ID, TargetType: "Project", TargetID: &p.ID})
}

// ViewerAccessLevel is the viewer's level in p.
func (s *Service) ViewerAccessLevel(ctx context.Context, p *ent.Project) (kickoff.AccessLevel, error) {
	return authz.AccessLevel(ctx, database.ClientFrom(ctx, s.client), authz.UserFrom(ctx), p.ID)
}

// ViewerPermissions is what the viewer may do in p.
func (s *Service) ViewerPermissions(ctx context.Context, p *ent.Project) (authz.ProjectPermissions, error) {
	level, err := s.ViewerAccessLevel(ctx, p)
	if err != nil {
		return authz.ProjectPermissions{}, err
	}
	// Read again: GraphQL loads only the columns a query selects.
	logLevel, err := authz.RequiredIn(ctx, database.ClientFrom(ctx, s.client), p.ID, authz.ReadJobLog)
	return authz.PermissionsAt(level, logLevel), err
}

func (s *Service) addMember(ctx context.Context, fullPath, username string, level kickoff.AccessLevel) (*ent.ProjectMember, error) {
	p, viewerLevel, err := s.Authorized(ctx, fullPath, authz.ManageProject)
	if err != nil {
		return nil, err
	}
	if err := checkGrant(viewerLevel, level); err != nil {
		return nil, err
	}
	c := database.ClientFrom(ctx, s.client)
	u, err := c.User.Query().Where(user.Username(strings.ToLower(username))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, kickoff.Errorf(kickoff.EInvalid, "user %q does not exist", username)
	}
	if err != nil {
		return nil, fmt.Errorf("loading user: %w", err)
	}
	exists, err := c.ProjectMember.Query().Where(projectmember.ProjectID(p.ID), projectmember.UserID(u.ID)).Exist(ctx)
	if err != nil {
		return nil, fmt.Errorf("checking membership: %w", err)
	}
	if exists {
		return nil, kickoff.Errorf(kickoff.EConflict, "%s is already a member of %s", u.Username, p.FullPath)
	}
	m, err := c.ProjectMember.Create().SetProjectID(p.ID).SetUserID(u.ID).SetAccessLevel(level).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("adding member: %w", err)
	}
	return m, s.auditMember(ctx, "member.added", p.ID, m, u.Username)
}

func (s *Service) updateMember(ctx context.Context, fullPath, username string, level kickoff.AccessLevel) (*ent.ProjectMember, error) {
	p, viewerLevel, m, err := s.member(ctx, fullPath, username)
	if err != nil {
		return nil, err
	}
	if err := checkGrant(viewerLevel, level); err != nil {
		return nil, err
	}
	if m.AccessLevel == kickoff.Owner && viewerLevel < kickoff.Owner {
		return nil, kickoff.Errorf(kickoff.EForbidden, "only Owners can change an Owner's access")
	}
	if m.AccessLevel == kickoff.Owner && level != kickoff.Owner {
		if err := s.keepAnOwner(ctx, p.ID); err != nil {
			return nil, err
		}
	}
	m, err = m.Update().SetAccessLevel(level).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("updating member: %w", err)
	}
	return m, s.auditMember(ctx, "member.updated", p.ID, m, username)
}

func (s *Service) removeMember(ctx context.Context, fullPath, username string) (*ent.ProjectMember, error) {
	p, viewerLevel, m, err := s.member(ctx, fullPath, username)
	if err != nil {
		return nil, err
	}
	if m.AccessLevel == kickoff.Owner {
		if viewerLevel < kickoff.Owner {
			return nil, kickoff.Errorf(kickoff.EForbidden, "only Owners can remove an Owner")
		}
		if err := s.keepAnOwner(ctx, p.ID); err != nil {
			return nil, err
		}
	}
	if err := database.ClientFrom(ctx, s.client).ProjectMember.DeleteOne(m).Exec(ctx); err != nil {
		return nil, fmt.Errorf("removing member: %w", err)
	}
	return m, s.auditMember(ctx, "member.removed", p.ID, m, username)
}

func (s *Service) member(ctx context.Context, fullPath, username string) (*ent.Project, kickoff.AccessLevel, *ent.ProjectMember, error) {
	p, viewerLevel, err := s.Authorized(ctx, fullPath, authz.ManageProject)
	if err != nil {
		return nil, 0, nil, err
	}
	m, err := database.ClientFrom(ctx, s.client).ProjectMember.Query().
		Where(projectmember.ProjectID(p.ID), projectmember.HasUserWith(user.Username(strings.ToLower(username)))).
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, 0, nil, kickoff.Errorf(kickoff.EInvalid, "%s is not a member of %s", username, p.FullPath)
	}
	if err != nil {
		return nil, 0, nil, fmt.Errorf("loading member: %w", err)
	}
	return p, viewerLevel, m, nil
}

func checkGrant(viewerLevel, level kickoff.AccessLevel) error {
	if !level.Valid() {
		return kickoff.Errorf(kickoff.EInvalid, "accessLevel must be GUEST, REPORTER, DEVELOPER, MAINTAINER or OWNER")
	}
	if level == kickoff.Owner && viewerLevel < kickoff.Owner {
		return kickoff.Errorf(kickoff.EForbidden, "only Owners can grant the OWNER role")
	}
	return nil
}

// keepAnOwner refuses to demote or remove the last Owner.
func (s *Service) keepAnOwner(ctx context.Context, projectID int) error {
	owners, err := database.ClientFrom(ctx, s.client).ProjectMember.Query().
		Where(projectmember.ProjectID(projectID), projectmember.AccessLevel(kickoff.Owner)).Count(ctx)
	if err != nil {
		return fmt.Errorf("counting owners: %w", err)
	}
	if owners <= 1 {
		return kickoff.Errorf(kickoff.EInvalid, "a project must keep at least one Owner")
	}
	return nil
}

func (s *Service) auditMember(ctx context.Context, action string, projectID int, m *ent.ProjectMember, username string) error {
	return audit.Record(ctx, s.client, audit.Event{Action: action, Outcome: audit.Success,
		ProjectID: &projectID, TargetType: "ProjectMember", TargetID: &m.ID,
		Reason: username + " as " + m.AccessLevel.String()})
}
