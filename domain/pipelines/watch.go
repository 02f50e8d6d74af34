package pipelines

import (
	"context"
	"fmt"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/internal/events"
)

// Watch streams the project's pipelines as they are created and change
// status, for as long as ctx lasts and the viewer may see the project
// (Reporter). Unknown and invisible projects are ENotFound, as for queries.
//
// The viewer is checked again, against the database, before each batch of
// changes and at least every recheck: a subscription outlives the request
// that authenticated it, and a user blocked or removed from the project
// meanwhile must stop receiving, quiet project or not.
// Then, or when loading fails, ended is called with the reason and the
// channel is closed. When ctx ends the channel is closed without a call.
func (s *Service) Watch(ctx context.Context, projectPath string, recheck time.Duration, ended func(error)) (<-chan *ent.Pipeline, error) {
	proj, _, err := s.projects.Authorized(ctx, projectPath, authz.ReadProject)
	if err == nil {
		// The viewer in ctx may be as old as the websocket it came with.
		err = authz.Recheck(ctx, s.client, proj.ID, authz.ReadProject)
	}
	if kickoff.ErrorCode(err) == kickoff.ENotFound {
		// One answer whether the project is unknown or hidden, so a
		// subscription cannot probe for project names.
		return nil, kickoff.Errorf(kickoff.ENotFound, "project %q not found", projectPath)
	}
	if err != nil {
		return nil, err
	}
	sub := s.events.Subscribe(ctx, proj.ID)
	out := make(chan *ent.Pipeline)
	go func() {
		defer close(out)
		if err := s.watch(ctx, sub, proj.ID, recheck, out); err != nil && ctx.Err() == nil {
			ended(err)
		}
	}()
	return out, nil
}

func (s *Service) watch(ctx context.Context, sub *events.Subscription, projectID int, recheck time.Duration, out chan<- *ent.Pipeline) error {
	for {
		ids, open := sub.NextWithin(recheck)
		if !open {
			return nil // ctx ended
		}
		if err := authz.Recheck(ctx, s.client, projectID, authz.ReadProject); err != nil {
			return err
		}
		if len(ids) == 0 {
			continue // only the periodic check
		}
		ps, err := s.changed(ctx, projectID, ids)
		if err != nil {
			return err
		}
		for _, p := range ps {
			select {
			case out <- p:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// changed loads the pipelines named by an event batch, in the batch's order.
// Only the project's own are loaded, whatever the event says: on PostgreSQL
// anyone who can connect can NOTIFY.
func (s *Service) changed(ctx context.Context, projectID int, ids []int) ([]*ent.Pipeline, error) {
	found, err := s.client.Pipeline.Query().Where(pipeline.IDIn(ids...), pipeline.ProjectID(projectID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading changed pipelines: %w", err)
	}
	byID := make(map[int]*ent.Pipeline, len(found))
	for _, p := range found {
		byID[p.ID] = p
	}
	ps := make([]*ent.Pipeline, 0, len(found))
	for _, id := range ids {
		if p := byID[id]; p != nil {
			ps = append(ps, p)
		}
	}
	return ps, nil
}
