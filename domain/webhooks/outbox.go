package webhooks

import (
	"context"
	"fmt"
	"path"
	"slices"

	"github.com/google/uuid"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/webhook"
	"github.com/kickoff-ci/kickoff/ent/webhookdelivery"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// PipelineChanged writes one delivery per matching hook of p's project in
// the transaction c belongs to (pipelines.Notifier): the outbox row commits
// with the change, or neither does. This replica's workers are woken once
// it has committed; other replicas find it at their next poll.
func (s *Service) PipelineChanged(ctx context.Context, c *ent.Client, p *ent.Pipeline) error {
	ctx = authz.WithoutVisibility(ctx) // a Developer's pipeline still reaches its project's hooks
	hooks, err := c.Webhook.Query().
		Where(webhook.ProjectID(p.ProjectID), webhook.PipelineEvents(true), webhook.DisabledAtIsNil()).All(ctx)
	if err != nil {
		return fmt.Errorf("loading webhooks: %w", err)
	}
	hooks = slices.DeleteFunc(hooks, func(h *ent.Webhook) bool { return !wants(h, p) })
	if len(hooks) == 0 {
		return nil
	}
	sn, err := s.load(ctx, c, p)
	if err != nil {
		return err
	}
	bulk := make([]*ent.WebhookDeliveryCreate, 0, len(hooks))
	payloads := map[bool][]byte{}
	for _, h := range hooks {
		withValues, err := showsValues(ctx, c, h)
		if err != nil {
			return err
		}
		if payloads[withValues] == nil {
			if payloads[withValues], err = s.payload(sn, withValues); err != nil {
				return err
			}
		}
		bulk = append(bulk, c.WebhookDelivery.Create().
			SetUUID(uuid.NewString()).SetKind(webhookdelivery.KindPipeline).SetWebhookID(h.ID).
			SetPipelineID(p.ID).SetStatus(string(p.Status)).SetPayload(payloads[withValues]).
			SetNextAttemptAt(s.now()))
	}
	if err := c.WebhookDelivery.CreateBulk(bulk...).Exec(ctx); err != nil {
		return fmt.Errorf("queueing webhook deliveries: %w", err)
	}
	database.AfterCommit(ctx, s.Wake)
	return nil
}

// wants applies a hook's own filters: statuses and ref globs (empty: all).
func wants(h *ent.Webhook, p *ent.Pipeline) bool {
	if len(h.Statuses) > 0 && !slices.Contains(h.Statuses, string(p.Status)) {
		return false
	}
	if len(h.RefGlobs) == 0 {
		return true
	}
	return slices.ContainsFunc(h.RefGlobs, func(g string) bool {
		ok, _ := path.Match(g, p.Ref)
		return ok
	})
}

// showsValues reports whether h's deliveries may carry variable values:
// while its creator may read them (a creator gone or blocked may not).
func showsValues(ctx context.Context, c *ent.Client, h *ent.Webhook) (bool, error) {
	level, err := authz.UserLevel(ctx, c, h.CreatorID, h.ProjectID)
	return authz.ReadVariableValues.Allowed(level), err
}

// Wake tells this replica's workers that deliveries are due.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
