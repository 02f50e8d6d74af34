package graph_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// Acceptance for the cost limit: the largest queries it admits answer at
// most 10,000 values and grow the server's memory by at most 50 MiB. Memory
// is measured in a child process that runs nothing else (the parent test
// binary runs other tests in parallel), sampling VmRSS from /proc.

const (
	rssChildEnv   = "KICKOFF_COST_RSS_CHILD"
	maxValues     = 10_000
	maxRSSGrowth  = 50 << 20
	rssProjects   = 100
	rssPipelinesN = 100 // per project
)

func TestWorstAdmittedQueriesStayBounded(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to read RSS")
	}
	if testing.Short() {
		t.Skip("seeds 10,000 pipelines")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCostRSSChild$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), rssChildEnv+"=1", "KICKOFF_TEST_POSTGRES_URL=")
	out, err := cmd.CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "cost_rss_test.go") {
			t.Log(strings.TrimSpace(line))
		}
	}
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// TestCostRSSChild is the child's body; it does nothing in a normal run.
func TestCostRSSChild(t *testing.T) {
	if os.Getenv(rssChildEnv) == "" {
		t.Skip("run by TestWorstAdmittedQueriesStayBounded")
	}
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		admin, tr, first := seed(t, db.Client)
		seedProjects(t, db.Client, admin, tr, first)
		srv := newGraphServer(t, db.Client, admin)
		pipelineIDs := db.Client.Pipeline.Query().Limit(100).IDsX(context.Background())
		shapes := []struct {
			name  string
			query func(k int) string
		}{
			{"nested connections", func(k int) string {
				return fmt.Sprintf(`{ projects(first: 100) { nodes { id pipelines(first: %d) { nodes { id iid status ref sha createdAt } } } } }`, k)
			}},
			{"aliased pages", func(k int) string {
				return aliased(k, `projects(first: 100) { nodes { id fullPath name createdAt pipelines(first: 1) { nodes { id } } } }`)
			}},
			{"aliased nodes(ids:)", func(k int) string {
				return aliased(k, `nodes(ids: `+jsonIDs(pipelineIDs)+`) { id ... on Pipeline { iid status ref sha } }`)
			}},
			{"introspection and a page", func(k int) string {
				return fmt.Sprintf(`{ __schema { types { name fields { name } } } projects(first: %d) { nodes { id fullPath name } } }`, k)
			}},
		}
		for _, s := range shapes {
			k := largestAdmitted(t, srv.URL, s.query)
			query := s.query(k)
			values, growth := measure(t, srv.URL, query)
			t.Logf("%s: largest admitted k=%d answers %d values, RSS grew %.1f MiB", s.name, k, values, float64(growth)/(1<<20))
			if values > maxValues {
				t.Errorf("%s answered %d values, want at most %d", s.name, values, maxValues)
			}
			if growth > maxRSSGrowth {
				t.Errorf("%s grew RSS by %d MiB, want at most %d", s.name, growth>>20, maxRSSGrowth>>20)
			}
		}
	})
}

// seedProjects adds rssProjects-1 projects next to first, each with
// rssPipelinesN pipelines, so every admitted page is full.
func seedProjects(t *testing.T, c *ent.Client, u *ent.User, tr *ent.PipelineTrigger, first *ent.Project) {
	t.Helper()
	ctx := context.Background()
	projects := []*ent.Project{first}
	for i := 1; i < rssProjects; i++ {
		projects = append(projects, c.Project.Create().SetName("p"+strconv.Itoa(i)).SetFullPath("rss/p"+strconv.Itoa(i)).SaveX(ctx))
	}
	for _, p := range projects {
		builders := make([]*ent.PipelineCreate, rssPipelinesN)
		for i := range builders {
			builders[i] = c.Pipeline.Create().SetProjectID(p.ID).SetIid(i + 1).SetRef("main").
				SetSha(strings.Repeat("a", 40)).SetSource("trigger").SetTriggerID(tr.ID).SetUserID(u.ID)
		}
		c.Pipeline.CreateBulk(builders...).ExecX(ctx)
	}
}

// largestAdmitted finds the largest k in 1..100 whose query the cost limit
// admits (admission is monotonic in k), by bisection.
func largestAdmitted(t *testing.T, url string, query func(int) string) int {
	t.Helper()
	lo, hi := 0, 100
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if _, errs := run(t, url, query(mid)); len(errs) == 0 {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo == 0 {
		t.Fatalf("no k admits %s", truncated(query(1)))
	}
	return lo
}

// measure runs query three times and returns the values its answer holds
// and how far RSS rose above the idle baseline meanwhile.
func measure(t *testing.T, url, query string) (values int, growth int64) {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	base := rss(t)
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if r := rss(t); r > peak.Load() {
					peak.Store(r)
				}
			}
		}
	}()
	for range 3 {
		body, errs := run(t, url, query)
		if len(errs) > 0 {
			t.Fatalf("admitted query failed: %v", errs)
		}
		values = countValues(body)
	}
	close(done)
	return values, max(0, peak.Load()-base)
}

func run(t *testing.T, url, query string) (any, []any) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query})
	res, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Data   any   `json:"data"`
		Errors []any `json:"errors"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Data, body.Errors
}

// countValues counts every object, list and scalar in an answer.
func countValues(v any) int {
	n := 1
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			n += countValues(e)
		}
	case []any:
		for _, e := range v {
			n += countValues(e)
		}
	}
	return n
}

// rss is the process's resident set size in bytes.
func rss(t *testing.T) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Error(err)
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if kb, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")), 10, 64)
			return n << 10
		}
	}
	return 0
}

func jsonIDs(ids []int) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Quote("gid://kickoff/Pipeline/" + strconv.Itoa(id))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func truncated(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
