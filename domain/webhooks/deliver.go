package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"entgo.io/ent/dialect/sql"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/audit"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/webhook"
	"github.com/kickoff-ci/kickoff/ent/webhookdelivery"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/outbound"
)

const (
	// batch is how many deliveries one round claims.
	batch = 16
	// lease is how long a claimed delivery is this worker's: longer than
	// one attempt (10 s) and its recording, so a live worker never loses it.
	lease = 30 * time.Second
	// bodyExcerpt is how much of a response the delivery log keeps.
	bodyExcerpt = 4 << 10
	redacted    = "[REDACTED]"
)

// Run delivers due events until ctx ends: at once when this replica queued
// some, else every Config.Poll; finished deliveries past the retention
// are pruned hourly.
func (s *Service) Run(ctx context.Context) {
	poll := time.NewTicker(s.cfg.Poll)
	defer poll.Stop()
	var lastPrune time.Time
	for {
		for {
			n, err := s.DeliverDue(ctx)
			if err != nil && ctx.Err() == nil {
				s.cfg.Logger.Warn("delivering webhooks", "err", err)
			}
			if n < batch || err != nil {
				break
			}
		}
		if time.Since(lastPrune) > time.Hour {
			if _, err := s.Prune(ctx); err != nil && ctx.Err() == nil {
				s.cfg.Logger.Warn("pruning webhook deliveries", "err", err)
			}
			lastPrune = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-poll.C:
		}
	}
}

// DeliverDue claims up to one batch of due deliveries, sends them
// concurrently and records each outcome; it returns how many it claimed.
func (s *Service) DeliverDue(ctx context.Context) (int, error) {
	claimed, err := s.claim(ctx)
	if err != nil || len(claimed) == 0 {
		return 0, err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(claimed))
	for i, d := range claimed {
		if h := d.Edges.Webhook; h != nil { // nil: deleted meanwhile, with its deliveries
			wg.Go(func() { errs[i] = s.deliver(ctx, h, d, false) })
		}
	}
	wg.Wait()
	return len(claimed), errors.Join(errs...)
}

