package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kickoff-ci/kickoff/internal/database"
)

// binaryReport is what `kickoff serve` on SQLite costs as a process.
type binaryReport struct {
	buildTime  time.Duration // 0 when -binary was given
	starts     []time.Duration
	idle       procMem
	peak       procMem // highest VmRSS sampled under load
	hwm        int64   // VmHWM at the end: the peak over the process's life
	load       loadResult
	rssSamples int
	idleAfter  time.Duration
	memNote    string
}

// procMem is the resident memory of a process, in bytes.
type procMem struct{ rss, anon, file int64 }

// runBinary builds cmd/kickoff (unless o.binary names one), seeds a SQLite
// data dir in-process, then starts `kickoff serve` on it: o.starts times to
// time start-to-ready, once more to read its memory idle and under the
// trigger load.
func runBinary(ctx context.Context, o options, client *http.Client) (*binaryReport, error) {
	dir, err := os.MkdirTemp("", "kickoff-bench-bin-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	rep := &binaryReport{}
	bin := o.binary
	if bin == "" {
		bin = filepath.Join(dir, "kickoff")
		logf("binary: building ./cmd/kickoff")
		start := time.Now()
		if err := buildKickoff(ctx, o.goCmd, bin); err != nil {
			return nil, err
		}
		rep.buildTime = time.Since(start)
	}
	data := filepath.Join(dir, "data")
	db, err := openMigrated(ctx, database.Config{DataDir: data})
	if err != nil {
		return nil, err
	}
	f, err := seed(ctx, db, false)
	_ = db.Close()
	if err != nil {
		return nil, err
	}

	logf("binary: %d starts to /readyz on SQLite", o.starts)
	for range o.starts {
		p, took, err := startKickoff(ctx, bin, data)
		if err != nil {
			return nil, err
		}
		rep.starts = append(rep.starts, took)
		if err := p.stop(); err != nil {
			return nil, err
		}
	}
	slices.Sort(rep.starts)

	p, _, err := startKickoff(ctx, bin, data)
	if err != nil {
		return nil, err
	}
	defer p.stop() //nolint:errcheck // best effort on the error paths
	rep.idleAfter = o.idleWait
	logf("binary: idle for %s, then the trigger load (%d clients, %s warm-up + %s)", o.idleWait, o.clients, o.warmup, o.rssDuration)
	select {
	case <-time.After(o.idleWait):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if rep.idle, err = readMem(p.cmd.Process.Pid); err != nil {
		rep.memNote = err.Error()
	}
	var (
		mu      sync.Mutex
		samples int
		done    = make(chan struct{})
		wg      sync.WaitGroup
	)
	wg.Go(func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			m, err := readMem(p.cmd.Process.Pid)
			if err != nil {
				continue
			}
			mu.Lock()
			samples++
			if m.rss > rep.peak.rss {
				rep.peak = m
			}
			mu.Unlock()
		}
	})
	spec := o.loadSpec("kickoff serve", triggerURL(p.url), triggerBody(f.triggerToken))
	spec.duration = o.rssDuration
	rep.load = runLoad(ctx, client, spec)
	close(done)
	wg.Wait()
	client.CloseIdleConnections()
	rep.rssSamples = samples
	if m, err := readStatus(p.cmd.Process.Pid, "VmHWM"); err == nil {
		rep.hwm = m
	}
	return rep, p.stop()
}

func buildKickoff(ctx context.Context, goCmd, out string) error {
	gomod, err := exec.CommandContext(ctx, goCmd, "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("finding the module root: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	// Release link flags; no -trimpath, so the build cache `go run` just
	// filled is reused and only the link step runs.
	cmd := exec.CommandContext(ctx, goCmd, "build", "-ldflags=-s -w", "-o", out, "./cmd/kickoff")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/kickoff: %w\n%s", err, stderr.String())
	}
	return nil
}

// kickoffProcess is a running `kickoff serve`.
type kickoffProcess struct {
	cmd    *exec.Cmd
	url    string
	stderr *tailBuffer
	exited chan error

	stopOnce sync.Once
	stopErr  error
}

// startKickoff starts `kickoff serve` on the SQLite data dir and returns once
// /readyz answers 200, with the time from exec to that answer.
func startKickoff(ctx context.Context, bin, dataDir string) (*kickoffProcess, time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "serve")
	// Only what this run sets: an inherited KICKOFF_DATABASE_URL would
	// point the binary at another database.
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KICKOFF_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env,
		"KICKOFF_LISTEN="+addr, "KICKOFF_DATA_DIR="+dataDir, "KICKOFF_SECRET_KEY="+benchSecret)
	p := &kickoffProcess{cmd: cmd, url: "http://" + addr, stderr: &tailBuffer{max: 4096}, exited: make(chan error, 1)}
	cmd.Stderr = p.stderr
	poll := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("starting %s: %w", bin, err)
	}
	go func() { p.exited <- cmd.Wait() }()
	deadline := start.Add(15 * time.Second)
	for {
		res, err := poll.Get(p.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p, time.Since(start), nil
			}
		}
		select {
		case err := <-p.exited:
			p.stopOnce.Do(func() {}) // nothing left to stop
			return nil, 0, fmt.Errorf("kickoff serve exited before it was ready (%v): %s", err, p.stderr)
		case <-ctx.Done():
			_ = p.stop()
			return nil, 0, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = p.stop()
			return nil, 0, fmt.Errorf("kickoff serve not ready after 15s: %s", p.stderr)
		}
	}
}

// stop sends SIGTERM and waits for the exit (SIGKILL after 15 s). Calls
// after the first return the first one's result.
func (p *kickoffProcess) stop() error {
	p.stopOnce.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-p.exited:
			if err != nil {
				p.stopErr = fmt.Errorf("kickoff serve did not exit cleanly on SIGTERM (%v): %s", err, p.stderr)
			}
		case <-time.After(15 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
			p.stopErr = errors.New("kickoff serve ignored SIGTERM for 15s; killed it")
		}
	})
	return p.stopErr
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// readMem reads VmRSS and its anonymous and file-backed parts (Linux only).
func readMem(pid int) (procMem, error) {
	var m procMem
	fields := map[string]*int64{"VmRSS": &m.rss, "RssAnon": &m.anon, "RssFile": &m.file}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m, fmt.Errorf("reading memory needs Linux /proc: %w", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		name, rest, ok := strings.Cut(s.Text(), ":")
		if dst, want := fields[name]; ok && want {
			*dst = parseKB(rest)
		}
	}
	return m, s.Err()
}

func readStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if name, rest, ok := strings.Cut(line, ":"); ok && name == field {
			return parseKB(rest), nil
		}
	}
	return 0, fmt.Errorf("%s not in /proc/%d/status", field, pid)
}

// parseKB reads "   12345 kB" as bytes.
func parseKB(s string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "kB")), 10, 64)
	return n << 10
}

// tailBuffer keeps the last max bytes written to it, for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}
