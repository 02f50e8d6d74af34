package main

// The reliability tests' trigger load generator and its outcomes.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// outcome is what one trigger request got.
type outcome struct {
	key    string // the request's REQ variable (and Idempotency-Key, if sent)
	at     time.Time
	status int    // 0 when there was no response
	id     int    // pipeline id of a 2xx answer
	err    string // transport error or invalid body
	// refused is a connection that never reached the server (nothing
	// listened any more); such requests were never accepted.
	refused bool
}

// triggerLoad is clients concurrent trigger callers, each sending requests
// back to back until stopped, its first transport error (with
// stopOnError), or perClient requests.
type triggerLoad struct {
	stop chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	all  []outcome
}

type loadConfig struct {
	clients, perClient int
	pause              time.Duration // between a client's requests
	stopOnError        bool
}

func startTriggerLoad(addr, token string, cfg loadConfig) *triggerLoad {
	l := &triggerLoad{stop: make(chan struct{})}
	transport := &http.Transport{
		MaxIdleConnsPerHost: cfg.clients,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	client := &http.Client{Transport: transport, Timeout: 40 * time.Second}
	endpoint := "http://" + addr + "/api/v4/projects/" + url.PathEscape(relProjectPath) + "/trigger/pipeline"
	for c := range cfg.clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for n := range cfg.perClient {
				select {
				case <-l.stop:
					return
				default:
				}
				// Odd clients send no Idempotency-Key: Go's transport retries
				// only requests marked idempotent, so their failures show as
				// they happened instead of as a retry's "connection refused".
				o := triggerOnce(client, endpoint, token, fmt.Sprintf("c%02d-%04d", c, n), c%2 == 0)
				l.mu.Lock()
				l.all = append(l.all, o)
				l.mu.Unlock()
				if o.status == 0 && cfg.stopOnError {
					return
				}
				if cfg.pause > 0 {
					time.Sleep(cfg.pause)
				}
			}
		}()
	}
	return l
}

// triggerOnce posts one trigger request the way GitLab clients do (a form)
// and checks that any answer is complete JSON.
func triggerOnce(client *http.Client, endpoint, token, key string, idempotent bool) outcome {
	form := url.Values{"token": {token}, "ref": {"main"}, "variables[" + relVariable + "]": {key}}
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if idempotent {
		req.Header.Set("Idempotency-Key", key)
	}
	o := outcome{key: key}
	resp, err := client.Do(req)
	o.at = time.Now()
	if err != nil {
		o.err = err.Error()
		o.refused = errors.Is(err, syscall.ECONNREFUSED)
		return o
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	o.status = resp.StatusCode
	if err != nil {
		o.err = fmt.Sprintf("status %d, body cut short: %v", resp.StatusCode, err)
		return o
	}
	var body struct {
		ID int `json:"id"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		o.err = fmt.Sprintf("status %d, invalid JSON body %q: %v", resp.StatusCode, raw, err)
		return o
	}
	if resp.StatusCode/100 == 2 {
		if body.ID <= 0 {
			o.err = fmt.Sprintf("status %d without a pipeline id: %s", resp.StatusCode, raw)
			return o
		}
		o.id = body.ID
	}
	return o
}

// finish stops the clients, waits for them and returns every outcome.
func (l *triggerLoad) finish() []outcome {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all
}

// waitForAcks waits until the load has n acknowledged pipelines (or a
// client stopped), so a test kills the server under real load.
func (l *triggerLoad) waitForAcks(t *testing.T, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		acked := 0
		for _, o := range l.all {
			if o.id > 0 {
				acked++
			}
		}
		l.mu.Unlock()
		if acked >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the trigger load did not reach %d acknowledged pipelines in %s", n, timeout)
}

// summary counts outcomes by kind for the test log.
func summary(all []outcome) string {
	counts := map[string]int{}
	for _, o := range all {
		switch {
		case o.refused:
			counts["refused"]++
		case o.status == 0:
			counts["transport error"]++
		case o.err != "":
			counts[fmt.Sprintf("%d (bad body)", o.status)]++
		default:
			counts[fmt.Sprint(o.status)]++
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := []string{fmt.Sprintf("%d requests", len(all))}
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %d", k, counts[k]))
	}
	return strings.Join(parts, ", ")
}
