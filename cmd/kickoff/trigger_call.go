package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kickoff-ci/kickoff"
)

// triggerCall is kickoff trigger's HTTP call, repeated with one
// Idempotency-Key until it is answered (and, with --wait, until the
// pipeline has finished): Kickoff starts one pipeline however many times
// the call is made.
type triggerCall struct {
	base           string // Kickoff's URL, without a trailing slash
	target         string
	form           url.Values
	idempotencyKey string
	log            io.Writer
	client         *http.Client // nil: a client whose timeout suits each call
}

// triggeredPipeline is the part of GitLab's pipeline JSON the command uses.
type triggeredPipeline struct {
	ID        int    `json:"id"`
	IID       int    `json:"iid"`
	ProjectID int    `json:"project_id"`
	Status    string `json:"status"`
	WebURL    string `json:"web_url"`
}

// finished reports whether status is final.
func finished(status string) bool {
	switch status {
	case "success", "failed", "canceled", "skipped":
		return true
	}
	return false
}

// refusedError is Kickoff's refusal of the trigger: retrying cannot help.
type refusedError struct {
	status int
	body   string
}

func (e *refusedError) Error() string {
	return fmt.Sprintf("Kickoff refused the trigger: %d %s", e.status, e.body)
}

// run makes the call until it is answered; with wait, until the pipeline
// has finished, each call held at most poll. created is called once, with
// the first answer. Transient failures (unreachable, 5xx, 429) are retried
// with capped exponential backoff until ctx ends.
func (c *triggerCall) run(ctx context.Context, wait bool, poll time.Duration, created func(*triggeredPipeline)) (*triggeredPipeline, error) {
	retry := backoff{min: time.Second, max: 30 * time.Second}
	var announced bool
	for {
		hold := time.Duration(0)
		if wait {
			hold = poll
			if deadline, ok := ctx.Deadline(); ok {
				hold = min(hold, time.Until(deadline))
			}
		}
		if wait && hold < time.Second && announced {
			<-ctx.Done() // no whole second left to wait for
			return nil, ctx.Err()
		}
		p, final, waited, err := c.post(ctx, wait, hold)
		var refused *refusedError
		switch {
		case errors.As(err, &refused):
			return nil, err
		case err != nil:
			delay := retry.next(err)
			fmt.Fprintf(c.log, "kickoff trigger: %v; retrying in %s\n", err, delay.Round(time.Millisecond))
			if err := sleep(ctx, delay); err != nil {
				return nil, fmt.Errorf("%w (last error: %v)", err, lastLine(err))
			}
			continue
		}
		retry.reset()
		if !announced {
			created(p)
			announced = true
		}
		if !wait || final {
			return p, nil
		}
		if !waited {
			// A server that does not hold calls (one older than wait):
			// ask again a little later rather than in a busy loop.
			if err := sleep(ctx, 5*time.Second); err != nil {
				return nil, err
			}
		}
	}
}

// post makes one call; hold is the wait parameter when wait is set. final
// says the pipeline has finished, waited that the server honoured wait.
func (c *triggerCall) post(ctx context.Context, wait bool, hold time.Duration) (p *triggeredPipeline, final, waited bool, err error) {
	form := url.Values{}
	for k, v := range c.form {
		form[k] = v
	}
	if wait {
		form.Set("wait", strconv.Itoa(int(max(hold, 0)/time.Second)))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.target, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, false, false, &refusedError{body: err.Error()}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Idempotency-Key", c.idempotencyKey)
	req.Header.Set("User-Agent", "kickoff-trigger/"+versionString())
	client := c.client
	if client == nil {
		client = &http.Client{Timeout: hold + 30*time.Second}
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, false, false, fmt.Errorf("calling Kickoff: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, false, false, fmt.Errorf("reading Kickoff's answer: %w", err)
	}
	switch {
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		return nil, false, false, &transientError{status: res.StatusCode, body: lastLine(string(body)), retryAfter: retryAfter(res)}
	case res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated:
		return nil, false, false, &refusedError{status: res.StatusCode, body: strings.TrimSpace(string(body))}
	}
	p = new(triggeredPipeline)
	if err := json.Unmarshal(body, p); err != nil || p.ID == 0 {
		return nil, false, false, &refusedError{status: res.StatusCode, body: "not a pipeline: " + lastLine(string(body))}
	}
	header := res.Header.Get("X-Kickoff-Pipeline-Final")
	return p, header == "true" || finished(p.Status), header != "", nil
}

// transientError is an answer worth retrying: the server is busy, failing
// or limiting this token for a while.
type transientError struct {
	status     int
	body       string
	retryAfter time.Duration
}

func (e *transientError) Error() string {
	return fmt.Sprintf("Kickoff answered %d %s", e.status, e.body)
}

func retryAfter(res *http.Response) time.Duration {
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// backoff is capped exponential backoff; a server's Retry-After wins.
type backoff struct {
	min, max, current time.Duration
}

func (b *backoff) next(err error) time.Duration {
	var t *transientError
	if errors.As(err, &t) && t.retryAfter > 0 {
		return min(t.retryAfter, b.max)
	}
	b.current = min(max(b.current*2, b.min), b.max)
	return b.current
}

func (b *backoff) reset() { b.current = 0 }

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// lastLine is a one-line excerpt of a message for the log.
func lastLine(v any) string {
	s := strings.TrimSpace(fmt.Sprint(v))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return kickoff.Excerpt(s, 200)
}