// claim leases due deliveries: pending, due, not leased, and the oldest
// pending event of their pipeline for their hook, so one pipeline's events
// arrive in order. PostgreSQL skips rows another replica is claiming;
// SQLite has a single writer.
func (s *Service) claim(ctx context.Context) ([]*ent.WebhookDelivery, error) {
	var out []*ent.WebhookDelivery
	err := database.WithTx(ctx, s.client, func(ctx context.Context, c *ent.Client) error {
		out = nil
		now := s.now()
		if err := failInterrupted(ctx, c, now); err != nil {
			return err
		}
		ids, err := c.WebhookDelivery.Query().
			Where(webhookdelivery.StateEQ(webhookdelivery.StatePending), webhookdelivery.NextAttemptAtLTE(now),
				webhookdelivery.Or(webhookdelivery.LockedUntilIsNil(), webhookdelivery.LockedUntilLT(now)),
				oldestOfItsPipeline()).
			Order(ent.Asc(webhookdelivery.FieldID)).Limit(batch).
			Modify(database.LockRow(true)).IDs(ctx)
		if err != nil || len(ids) == 0 {
			return err
		}
		if err := c.WebhookDelivery.Update().Where(webhookdelivery.IDIn(ids...)).
			SetLockedUntil(now.Add(lease)).Exec(ctx); err != nil {
			return fmt.Errorf("leasing deliveries: %w", err)
		}
		// Their hooks with them: one query for the whole batch.
		out, err = c.WebhookDelivery.Query().Where(webhookdelivery.IDIn(ids...)).WithWebhook().
			Order(ent.Asc(webhookdelivery.FieldID)).All(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claiming webhook deliveries: %w", err)
	}
	for i := range out {
		out[i] = out[i].Unwrap() // its hook edge is only read, never queried through
	}
	return out, nil
}

// failInterrupted ends tests and resends whose one attempt was never
// recorded (the process died meanwhile): they are sent once or not at all,
// never retried by a worker.
func failInterrupted(ctx context.Context, c *ent.Client, now time.Time) error {
	err := c.WebhookDelivery.Update().
		Where(webhookdelivery.StateEQ(webhookdelivery.StatePending), webhookdelivery.LockedUntilLT(now),
			webhookdelivery.Or(webhookdelivery.KindEQ(webhookdelivery.KindTest), webhookdelivery.ResentFromIDNotNil())).
		SetState(webhookdelivery.StateFailed).ClearLockedUntil().
		SetError("interrupted: Kickoff stopped before the answer was recorded").Exec(ctx)
	if err != nil {
		return fmt.Errorf("ending interrupted tests: %w", err)
	}
	return nil
}

// oldestOfItsPipeline holds back a delivery while an older one of the same
// hook and pipeline is still pending.
func oldestOfItsPipeline() func(*sql.Selector) {
	return func(s *sql.Selector) {
		older := sql.Table(webhookdelivery.Table).As("older")
		s.Where(sql.Or(
			sql.IsNull(s.C(webhookdelivery.FieldPipelineID)),
			sql.NotExists(sql.Select(older.C(webhookdelivery.FieldID)).From(older).Where(sql.And(
				sql.ColumnsEQ(older.C(webhookdelivery.FieldWebhookID), s.C(webhookdelivery.FieldWebhookID)),
				sql.ColumnsEQ(older.C(webhookdelivery.FieldPipelineID), s.C(webhookdelivery.FieldPipelineID)),
				sql.EQ(older.C(webhookdelivery.FieldState), webhookdelivery.StatePending),
				sql.ColumnsLT(older.C(webhookdelivery.FieldID), s.C(webhookdelivery.FieldID)),
			))),
		))
	}
}

// outcome is what one attempt came to.
type outcome struct {
	status     *int
	body       string
	err        string
	duration   time.Duration
	headers    map[string]string
	retryAfter time.Duration
	// final is set for outcomes no retry can change (2xx, most 4xx,
	// refused destinations).
	final, ok bool
}

// deliver makes one attempt at d for its hook h and records it. once makes
// a failure final (tests and resends answer their caller at once).
func (s *Service) deliver(ctx context.Context, h *ent.Webhook, d *ent.WebhookDelivery, once bool) error {
	var o outcome
	if h.DisabledAt != nil && d.Kind == webhookdelivery.KindPipeline {
		o = outcome{err: "the hook is disabled", final: true}
	} else {
		o = s.attempt(ctx, h, d)
	}
	s.stats.count(o)
	return s.recordAttempt(ctx, h, d, o, once)
}

// attempt sends d to h's URL, signed, and reads the answer.
func (s *Service) attempt(ctx context.Context, h *ent.Webhook, d *ent.WebhookDelivery) outcome {
	req, shown, err := s.request(ctx, h, d)
	if err != nil {
		return outcome{err: err.Error(), final: true}
	}
	start := time.Now()
	resp, err := s.sender.Client(h.EnableSslVerification).Do(req)
	o := outcome{headers: shown}
	if err != nil {
		o.duration = time.Since(start)
		o.err = safeError(err)
		o.final = outbound.IsBlocked(err)
		return o
	}
	defer resp.Body.Close()
	excerpt, _ := outbound.ReadBody(resp.Body, bodyExcerpt)
	o.duration = time.Since(start)
	o.status = &resp.StatusCode
	o.body = printable(excerpt)
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		o.ok, o.final = true, true
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		o.retryAfter = retryAfter(resp.Header.Get("Retry-After"), s.now())
	default:
		o.final = true // 3xx (redirects are not followed) and other 4xx
	}
	return o
}

// printable is a response excerpt as text any database stores: valid
// UTF-8 without NUL (PostgreSQL's text refuses it) or other control bytes
// but tabs and line breaks.
func printable(b []byte) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || !unicode.IsControl(r) {
			return r
		}
		return utf8.RuneError
	}, strings.ToValidUTF8(string(b), string(utf8.RuneError)))
}

// safeError is err as the delivery log shows it: without the request URL,
// which may hold secrets, nor the internal address a name resolved to.
func safeError(err error) string {
	if outbound.IsBlocked(err) {
		return "refused: the destination is not a public address; an operator can allow its network with " + outbound.AllowFlag
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner.Error()
		}
	}
	return err.Error()
}

