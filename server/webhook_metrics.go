package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kickoff-ci/kickoff/domain/webhooks"
)

// webhookCollector shows webhook delivery in /metrics: attempts on this
// replica by outcome, and the queue all replicas share.
type webhookCollector struct {
	hooks                   *webhooks.Service
	attempts, queued, stale *prometheus.Desc
}

func newWebhookCollector(hooks *webhooks.Service) *webhookCollector {
	return &webhookCollector{
		hooks: hooks,
		attempts: prometheus.NewDesc("kickoff_webhook_attempts_total",
			"Webhook delivery attempts on this replica by outcome: delivered, retried (will be retried), failed (final), refused (internal destination or unusable hook).",
			[]string{"outcome"}, nil),
		queued: prometheus.NewDesc("kickoff_webhook_queue_depth",
			"Webhook deliveries waiting to be sent or retried, across replicas.", nil, nil),
		stale: prometheus.NewDesc("kickoff_webhook_oldest_queued_seconds",
			"Age of the oldest webhook delivery still waiting (0 when none).", nil, nil),
	}
}

func (c *webhookCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.attempts
	ch <- c.queued
	ch <- c.stale
}

func (c *webhookCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.hooks.Stats(ctx)
	for outcome, n := range map[string]uint64{"delivered": st.Delivered, "retried": st.Retried, "failed": st.Failed, "refused": st.Refused} {
		ch <- prometheus.MustNewConstMetric(c.attempts, prometheus.CounterValue, float64(n), outcome)
	}
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.queued, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.queued, prometheus.GaugeValue, float64(st.Queued))
	ch <- prometheus.MustNewConstMetric(c.stale, prometheus.GaugeValue, st.OldestQueued.Seconds())
}
