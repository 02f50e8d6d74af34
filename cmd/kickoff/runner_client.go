package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/kickoff-ci/kickoff"
)

// runnerClient speaks Kickoff's runner API (SPEC §6): claiming pipelines
// with the runner token, reporting on them with each claim's job token.
type runnerClient struct {
	base  string // scheme://host[:port], no trailing slash
	token string // kor_…
	http  *http.Client
}

// claimedJob is a claim's answer.
type claimedJob struct {
	Pipeline struct {
		ID     int    `json:"id"`
		IID    int    `json:"iid"`
		Ref    string `json:"ref"`
		WebURL string `json:"web_url"`
	} `json:"pipeline"`
	Variables []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
		File  bool   `json:"file"`
	} `json:"variables"`
	JobToken string `json:"job_token"`
}

// errRunnerTokenRefused means Kickoff no longer knows the runner token: the
// runner was deleted. Nothing but a new token helps.
var errRunnerTokenRefused = errors.New("the runner token was refused (401): was the runner deleted?")

// errJobGone means Kickoff will take no more reports on the pipeline: it was
// canceled, has already finished (an earlier report got through), or its
// job token was replaced (retried). The job must stop.
var errJobGone = errors.New("the pipeline was canceled or has finished")

// request long-polls for a pipeline: nil when none came within wait.
func (c *runnerClient) request(ctx context.Context, wait time.Duration) (*claimedJob, error) {
	body := fmt.Sprintf(`{"wait_seconds": %d}`, int(wait/time.Second))
	status, answer, err := c.do(ctx, http.MethodPost, "/api/v1/runner/jobs/request", c.token, body, wait+30*time.Second)
	switch {
	case err != nil:
		return nil, err
	case status == http.StatusNoContent:
		return nil, nil
	case status == http.StatusUnauthorized:
		return nil, errRunnerTokenRefused
	case status != http.StatusCreated:
		return nil, unexpected(status, answer)
	}
	var job claimedJob
	if err := json.Unmarshal(answer, &job); err != nil || job.Pipeline.ID == 0 || job.JobToken == "" {
		return nil, fmt.Errorf("the claim answer is not a job: %s", kickoff.Excerpt(string(answer), 200))
	}
	return &job, nil
}

// report sends the pipeline's status (and failure reason). errJobGone
// when Kickoff takes no more reports on it; any other error is worth
// retrying.
func (c *runnerClient) report(ctx context.Context, job *claimedJob, status, failureReason string) error {
	update := map[string]string{"status": status}
	if failureReason != "" {
		update["failure_reason"] = failureReason
	}
	body, _ := json.Marshal(update)
	path := fmt.Sprintf("/api/v1/runner/pipelines/%d", job.Pipeline.ID)
	code, answer, err := c.do(ctx, http.MethodPut, path, job.JobToken, string(body), 30*time.Second)
	switch {
	case err != nil:
		return err
	case code == http.StatusOK:
		return nil
	case code == http.StatusConflict, code == http.StatusUnauthorized, code == http.StatusForbidden:
		return errJobGone
	}
	return unexpected(code, answer)
}

// do makes one JSON call with a bearer token and reads at most 1 MiB of answer.
func (c *runnerClient) do(ctx context.Context, method, path, bearer, body string, timeout time.Duration) (int, []byte, error) {
	code, _, answer, err := c.doWith(ctx, method, path, bearer, body, map[string]string{"Content-Type": "application/json"}, timeout)
	return code, answer, err
}

// doWith is do with request headers, answering the Range header too.
func (c *runnerClient) doWith(ctx context.Context, method, path, bearer, body string, header map[string]string, timeout time.Duration) (int, string, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader([]byte(body)))
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", "kickoff-runner/"+versionString())
	res, err := c.http.Do(req)
	if err != nil {
		return 0, "", nil, fmt.Errorf("calling Kickoff: %w", err)
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return 0, "", nil, fmt.Errorf("reading Kickoff's answer: %w", err)
	}
	return res.StatusCode, res.Header.Get("Range"), answer, nil
}

func unexpected(status int, answer []byte) error {
	return fmt.Errorf("unexpected answer %d %s", status, kickoff.Excerpt(string(bytes.TrimSpace(answer)), 200))
}