// retryAfter reads Retry-After (seconds or an HTTP date); 0 when absent.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// request builds d's POST with GitLab's and Standard Webhooks' headers;
// shown is the headers as the delivery log keeps them, secrets redacted.
func (s *Service) request(ctx context.Context, h *ent.Webhook, d *ent.WebhookDelivery) (*http.Request, map[string]string, error) {
	rawURL, err := s.open(h.UUID, sealURL, h.URLSealed)
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, string(rawURL), bytes.NewReader(d.Payload))
	if err != nil {
		return nil, nil, fmt.Errorf("the hook's URL cannot be requested")
	}
	key := d.UUID
	if d.ResentFromID != nil {
		if orig, err := s.client.WebhookDelivery.Get(ctx, *d.ResentFromID); err == nil {
			key = orig.UUID // a resend is the same event to the receiver
		}
	}
	now := s.now()
	set := map[string]string{
		"Content-Type":          "application/json",
		"User-Agent":            s.cfg.UserAgent,
		"X-Gitlab-Event":        "Pipeline Hook",
		"X-Gitlab-Event-Uuid":   key,
		"X-Gitlab-Webhook-Uuid": h.UUID,
		"X-Gitlab-Instance":     s.cfg.PublicURL.String(),
		"Idempotency-Key":       key,
		"Webhook-Id":            key,
		"Webhook-Timestamp":     strconv.FormatInt(now.Unix(), 10),
	}
	sig, err := s.signature(h, key, now, d.Payload)
	if err != nil {
		return nil, nil, err
	}
	set["Webhook-Signature"] = sig
	shown := map[string]string{}
	for k, v := range set {
		shown[k] = v
	}
	if sealed := present(h.TokenSealed); sealed != nil {
		token, err := s.open(h.UUID, sealToken, sealed)
		if err != nil {
			return nil, nil, err
		}
		set["X-Gitlab-Token"], shown["X-Gitlab-Token"] = string(token), redacted
	}
	custom, err := s.customHeaders(h)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range custom {
		set[c.Key], shown[c.Key] = c.Value, redacted
	}
	for k, v := range set {
		req.Header.Set(k, v)
	}
	return req, shown, nil
}

// signature is webhook-signature: v1 with the current secret, and with the
// previous one too while it is in its grace period.
func (s *Service) signature(h *ent.Webhook, id string, at time.Time, payload []byte) (string, error) {
	secrets := [][]byte{h.SigningSecretSealed}
	if prev := present(h.PreviousSigningSecretSealed); prev != nil && h.PreviousSigningSecretExpiresAt != nil && at.Before(*h.PreviousSigningSecretExpiresAt) {
		secrets = append(secrets, prev)
	}
	sigs := make([]string, 0, len(secrets))
	for _, sealed := range secrets {
		secret, err := s.open(h.UUID, sealSecret, sealed)
		if err != nil {
			return "", err
		}
		wh, err := standardwebhooks.NewWebhook(string(secret))
		if err != nil {
			return "", fmt.Errorf("loading signing secret: %w", err)
		}
		sig, err := wh.Sign(id, at, payload)
		if err != nil {
			return "", fmt.Errorf("signing delivery: %w", err)
		}
		sigs = append(sigs, sig)
	}
	return strings.Join(sigs, " "), nil
}

// nextWait is the wait before attempt n+1: FirstRetry·4^(n-1), capped,
// ±20 % jitter so receivers coming back are not hit by every hook at once;
// never less than the receiver's Retry-After, up to the cap (a receiver
// must not park an event, and the pipeline's later ones, for years).
func (s *Service) nextWait(attempts int, after time.Duration) time.Duration {
	wait := s.cfg.FirstRetry
	for i := 1; i < attempts && wait < s.cfg.MaxRetryWait; i++ {
		wait *= 4
	}
	wait = min(wait, s.cfg.MaxRetryWait)
	wait += time.Duration((rand.Float64()*0.4 - 0.2) * float64(wait))
	return max(wait, min(after, s.cfg.MaxRetryWait))
}

