// Package pipelines creates pipelines — from trigger tokens and from users —
// and holds their variables. Every way of starting a pipeline (GitLab's REST
// trigger endpoints, the one-URL trigger, GraphQL pipelineCreate) goes
// through create, so the checks, the iid allocation, the variables and the
// audit trail are written once.
package pipelines

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/audit"
	"github.com/kickoff-ci/kickoff/domain/jobtokens"
	"github.com/kickoff-ci/kickoff/domain/projects"
	"github.com/kickoff-ci/kickoff/domain/triggers"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/events"
)

// Service is the pipelines domain.
type Service struct {
	client   *ent.Client
	triggers *triggers.Service
	projects *projects.Service
	jobs     *jobtokens.Service
	queued   signal
	events   *events.Bus
	notifier Notifier
	now      func() time.Time
	// stopCtx ends when the service stops waiting (StopWaiting).
	stopCtx context.Context
	stop    context.CancelFunc
	// PublicURL builds CI_PIPELINE_URL and web_url links.
	PublicURL *url.URL
}

// New returns the pipelines service. Creations and status changes are
// announced on bus; jobs decides where job tokens may start pipelines.
func New(client *ent.Client, triggers *triggers.Service, projects *projects.Service, jobs *jobtokens.Service, bus *events.Bus, publicURL *url.URL) *Service {
	stopCtx, stop := context.WithCancel(context.Background())
	return &Service{
		client: client, triggers: triggers, projects: projects, jobs: jobs, events: bus,
		now:     func() time.Time { return time.Now().UTC() },
		stopCtx: stopCtx, stop: stop,
		PublicURL: publicURL,
	}
}

// Errors with GitLab's wording; the REST layer gives each GitLab's status and body.
var (
	ErrOwnerForbidden   = kickoff.Errorf(kickoff.EForbidden, "Trigger owner has insufficient permissions to project")
	ErrDuplicatePayload = kickoff.Errorf(kickoff.EInvalid, "Duplicate variable name: TRIGGER_PAYLOAD")
)

// spec is everything create needs, whoever asked.
type spec struct {
	project   *ent.Project
	ref       *ent.Ref
	source    pipeline.Source
	user      *ent.User
	trigger   *ent.PipelineTrigger // nil unless source is trigger
	upstream  *ent.Pipeline        // the job token's pipeline when source is pipeline
	jobToken  string               // the job token's short form, for the audit log
	variables []Variable           // user-sent, already validated
	idem      *idempotency         // nil without an Idempotency-Key
	signature []byte               // a signed call's signature digest, recorded once
}

// create allocates the iid, then checks the trigger's rate limit and writes
// the pipeline, its variables, the trigger's last use, the idempotency record
// and the audit entry in one transaction. It returns the existing pipeline
// (replayed) when a concurrent request with the same Idempotency-Key won.
func (s *Service) create(ctx context.Context, sp spec) (*ent.Pipeline, bool, error) {
	if sp.idem != nil {
		if p, err := s.replay(ctx, sp.idem); p != nil || err != nil {
			return p, p != nil, err
		}
	}
	iid, err := s.nextIID(ctx, sp.project.ID)
	if err != nil {
		return nil, false, err
	}
	var created *ent.Pipeline
	err = database.WithTx(ctx, s.client, func(ctx context.Context, c *ent.Client) error {
		created, err = s.insert(ctx, c, sp, iid)
		return err
	})
	if sp.idem != nil && ent.IsConstraintError(err) {
		// Lost the race for this Idempotency-Key: answer the winner's pipeline.
		if p, rerr := s.replay(ctx, sp.idem); p != nil || rerr != nil {
			return p, p != nil, rerr
		}
	}
	if err != nil {
		return nil, false, err
	}
	database.AfterCommit(ctx, s.queued.notify)
	return created, false, nil
}

