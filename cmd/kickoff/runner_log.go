package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Job log streaming: what the command prints goes to Kickoff while it runs
// (PATCH …/log, GitLab runner's trace protocol), a chunk per interval.
const (
	logInterval   = time.Second
	logChunk      = 256 << 10 // bytes per PATCH
	logBacklog    = 8 << 20   // output held while Kickoff is unreachable
	logCloseGrace = 10 * time.Second
)

// logStream buffers a job's output and sends it. Write never blocks the
// command: past logBacklog unsent bytes, output is dropped (and the log says
// how much).
type logStream struct {
	client *runnerClient
	job    *claimedJob
	logger *slog.Logger
	mu     sync.Mutex
	buf    []byte // output Kickoff has not acknowledged yet
	sent   int64  // bytes Kickoff has received
	lost   int64  // bytes dropped while the buffer was full
	gone   bool   // Kickoff takes no more log (pipeline canceled or finished)
	stop   chan struct{}
	done   chan struct{}
}

func newLogStream(c *runnerClient, job *claimedJob, logger *slog.Logger) *logStream {
	s := &logStream{client: c, job: job, logger: logger, stop: make(chan struct{}), done: make(chan struct{})}
	go s.loop()
	return s
}

func (s *logStream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	room := max(logBacklog-len(s.buf), 0)
	if len(p) > room {
		s.lost += int64(len(p) - room)
	}
	s.buf = append(s.buf, p[:min(len(p), room)]...)
	return len(p), nil
}

func (s *logStream) loop() {
	defer close(s.done)
	tick := time.NewTicker(logInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			s.flush(context.Background(), false)
		case <-s.stop:
			return
		}
	}
}

// close sends what is left (up to logCloseGrace) before the final status.
func (s *logStream) close() {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	if s.lost > 0 {
		s.buf = fmt.Appendf(s.buf, "\n[kickoff runner: %d bytes of output were dropped while Kickoff was unreachable]\n", s.lost)
		s.lost = 0
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), logCloseGrace)
	defer cancel()
	s.flush(ctx, true)
}

// flush sends buffered output: one chunk, or when all until the buffer is
// empty or ctx ends. A failed send leaves the bytes for the next try.
func (s *logStream) flush(ctx context.Context, all bool) {
	for ctx.Err() == nil {
		chunk, from, ok := s.next()
		if !ok {
			return
		}
		received, err := s.client.appendLog(ctx, s.job, from, chunk)
		s.acknowledge(received, err)
		switch {
		case err == nil && all:
			continue
		case err == nil, errors.Is(err, errJobGone), !all:
			return
		}
		select { // all, after a failure worth retrying
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// next is the chunk to send and its offset; false when nothing is to be sent.
func (s *logStream) next() ([]byte, int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone || len(s.buf) == 0 {
		return nil, 0, false
	}
	return append([]byte(nil), s.buf[:min(len(s.buf), logChunk)]...), s.sent, true
}

// acknowledge drops what Kickoff says it has received: this chunk, or after
// a lost answer an earlier copy of it (416 tells the same Range).
func (s *logStream) acknowledge(received int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case errors.Is(err, errJobGone):
		s.gone, s.buf = true, nil
	case err != nil:
		s.logger.Warn("sending the job log failed; retrying", "err", err)
	case received > s.sent:
		s.buf = s.buf[min(received-s.sent, int64(len(s.buf))):]
		s.sent = received
	}
}

// appendLog sends chunk as the log's bytes from offset from and returns how
// many bytes Kickoff has received (its Range answer, also on 416).
func (c *runnerClient) appendLog(ctx context.Context, job *claimedJob, from int64, chunk []byte) (int64, error) {
	path := fmt.Sprintf("/api/v1/runner/pipelines/%d/log", job.Pipeline.ID)
	header := map[string]string{"Content-Range": fmt.Sprintf("%d-%d", from, from+int64(len(chunk))-1), "Content-Type": "text/plain"}
	code, rng, answer, err := c.doWith(ctx, http.MethodPatch, path, job.JobToken, string(chunk), header, 30*time.Second)
	switch {
	case err != nil:
		return 0, err
	case code == http.StatusAccepted, code == http.StatusRequestedRangeNotSatisfiable:
		_, end, ok := strings.Cut(rng, "-")
		n, perr := strconv.ParseInt(end, 10, 64)
		if !ok || perr != nil {
			return 0, fmt.Errorf("the log answer has no valid Range header (%q)", rng)
		}
		return n, nil
	case code == http.StatusConflict, code == http.StatusUnauthorized, code == http.StatusForbidden:
		return 0, errJobGone
	}
	return 0, unexpected(code, answer)
}
