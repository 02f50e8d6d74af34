package pipelines

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/ent/predicate"
	"github.com/kickoff-ci/kickoff/ent/user"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// ListFilter is GitLab's filters of a project's pipelines (REST's GET
// /projects/:id/pipelines). Empty strings and nil times filter nothing.
type ListFilter struct {
	// Scope is running, pending, finished, branches (the newest pipeline of
	// each branch) or tags (the newest of each tag).
	Scope, Status, Source, Ref, SHA, Username string
	UpdatedAfter, UpdatedBefore               *time.Time
	CreatedAfter, CreatedBefore               *time.Time
	// OrderBy is id (the default), status, ref, updated_at or user_id;
	// Sort is asc or desc (the default).
	OrderBy, Sort string
	// InputErr is what the caller found wrong while reading the filters,
	// answered once the viewer may read the project.
	InputErr error
}

// Values GitLab's Grape accepts for the enumerated filters.
var (
	listScopes   = []string{"running", "pending", "finished", "branches", "tags"}
	listSorts    = []string{"asc", "desc"}
	listStatuses = kickoff.PipelineStatus("").Values()
	listSources  = []string{
		string(pipeline.SourceTrigger), string(pipeline.SourcePipeline), string(pipeline.SourceWeb),
		string(pipeline.SourceAPI), string(pipeline.SourceSchedule),
	}
)

// List returns the query of the project's pipelines that match f, in f's
// order, and the project (Reporter). Invalid filters are EInvalid with
// Grape's wording.
func (s *Service) List(ctx context.Context, projectRef string, f ListFilter) (*ent.PipelineQuery, *ent.Project, error) {
	proj, err := s.Readable(ctx, projectRef)
	if err != nil {
		return nil, nil, err
	}
	if err := f.validate(); err != nil {
		return nil, nil, err
	}
	q := database.ClientFrom(ctx, s.client).Pipeline.Query().Where(pipeline.ProjectID(proj.ID))
	f.apply(q, proj.ID)
	return q.Order(f.order()...), proj, nil
}

func (f ListFilter) validate() error {
	if f.InputErr != nil {
		return f.InputErr
	}
	for _, e := range []struct {
		name, value string
		valid       []string
	}{
		{"scope", f.Scope, listScopes}, {"status", f.Status, listStatuses},
		{"source", f.Source, listSources},
		{"order_by", f.OrderBy, slices.Sorted(maps.Keys(listOrders))}, {"sort", f.Sort, listSorts},
	} {
		if e.value != "" && !slices.Contains(e.valid, e.value) {
			return kickoff.Errorf(kickoff.EInvalid, "%s does not have a valid value", e.name)
		}
	}
	return nil
}

func (f ListFilter) apply(q *ent.PipelineQuery, projectID int) {
	switch f.Scope {
	case "running":
		q.Where(pipeline.StatusEQ(kickoff.StatusRunning))
	case "pending":
		q.Where(pipeline.StatusEQ(kickoff.StatusPending))
	case "finished":
		q.Where(pipeline.StatusIn(kickoff.StatusSuccess, kickoff.StatusFailed, kickoff.StatusCanceled, kickoff.StatusSkipped))
	case "branches":
		q.Where(newestPerRef(projectID, false))
	case "tags":
		q.Where(newestPerRef(projectID, true))
	}
	if f.Status != "" {
		q.Where(pipeline.StatusEQ(kickoff.PipelineStatus(f.Status)))
	}
	if f.Source != "" {
		q.Where(pipeline.SourceEQ(pipeline.Source(f.Source)))
	}
	if f.Ref != "" {
		q.Where(pipeline.Ref(f.Ref))
	}
	if f.SHA != "" {
		q.Where(pipeline.Sha(f.SHA))
	}
	if f.Username != "" {
		q.Where(pipeline.HasUserWith(user.UsernameEqualFold(f.Username)))
	}
	for _, t := range []struct {
		at *time.Time
		p  func(time.Time) predicate.Pipeline
	}{
		{f.UpdatedAfter, pipeline.UpdatedAtGT}, {f.UpdatedBefore, pipeline.UpdatedAtLT},
		{f.CreatedAfter, pipeline.CreatedAtGT}, {f.CreatedBefore, pipeline.CreatedAtLT},
	} {
		if t.at != nil {
			q.Where(t.p(*t.at))
		}
	}
}