// nextIID takes the project's next pipeline iid in a transaction of its own,
// so the row lock on the project lasts one statement, not the whole request.
// A failed request leaves a gap; iids are never reused or duplicated. Inside
// a caller's transaction (a GraphQL mutation) it joins that transaction:
// SQLite allows one writer at a time, so a second connection would wait on it.
func (s *Service) nextIID(ctx context.Context, projectID int) (int, error) {
	// One statement, one round trip (both dialects accept $n and RETURNING).
	rows, err := database.ClientFrom(ctx, s.client).QueryContext(ctx,
		`UPDATE projects SET last_pipeline_iid = last_pipeline_iid + 1 WHERE id = $1 RETURNING last_pipeline_iid`, projectID)
	if err != nil {
		return 0, fmt.Errorf("allocating pipeline iid: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return 0, fmt.Errorf("allocating pipeline iid: project %d not found: %w", projectID, rows.Err())
	}
	var iid int
	if err := rows.Scan(&iid); err != nil {
		return 0, fmt.Errorf("allocating pipeline iid: %w", err)
	}
	return iid, rows.Close()
}

// lastUsedResolution is how precisely a trigger's last use is recorded.
// Every call writing the trigger's row would queue concurrent callers of one
// busy token on its row lock until each commit; at most one write a second
// keeps them apart.
const lastUsedResolution = time.Second

// touchTrigger records that t was used at now, unless it was recorded less
// than lastUsedResolution ago. The condition is repeated in SQL so concurrent
// callers that all saw an old value do not all write. It is a plain UPDATE so
// the trigger's updated_at (its last edit) stays as it is.
func touchTrigger(ctx context.Context, c *ent.Client, t *ent.PipelineTrigger, now time.Time) error {
	if t.LastUsedAt != nil && now.Sub(*t.LastUsedAt) < lastUsedResolution {
		return nil
	}
	_, err := c.ExecContext(ctx,
		`UPDATE pipeline_triggers SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)`,
		now, t.ID, now.Add(-lastUsedResolution))
	if err != nil {
		return fmt.Errorf("recording trigger use: %w", err)
	}
	return nil
}

func (s *Service) insert(ctx context.Context, c *ent.Client, sp spec, iid int) (*ent.Pipeline, error) {
	now := s.now()
	if sp.trigger != nil {
		var err error
		if now, err = s.triggers.Admit(ctx, c, sp.trigger); err != nil {
			return nil, err
		}
		if err := triggers.RecordSignature(ctx, c, sp.trigger, sp.signature, now); err != nil {
			return nil, err
		}
	}
	create := c.Pipeline.Create().
		SetProjectID(sp.project.ID).
		SetIid(iid).
		SetRef(sp.ref.Name).
		SetNillableSha(sp.ref.Sha).
		SetTag(sp.ref.Type == kickoff.RefTag).
		SetSource(sp.source).
		SetCreatedAt(now).SetUpdatedAt(now)
	if sp.user != nil {
		create.SetUserID(sp.user.ID)
	}
	if sp.trigger != nil {
		create.SetTriggerID(sp.trigger.ID).SetTriggerShortToken(sp.trigger.ShortToken)
	}
	if sp.upstream != nil {
		create.SetUpstreamID(sp.upstream.ID)
	}
	p, err := create.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("creating pipeline: %w", err)
	}
	// The callers answer with the project and user; they are at hand.
	p.Edges.Project, p.Edges.User = sp.project, sp.user
	if err := insertVariables(ctx, c, p.ID, sp.variables); err != nil {
		return nil, err
	}
	if err := s.announce(ctx, c, p); err != nil {
		return nil, err
	}
	if sp.trigger != nil {
		if err := touchTrigger(ctx, c, sp.trigger, now); err != nil {
			return nil, err
		}
	}
	if sp.idem != nil {
		if err := sp.idem.record(ctx, c, p.ID); err != nil {
			return nil, err
		}
	}
	return p, s.audit(ctx, c, sp, p)
}

func insertVariables(ctx context.Context, c *ent.Client, pipelineID int, vars []Variable) error {
	if len(vars) == 0 {
		return nil
	}
	builders := make([]*ent.PipelineVariableCreate, len(vars))
	for i, v := range vars {
		builders[i] = c.PipelineVariable.Create().SetPipelineID(pipelineID).SetKey(v.Key).SetValue(v.Value).SetFile(v.File).SetMasked(v.Masked)
	}
	if err := c.PipelineVariable.CreateBulk(builders...).Exec(ctx); err != nil {
		return fmt.Errorf("storing variables: %w", err)
	}
	return nil
}

func (s *Service) audit(ctx context.Context, c *ent.Client, sp spec, p *ent.Pipeline) error {
	ev := audit.Event{Outcome: audit.Success, ProjectID: &sp.project.ID, TargetType: "Pipeline", TargetID: &p.ID}
	if sp.trigger != nil {
		ev.Action = "trigger.used"
		ev.Reason = fmt.Sprintf("trigger %d started pipeline #%d on %s", sp.trigger.ID, p.Iid, p.Ref)
		ev.ActorTokenKind, ev.ActorShortToken = "trigger_token", sp.trigger.ShortToken
	} else {
		ev.Action = "pipeline.created"
		ev.Reason = fmt.Sprintf("pipeline #%d on %s", p.Iid, p.Ref)
	}
	if sp.upstream != nil {
		ev.Reason += fmt.Sprintf(", triggered by pipeline %d", sp.upstream.ID)
		ev.ActorTokenKind, ev.ActorShortToken = jobTokenKind, sp.jobToken
	}
	return audit.Record(ctx, c, ev)
}
