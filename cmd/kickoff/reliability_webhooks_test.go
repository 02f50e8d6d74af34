package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/ent/webhookdelivery"
)

// TestReliabilityKill9WebhookOutbox: acceptance 3 of the webhooks issue.
// kill -9 under trigger load while the receiver is down; after a restart
// every committed pipeline has its event in the outbox, and every event is
// delivered once the receiver is back — nothing lost, nothing invented.
func TestReliabilityKill9WebhookOutbox(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, d string) {
		var up atomic.Bool
		var mu sync.Mutex
		received := map[string]int{}
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			if !up.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			mu.Lock()
			received[r.Header.Get("Webhook-Id")]++
			mu.Unlock()
		}))
		defer rcv.Close()
		f, s := newRelFixture(t, d, "--webhook-allowed-networks", "127.0.0.1/32", "--webhook-retry-wait", "1s")
		hook, err := http.NewRequest(http.MethodPost, "http://"+s.addr+"/api/v4/projects/rel%2Fload/hooks",
			strings.NewReader(fmt.Sprintf(`{"url": %q}`, rcv.URL)))
		if err != nil {
			t.Fatal(err)
		}
		hook.Header.Set("PRIVATE-TOKEN", f.pat)
		hook.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(hook)
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("creating the hook: %v %v", resp, err)
		}
		resp.Body.Close()

		load := startTriggerLoad(s.addr, f.trigger, relLoad)
		load.waitForAcks(t, 50, 30*time.Second)
		time.Sleep(500 * time.Millisecond)
		if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("sending SIGKILL: %v", err)
		}
		s.wait(t, 10*time.Second)
		load.finish()

		ctx := context.Background()
		stored := f.storedPipelines(t)
		pipelines := len(stored)
		queued := map[int]int{}
		for _, d := range f.db.Client.WebhookDelivery.Query().AllX(ctx) {
			queued[*d.PipelineID]++
		}
		for key, id := range stored {
			if queued[id] != 1 {
				t.Errorf("pipeline %d (request %s) has %d events in the outbox, want 1", id, key, queued[id])
			}
		}
		if len(queued) != pipelines {
			t.Fatalf("%d committed pipelines, events for %d", pipelines, len(queued))
		}
		up.Store(true)
		restarted := f.start(t)
		defer restarted.stop(t)
		deadline := time.Now().Add(90 * time.Second)
		for f.db.Client.WebhookDelivery.Query().Where(webhookdelivery.StateNEQ(webhookdelivery.StateDelivered)).CountX(ctx) > 0 {
			if time.Now().After(deadline) {
				t.Fatal("undelivered events 90 s after the restart")
			}
			time.Sleep(100 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, id := range f.db.Client.WebhookDelivery.Query().Select(webhookdelivery.FieldUUID).StringsX(ctx) {
			if received[id] != 1 {
				t.Errorf("event %s arrived %d times, want once", id, received[id])
			}
			delete(received, id)
		}
		if len(received) > 0 {
			t.Errorf("%d events arrived that the outbox does not hold", len(received))
		}
		t.Logf("%d pipelines committed before kill -9, each event delivered after the restart", pipelines)
	})
}