// newestPerRef selects the newest pipeline of each branch (tag false) or
// tag of the project, as GitLab's branches and tags scopes do.
func newestPerRef(projectID int, tag bool) func(*sql.Selector) {
	return func(s *sql.Selector) {
		t := sql.Table(pipeline.Table)
		newest := sql.Select(sql.Max(t.C(pipeline.FieldID))).From(t).
			Where(sql.And(sql.EQ(t.C(pipeline.FieldProjectID), projectID), sql.EQ(t.C(pipeline.FieldTag), tag))).
			GroupBy(t.C(pipeline.FieldRef))
		s.Where(sql.In(s.C(pipeline.FieldID), newest))
	}
}

// listOrders maps GitLab's order_by values to columns.
var listOrders = map[string]func(...sql.OrderTermOption) pipeline.OrderOption{
	"id": pipeline.ByID, "status": pipeline.ByStatus, "ref": pipeline.ByRef,
	"updated_at": pipeline.ByUpdatedAt, "user_id": pipeline.ByUserID,
}

// order is f's order; ties are broken by id in the same direction, so
// pages never overlap.
func (f ListFilter) order() []pipeline.OrderOption {
	dir := sql.OrderDesc()
	if f.Sort == "asc" {
		dir = sql.OrderAsc()
	}
	field := f.OrderBy
	if field == "" {
		field = "id"
	}
	out := []pipeline.OrderOption{listOrders[field](dir)}
	if field != "id" {
		out = append(out, pipeline.ByID(dir))
	}
	return out
}

// Readable loads the project if the viewer may read its pipelines
// (Reporter); a project they may not see is not found.
func (s *Service) Readable(ctx context.Context, projectRef string) (*ent.Project, error) {
	proj, _, err := s.projects.Authorized(ctx, projectRef, authz.ReadProject)
	return proj, err
}

// Get returns pipeline id of the project (Reporter). A pipeline of another
// project is not found, as in GitLab.
func (s *Service) Get(ctx context.Context, projectRef string, id int) (*ent.Pipeline, error) {
	proj, err := s.Readable(ctx, projectRef)
	if err != nil {
		return nil, err
	}
	return s.first(ctx, proj, pipeline.ID(id))
}

// Latest returns the newest pipeline on ref, the project's default branch
// when ref is empty (Reporter).
func (s *Service) Latest(ctx context.Context, projectRef, ref string) (*ent.Pipeline, error) {
	proj, err := s.Readable(ctx, projectRef)
	if err != nil {
		return nil, err
	}
	if ref == "" {
		ref = proj.DefaultBranch
	}
	return s.first(ctx, proj, pipeline.Ref(ref))
}

// first is the project's newest pipeline matching where, with the project
// loaded for rendering.
func (s *Service) first(ctx context.Context, proj *ent.Project, where predicate.Pipeline) (*ent.Pipeline, error) {
	p, err := database.ClientFrom(ctx, s.client).Pipeline.Query().
		Where(pipeline.ProjectID(proj.ID), where).Order(pipeline.ByID(sql.OrderDesc())).First(ctx)
	if ent.IsNotFound(err) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("loading pipeline: %w", err)
	}
	p.Edges.Project = proj
	return p, nil
}

// IsPipelineNotFound reports whether err means the pipeline (not its
// project) was not found; GitLab's REST API words the two differently.
func IsPipelineNotFound(err error) bool { return errors.Is(err, errNotFound) }
