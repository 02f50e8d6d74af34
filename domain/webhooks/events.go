package webhooks

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipeline"
	"github.com/kickoff-ci/kickoff/ent/webhookdelivery"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// Unwrap lets Created leave a transaction (database.InTx).
func (c Created) Unwrap() Created {
	c.Hook = c.Hook.Unwrap()
	return c
}

// ErrNoPipelines is GitLab's answer to a test of a project without pipelines.
var ErrNoPipelines = kickoff.Errorf(kickoff.EInvalid, "Ensure the project has CI pipelines.")

// ErrInTransaction refuses a test or resend inside a caller's transaction:
// the receiver's answer must not be awaited holding database locks.
var ErrInTransaction = kickoff.Errorf(kickoff.EInvalid, "a webhook test or resend cannot be combined with other mutations in one request")

// Test sends the project's latest pipeline as a test event now, once (no
// retries), and returns the delivery with its outcome (Maintainer). A
// success enables a disabled hook again.
func (s *Service) Test(ctx context.Context, h *ent.Webhook) (*ent.WebhookDelivery, error) {
	if ent.TxFromContext(ctx) != nil {
		return nil, ErrInTransaction
	}
	p, err := s.client.Pipeline.Query().Where(pipeline.ProjectID(h.ProjectID)).
		Order(ent.Desc(pipeline.FieldID)).First(authz.WithoutVisibility(ctx))
	if ent.IsNotFound(err) {
		return nil, ErrNoPipelines
	}
	if err != nil {
		return nil, fmt.Errorf("loading the latest pipeline: %w", err)
	}
	sn, err := s.load(authz.WithoutVisibility(ctx), s.client, p)
	if err != nil {
		return nil, err
	}
	withValues, err := showsValues(ctx, s.client, h)
	if err != nil {
		return nil, err
	}
	body, err := s.payload(sn, withValues)
	if err != nil {
		return nil, err
	}
	d, err := s.client.WebhookDelivery.Create().SetUUID(uuid.NewString()).SetKind(webhookdelivery.KindTest).
		SetWebhookID(h.ID).SetPipelineID(p.ID).SetStatus(string(p.Status)).SetPayload(body).
		SetNextAttemptAt(s.now()).SetLockedUntil(s.now().Add(lease)).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("recording test delivery: %w", err)
	}
	return s.sendNow(ctx, h, d)
}

// Resend sends a logged delivery's event again now, once, as a new entry
// of the log with the same event ID (Idempotency-Key), so a receiver that
// got it before can tell (Maintainer).
func (s *Service) Resend(ctx context.Context, h *ent.Webhook, deliveryID int) (*ent.WebhookDelivery, error) {
	if ent.TxFromContext(ctx) != nil {
		return nil, ErrInTransaction
	}
	orig, err := s.Delivery(ctx, h, deliveryID)
	if err != nil {
		return nil, err
	}
	root := orig.ID
	if orig.ResentFromID != nil {
		root = *orig.ResentFromID
	}
	d, err := s.client.WebhookDelivery.Create().SetUUID(uuid.NewString()).SetKind(orig.Kind).
		SetWebhookID(h.ID).SetNillablePipelineID(orig.PipelineID).SetStatus(orig.Status).SetPayload(orig.Payload).
		SetResentFromID(root).SetNextAttemptAt(s.now()).SetLockedUntil(s.now().Add(lease)).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("recording resend: %w", err)
	}
	return s.sendNow(ctx, h, d)
}

// sendNow makes the one attempt of a test or resend (leased at creation,
// so no worker takes it meanwhile) and reloads the delivery.
func (s *Service) sendNow(ctx context.Context, h *ent.Webhook, d *ent.WebhookDelivery) (*ent.WebhookDelivery, error) {
	if err := s.deliver(ctx, h, d, true); err != nil {
		return nil, err
	}
	d, err := s.client.WebhookDelivery.Get(ctx, d.ID)
	if err != nil {
		return nil, fmt.Errorf("reloading delivery: %w", err)
	}
	return d, nil
}

var errDeliveryNotFound = kickoff.Errorf(kickoff.ENotFound, "hook event not found")

// IsDeliveryNotFound tells a missing delivery from a missing hook.
func IsDeliveryNotFound(err error) bool { return err == errDeliveryNotFound }

// Delivery returns one of h's deliveries.
func (s *Service) Delivery(ctx context.Context, h *ent.Webhook, id int) (*ent.WebhookDelivery, error) {
	d, err := database.ClientFrom(ctx, s.client).WebhookDelivery.Query().
		Where(webhookdelivery.ID(id), webhookdelivery.WebhookID(h.ID)).Only(authz.WithoutVisibility(ctx))
	if ent.IsNotFound(err) {
		return nil, errDeliveryNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("loading delivery: %w", err)
	}
	return d, nil
}

// Deliveries is the query of h's delivery log, newest first.
func (s *Service) Deliveries(ctx context.Context, h *ent.Webhook) *ent.WebhookDeliveryQuery {
	return database.ClientFrom(ctx, s.client).WebhookDelivery.Query().
		Where(webhookdelivery.WebhookID(h.ID)).Order(ent.Desc(webhookdelivery.FieldID))
}

// stats counts attempts by outcome, for /metrics.
type stats struct {
	delivered, failed, retried, refused atomic.Uint64
}

func (st *stats) count(o outcome) {
	switch {
	case o.ok:
		st.delivered.Add(1)
	case o.status == nil && o.final:
		st.refused.Add(1)
	case o.final:
		st.failed.Add(1)
	default:
		st.retried.Add(1)
	}
}

// Stats is what /metrics shows of webhook delivery on this replica
// (attempts) and overall (the queue).
type Stats struct {
	Delivered, Failed, Retried, Refused uint64
	Queued                              int
	OldestQueued                        time.Duration
}

// Stats reads the counters and the queue.
func (s *Service) Stats(ctx context.Context) (Stats, error) {
	st := Stats{
		Delivered: s.stats.delivered.Load(), Failed: s.stats.failed.Load(),
		Retried: s.stats.retried.Load(), Refused: s.stats.refused.Load(),
	}
	q := s.client.WebhookDelivery.Query().Where(webhookdelivery.StateEQ(webhookdelivery.StatePending))
	var err error
	if st.Queued, err = q.Clone().Count(ctx); err != nil || st.Queued == 0 {
		return st, err
	}
	oldest, err := q.Order(ent.Asc(webhookdelivery.FieldID)).First(ctx)
	if err != nil {
		return st, fmt.Errorf("reading the webhook queue: %w", err)
	}
	st.OldestQueued = s.now().Sub(oldest.CreatedAt)
	return st, nil
}

// ResendByID is Resend for a delivery named by its ID alone (GraphQL).
func (s *Service) ResendByID(ctx context.Context, deliveryID int) (*ent.WebhookDelivery, error) {
	d, err := s.client.WebhookDelivery.Get(authz.WithoutVisibility(ctx), deliveryID)
	if ent.IsNotFound(err) {
		return nil, errDeliveryNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("loading delivery: %w", err)
	}
	h, err := s.ByID(ctx, d.WebhookID)
	if IsHookNotFound(err) {
		return nil, errDeliveryNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.Resend(ctx, h, deliveryID)
}
