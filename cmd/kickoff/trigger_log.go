package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// logTail follows a pipeline's job log over REST (GET …/pipelines/:id/log
// with Range: bytes=<offset>-), for kickoff trigger --follow-log. Reading
// logs needs a Maintainer's personal access token: a trigger token starts
// pipelines, it does not read them.
type logTail struct {
	url    string // the log's REST URL
	pat    string
	out    io.Writer
	offset int64
	client *http.Client
}

const (
	tailInterval = time.Second
	// tailDrain bounds how long the tail reads on once the pipeline is
	// finished, for the last bytes its runner sent.
	tailDrain = 10 * time.Second
)

func newLogTail(base string, p *triggeredPipeline, pat string, out io.Writer) *logTail {
	return &logTail{
		url: fmt.Sprintf("%s/api/v4/projects/%d/pipelines/%d/log", base, p.ProjectID, p.ID),
		pat: pat, out: out, client: &http.Client{Timeout: 30 * time.Second},
	}
}

// follow copies the log to out as it grows until it is complete, or until
// finished has closed and tailDrain has passed, or ctx ends.
func (t *logTail) follow(ctx context.Context, finished <-chan struct{}, warn io.Writer) {
	var drain <-chan time.Time
	for {
		complete, err := t.poll(ctx)
		if err != nil {
			fmt.Fprintf(warn, "reading the job log: %v\n", err)
		}
		if complete {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-drain:
			return
		case <-finished:
			finished, drain = nil, time.After(tailDrain)
		case <-time.After(tailInterval):
		}
	}
}

// poll copies what the log gained since the last call and reports whether
// the log is complete (its pipeline has finished and all of it was read).
func (t *logTail) poll(ctx context.Context) (complete bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.url, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("PRIVATE-TOKEN", t.pat)
	req.Header.Set("User-Agent", "kickoff-trigger/"+versionString())
	if t.offset > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", t.offset))
	}
	res, err := t.client.Do(req)
	if err != nil {
		return false, err
	}
	defer res.Body.Close()
	done, _ := strconv.ParseBool(res.Header.Get("X-Kickoff-Log-Complete"))
	switch res.StatusCode {
	case http.StatusOK, http.StatusPartialContent:
		n, err := io.Copy(t.out, res.Body)
		t.offset += n
		return done && err == nil && n == 0, err
	case http.StatusRequestedRangeNotSatisfiable: // nothing new yet
		return done, nil
	}
	body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	return false, fmt.Errorf("answered %d %s", res.StatusCode, lastLine(string(body)))
}
