package pipelines

import (
	"context"
	"fmt"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/tokens"
)

// Claimed is a pipeline handed to a runner: what it runs and the job token
// it reports with. JobToken is shown only here; only its digest is stored.
type Claimed struct {
	Pipeline  *ent.Pipeline // with its project loaded
	Variables []Variable
	JobToken  string
}

// Claim hands the oldest created pipeline the runner may run (its project's
// for a project runner, any project's for an instance runner) to it: the
// pipeline becomes pending with a fresh job token. It returns nil when none
// is waiting. No pipeline goes to two runners: on PostgreSQL the candidate
// row is locked with SKIP LOCKED, on SQLite the transaction holds the only
// write lock, and the update is guarded by the created status either way.
func (s *Service) Claim(ctx context.Context, r *ent.Runner) (*Claimed, error) {
	token, err := tokens.New(tokens.Job)
	if err != nil {
		return nil, fmt.Errorf("generating job token: %w", err)
	}
	var claimed *Claimed
	err = database.WithTx(ctx, s.client, func(ctx context.Context, c *ent.Client) error {
		claimed, err = s.claim(ctx, c, r, token)
		return err
	})
	if err != nil || claimed == nil {
		return nil, err
	}
	proj := claimed.Pipeline.Edges.Project
	claimed.Pipeline = claimed.Pipeline.Unwrap()
	claimed.Pipeline.Edges.Project = proj.Unwrap()
	return claimed, nil
}

func (s *Service) claim(ctx context.Context, c *ent.Client, r *ent.Runner, token string) (*Claimed, error) {
	q := c.Pipeline.Query().Where(pipeline.StatusEQ(kickoff.StatusCreated))
	if r.ProjectID != nil {
		q.Where(pipeline.ProjectID(*r.ProjectID))
	}
	ids, err := q.Order(ent.Asc(pipeline.FieldCreatedAt), ent.Asc(pipeline.FieldID)).Limit(1).
		Select(pipeline.FieldID).Modify(database.LockRow(true)).Ints(ctx)
	if err != nil {
		return nil, fmt.Errorf("finding a pipeline to claim: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	p, err := c.Pipeline.UpdateOneID(ids[0]).Where(pipeline.StatusEQ(kickoff.StatusCreated)).
		SetStatus(kickoff.StatusPending).SetRunnerID(r.ID).SetClaimedAt(s.now()).
		SetJobTokenDigest(tokens.Digest(token)).
		Save(ctx)
	if ent.IsNotFound(err) {
		return nil, nil // taken meanwhile; the caller looks again
	}
	if err != nil {
		return nil, fmt.Errorf("claiming pipeline: %w", err)
	}
	proj, err := c.Project.Get(ctx, p.ProjectID)
	if err != nil {
		return nil, fmt.Errorf("loading project: %w", err)
	}
	stored, err := p.QueryVariables().All(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading variables: %w", err)
	}
	p.Edges.Project = proj
	err = s.recordStatus(ctx, c, p, kickoff.StatusCreated, fmt.Sprintf("claimed by runner %d", r.ID),
		runnerTokenKind, r.ShortToken)
	if err != nil {
		return nil, err
	}
	if err := s.announce(ctx, c, p); err != nil {
		return nil, err
	}
	return &Claimed{Pipeline: p, Variables: s.Variables(p, proj, stored), JobToken: token}, nil
}
