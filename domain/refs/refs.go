// Package refs manages a project's branches and tags and resolves the ref
// name a pipeline is requested for, with GitLab's rules: "main",
// "refs/heads/main" and "refs/tags/v1" name refs; a commit SHA does not.
package refs

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/audit"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/projects"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/ref"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// Errors of Resolve, answered by the REST API with GitLab's bodies.
var (
	ErrNotFound  = kickoff.Errorf(kickoff.EInvalid, "Reference not found")
	ErrAmbiguous = kickoff.Errorf(kickoff.EInvalid, "Ref is ambiguous")
)

// Resolve finds the branch or tag name refers to in the project.
func Resolve(ctx context.Context, client *ent.Client, projectID int, name string) (*ent.Ref, error) {
	if !kickoff.CleanText(name) {
		// No ref can be named so (GraphQL strings are UTF-8 and Create
		// refuses NUL), and PostgreSQL refuses such a string even in a
		// query: a webhook URL's %FF or %00 would be a 500.
		return nil, ErrNotFound
	}
	q := database.ClientFrom(ctx, client).Ref.Query().Where(ref.ProjectID(projectID))
	switch {
	case strings.HasPrefix(name, "refs/heads/"):
		q.Where(ref.Name(strings.TrimPrefix(name, "refs/heads/")), ref.TypeEQ(kickoff.RefBranch))
	case strings.HasPrefix(name, "refs/tags/"):
		q.Where(ref.Name(strings.TrimPrefix(name, "refs/tags/")), ref.TypeEQ(kickoff.RefTag))
	default:
		q.Where(ref.Name(name))
	}
	found, err := q.Limit(2).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("resolving ref: %w", err)
	}
	switch len(found) {
	case 0:
		return nil, ErrNotFound
	case 1:
		return found[0], nil
	}
	return nil, ErrAmbiguous
}

// Service manages refs (Maintainer).
type Service struct {
	client   *ent.Client
	projects *projects.Service
}

// New returns the refs service.
func New(client *ent.Client, projects *projects.Service) *Service {
	return &Service{client: client, projects: projects}
}

var (
	// namePattern follows git check-ref-format loosely: no spaces, control
	// characters, "~^:?*[\", "..", "@{", and no leading or trailing "/" or ".".
	namePattern = regexp.MustCompile(`^[^\x00-\x20~^:?*\[\\\x7f]+$`)
	shaPattern  = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

func validate(name string, sha *string) error {
	if len(name) > 255 || !namePattern.MatchString(name) || strings.Contains(name, "..") || strings.Contains(name, "@{") ||
		strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") || strings.HasSuffix(name, ".") ||
		strings.HasPrefix(name, "refs/") || strings.HasSuffix(name, ".lock") {
		return kickoff.Errorf(kickoff.EInvalid, "%q is not a valid ref name", kickoff.Excerpt(name, 64))
	}
	if sha != nil && *sha != "" && !shaPattern.MatchString(*sha) {
		return kickoff.Errorf(kickoff.EInvalid, "sha must be 40 lowercase hexadecimal characters")
	}
	return nil
}

func (s *Service) create(ctx context.Context, projectPath, name string, typ kickoff.RefType, sha *string) (*ent.Ref, error) {
	p, _, err := s.projects.Authorized(ctx, projectPath, authz.ManageProject)
	if err != nil {
		return nil, err
	}
	if typ != kickoff.RefBranch && typ != kickoff.RefTag {
		return nil, kickoff.Errorf(kickoff.EInvalid, "type must be BRANCH or TAG")
	}
	if err := validate(name, sha); err != nil {
		return nil, err
	}
	c := database.ClientFrom(ctx, s.client)
	exists, err := c.Ref.Query().Where(ref.ProjectID(p.ID), ref.Name(name), ref.TypeEQ(typ)).Exist(ctx)
	if err != nil {
		return nil, fmt.Errorf("checking ref: %w", err)
	}
	if exists {
		return nil, kickoff.Errorf(kickoff.EConflict, "%s %q already exists", strings.ToLower(string(typ)), name)
	}
	r, err := c.Ref.Create().SetProjectID(p.ID).SetName(name).SetType(typ).SetNillableSha(blankNil(sha)).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("creating ref: %w", err)
	}
	return r, s.record(ctx, "ref.created", r)
}

func (s *Service) update(ctx context.Context, id int, sha *string) (*ent.Ref, error) {
	r, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := validate(r.Name, sha); err != nil {
		return nil, err
	}
	u := r.Update()
	if v := blankNil(sha); v != nil {
		u.SetSha(*v)
	} else {
		u.ClearSha()
	}
	if r, err = u.Save(ctx); err != nil {
		return nil, fmt.Errorf("updating ref: %w", err)
	}
	return r, s.record(ctx, "ref.updated", r)
}

func (s *Service) delete(ctx context.Context, id int) (*ent.Ref, error) {
	r, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	c := database.ClientFrom(ctx, s.client)
	p, err := c.Project.Get(ctx, r.ProjectID)
	if err != nil {
		return nil, fmt.Errorf("loading project: %w", err)
	}
	if r.Type == kickoff.RefBranch && r.Name == p.DefaultBranch {
		return nil, kickoff.Errorf(kickoff.EInvalid, "the default branch cannot be deleted; change the project's default branch first")
	}
	if err := c.Ref.DeleteOne(r).Exec(ctx); err != nil {
		return nil, fmt.Errorf("deleting ref: %w", err)
	}
	return r, s.record(ctx, "ref.deleted", r)
}

func (s *Service) load(ctx context.Context, id int) (*ent.Ref, error) {
	c := database.ClientFrom(ctx, s.client)
	r, err := c.Ref.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, kickoff.Errorf(kickoff.ENotFound, "ref not found")
	}
	if err != nil {
		return nil, fmt.Errorf("loading ref: %w", err)
	}
	if _, err := authz.Authorize(ctx, c, r.ProjectID, authz.ManageProject); err != nil {
		if kickoff.ErrorCode(err) == kickoff.ENotFound {
			return nil, kickoff.Errorf(kickoff.ENotFound, "ref not found")
		}
		return nil, err
	}
	return r, nil
}

func (s *Service) record(ctx context.Context, action string, r *ent.Ref) error {
	return audit.Record(ctx, s.client, audit.Event{Action: action, Outcome: audit.Success,
		ProjectID: &r.ProjectID, TargetType: "Ref", TargetID: &r.ID, Reason: string(r.Type) + " " + r.Name})
}

func blankNil(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}