// recordAttempt stores o on d and on h: the delivery log, the next attempt
// or the final state, and the hook's failure count (disabling it at the
// threshold, audited).
//
// It runs to its end even when ctx ends (shutdown, a caller gone): the
// receiver has answered, and an unrecorded answer is an event sent again.
// The update applies only while d is as this worker claimed it (pending,
// at its attempt count): a worker whose lease lapsed and was claimed over
// leaves the other's record alone.
func (s *Service) recordAttempt(ctx context.Context, h *ent.Webhook, d *ent.WebhookDelivery, o outcome, once bool) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	attempts := d.Attempts + 1
	now := s.now()
	upd := s.client.WebhookDelivery.Update().
		Where(webhookdelivery.ID(d.ID), webhookdelivery.StateEQ(webhookdelivery.StatePending), webhookdelivery.Attempts(d.Attempts)).
		SetAttempts(attempts).SetLastAttemptAt(now).ClearLockedUntil().
		SetNillableResponseStatus(o.status).SetResponseBody(o.body).SetError(o.err).
		SetDurationMs(int(o.duration.Milliseconds())).SetRequestHeaders(o.headers)
	switch {
	case o.ok:
		upd.SetState(webhookdelivery.StateDelivered)
	case o.final || once || attempts >= s.cfg.MaxAttempts:
		upd.SetState(webhookdelivery.StateFailed)
	default:
		upd.SetNextAttemptAt(now.Add(s.nextWait(attempts, o.retryAfter)))
	}
	n, err := upd.Save(ctx)
	if err != nil {
		return fmt.Errorf("recording delivery: %w", err)
	}
	if n == 0 {
		return nil // claimed over by another worker, or the hook was deleted
	}
	if !o.ok && !o.final && !once && attempts < s.cfg.MaxAttempts {
		return nil // will be retried: a receiver that is down a while disables nothing
	}
	return s.countFailure(ctx, h, o)
}

// countFailure keeps h's run of events that failed for good (every retry
// used, or a final answer such as 404 or 410): a success (a test's too)
// ends it and enables a disabled hook; DisableAfter in a row disable it.
func (s *Service) countFailure(ctx context.Context, h *ent.Webhook, o outcome) error {
	if o.ok {
		if h.ConsecutiveFailures == 0 && h.DisabledAt == nil {
			return nil
		}
		err := s.client.Webhook.UpdateOneID(h.ID).SetConsecutiveFailures(0).ClearDisabledAt().SetDisabledReason("").Exec(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return fmt.Errorf("resetting hook failures: %w", err)
		}
		return nil
	}
	if h.DisabledAt != nil {
		return nil
	}
	return database.WithTx(ctx, s.client, func(ctx context.Context, c *ent.Client) error {
		n, err := c.Webhook.Update().Where(webhook.ID(h.ID), webhook.DisabledAtIsNil()).AddConsecutiveFailures(1).Save(ctx)
		if err != nil || n == 0 {
			return err
		}
		h, err := c.Webhook.Get(ctx, h.ID)
		if err != nil || h.ConsecutiveFailures < s.cfg.DisableAfter {
			return err
		}
		reason := kickoff.Excerpt(fmt.Sprintf("%d events in a row failed for good; the last: %s", h.ConsecutiveFailures, failureText(o)), 1000)
		h, err = c.Webhook.UpdateOne(h).SetDisabledAt(s.now()).SetDisabledReason(reason).Save(ctx)
		if err != nil {
			return fmt.Errorf("disabling hook: %w", err)
		}
		s.cfg.Logger.Warn("disabled a failing webhook", "webhook", h.ID, "project", h.ProjectID, "reason", reason)
		return audit.Record(ctx, c, audit.Event{Action: "webhook.disabled", Outcome: audit.Failure, Reason: reason,
			ProjectID: &h.ProjectID, TargetType: "Webhook", TargetID: &h.ID})
	})
}

func failureText(o outcome) string {
	if o.status != nil {
		return "HTTP " + strconv.Itoa(*o.status)
	}
	return o.err
}

// Prune deletes finished deliveries older than the retention.
func (s *Service) Prune(ctx context.Context) (int, error) {
	n, err := s.client.WebhookDelivery.Delete().Where(
		webhookdelivery.StateNEQ(webhookdelivery.StatePending),
		webhookdelivery.CreatedAtLT(s.now().Add(-s.cfg.Retention))).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("pruning deliveries: %w", err)
	}
	return n, nil
}
