package main

// End-to-end tests: they build the kickoff binary once and run it as a real
// process against a fresh database of every dialect under test.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/migrations"
)

// testSecretKey is passed to every command on PostgreSQL, which requires one.
const testSecretKey = "kickoff-e2e-test-secret-key-0123456789"

var (
	binDir      string
	buildOnce   sync.Once
	kickoffPath string
	buildErr    error
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	var err error
	if binDir, err = os.MkdirTemp("", "kickoff-e2e-"); err != nil {
		fmt.Fprintln(os.Stderr, "creating the binary directory:", err)
		return 1
	}
	defer os.RemoveAll(binDir)
	return m.Run()
}

// kickoffBinary builds the kickoff binary the first time a test needs it.
func kickoffBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		out := filepath.Join(binDir, "kickoff")
		build := exec.Command("go", "build", "-o", out, ".")
		if msg, err := build.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, msg)
			return
		}
		kickoffPath = out
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return kickoffPath
}

// instance is one Kickoff installation under test: a fresh database of a
// dialect and its data directory.
type instance struct {
	dialect string
	dataDir string
	dbURL   string
}

// newInstance returns a Kickoff installation on a fresh, unmigrated database.
func newInstance(t *testing.T, dialectName string) *instance {
	t.Helper()
	_, cfg := dbtest.OpenUnmigrated(t, dialectName)
	return &instance{dialect: dialectName, dataDir: cfg.DataDir, dbURL: cfg.URL}
}

// dbArgs are the shared database flags of the instance.
func (in *instance) dbArgs() []string {
	args := []string{"--data-dir", in.dataDir}
	if in.dbURL != "" {
		args = append(args, "--database-url", in.dbURL)
	}
	if in.dialect == dialect.Postgres {
		args = append(args, "--secret-key", testSecretKey)
	}
	return args
}

// command builds `kickoff <args...>` for the instance with a clean
// environment: no KICKOFF_* variable of the caller leaks in.
func (in *instance) command(ctx context.Context, t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, kickoffBinary(t), args...)
	cmd.Dir = in.dataDir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KICKOFF_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	return cmd
}

// result is what a finished command printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// run runs kickoff to completion with stdin and returns its output.
func (in *instance) run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := in.command(ctx, t, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("running kickoff %s: %v", strings.Join(args, " "), err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
}

// runOK runs kickoff and fails the test unless it exits 0.
func (in *instance) runOK(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	r := in.run(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("kickoff %s: %s", strings.Join(args, " "), r)
	}
	return r
}

// with appends the instance's database flags to a command line.
func (in *instance) with(args ...string) []string {
	return append(args, in.dbArgs()...)
}

// firstMigration names the oldest embedded migration of a dialect as
// "<version>_<name>", the way kickoff reports it.
func firstMigration(t *testing.T, dialectName string) string {
	t.Helper()
	dir := "postgres"
	if dialectName == dialect.SQLite {
		dir = "sqlite"
	}
	ups, err := fs.Glob(migrations.FS, dir+"/*.up.sql")
	if err != nil || len(ups) == 0 {
		t.Fatalf("listing embedded %s migrations: %v (%d found)", dir, err, len(ups))
	}
	return strings.TrimSuffix(path.Base(ups[0]), ".up.sql")
}

// eachDialect runs fn as a parallel subtest per dialect under test.
func eachDialect(t *testing.T, fn func(t *testing.T, dialectName string)) {
	t.Helper()
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, d)
		})
	}
}

// logBuffer collects a process's output for concurrent reading.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveProc is a running `kickoff serve`.
type serveProc struct {
	cmd    *exec.Cmd
	logs   *logBuffer // stderr
	stdout *logBuffer
	done   chan struct{} // closed once the process has exited
	addr   string        // host:port it listens on, once ready
}

var readyLine = regexp.MustCompile(`msg="kickoff is ready".* listen=(\S+)`)

// startServe starts `kickoff serve` on a free port of 127.0.0.1 without
// waiting for it; the process is killed when the test ends.
func (in *instance) startServe(t *testing.T, extra ...string) *serveProc {
	t.Helper()
	args := in.with(append([]string{"serve", "--listen", "127.0.0.1:0"}, extra...)...)
	cmd := in.command(context.Background(), t, args...)
	s := &serveProc{cmd: cmd, logs: &logBuffer{}, stdout: &logBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.stdout, s.logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting kickoff serve: %v", err)
	}
	go func() { _ = cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.done
	})
	return s
}

// waitReady waits for the "kickoff is ready" log line and records the address.
func (s *serveProc) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		if m := readyLine.FindStringSubmatch(s.logs.String()); m != nil {
			s.addr = m[1]
			return
		}
		select {
		case <-s.done:
			t.Fatalf("kickoff serve exited before it was ready (exit %d):\n%s", s.cmd.ProcessState.ExitCode(), s.logs)
		case <-deadline:
			t.Fatalf("kickoff serve not ready after a minute:\n%s", s.logs)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// wait waits up to timeout for the process to exit and returns its exit code.
func (s *serveProc) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-s.done:
		return s.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		t.Fatalf("kickoff serve still running after %s:\n%s", timeout, s.logs)
		return -1
	}
}

// stop sends SIGTERM and checks the server exits 0 within a couple of seconds.
func (s *serveProc) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("sending SIGTERM: %v", err)
	}
	if code := s.wait(t, 5*time.Second); code != 0 {
		t.Fatalf("kickoff serve exited %d after SIGTERM, want 0:\n%s", code, s.logs)
	}
	if !strings.Contains(s.logs.String(), "msg=stopped") {
		t.Errorf("no \"stopped\" log line after SIGTERM:\n%s", s.logs)
	}
}

// get fetches a path of the server and returns the status code.
func (s *serveProc) get(t *testing.T, path string) int {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + s.addr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	return resp.StatusCode
}
