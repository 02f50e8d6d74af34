package gitlab

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
)

// floodRig is a guard on a frozen clock whose window timers run when the
// test says, recording summaries in memory.
type floodRig struct {
	*floodGuard
	now time.Time

	mu        sync.Mutex
	timers    []func()
	summaries []floodSummary
}

func newFloodRig() *floodRig {
	r := &floodRig{now: time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)}
	r.floodGuard = newFloodGuard(func(s floodSummary) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.summaries = append(r.summaries, s)
	}, func() time.Time { return r.now })
	r.after = func(d time.Duration, f func()) {
		if d != floodPeriod {
			panic(fmt.Sprintf("window timer of %v", d))
		}
		r.timers = append(r.timers, f)
	}
	return r
}

// endWindows runs the timers of every window opened so far.
func (r *floodRig) endWindows() {
	timers := r.timers
	r.timers = nil
	for _, f := range timers {
		f()
	}
}

// flood makes ip fail its whole allowance, then refuses n more calls
// before a lookup, failing t unless each is refused.
func (r *floodRig) flood(t *testing.T, ip string, n int) {
	t.Helper()
	for i := range triggerFailuresPerMinute {
		if blocked, _ := r.blocked(ip, "guess"); blocked {
			t.Fatalf("%s blocked after %d failures", ip, i)
		}
		if ok, _ := r.failed(ip, "guess"); !ok {
			t.Fatalf("failure %d of %s refused", i+1, ip)
		}
	}
	for i := range n {
		if blocked, wait := r.blocked(ip, "guess"); !blocked || wait <= 0 {
			t.Fatalf("call %d past the threshold: blocked %v, wait %v", i+1, blocked, wait)
		}
	}
}

func TestFloodGuardOneSummaryPerWindow(t *testing.T) {
	r := newFloodRig()
	r.flood(t, "192.0.2.1", 340)
	r.flood(t, "192.0.2.2", 5)
	if len(r.summaries) != 0 {
		t.Fatalf("summaries before the windows end: %+v", r.summaries)
	}
	start := r.now
	r.now = r.now.Add(floodPeriod)
	r.endWindows()
	r.endWindows() // nothing is recorded twice
	want := []floodSummary{
		{IP: "192.0.2.1", Start: start, End: r.now, Refused: 340},
		{IP: "192.0.2.2", Start: start, End: r.now, Refused: 5},
	}
	if fmt.Sprint(r.summaries) != fmt.Sprint(want) {
		t.Fatalf("summaries %+v, want %+v", r.summaries, want)
	}

	// A minute on, the IP has its allowance back; flooding again opens a
	// new window.
	r.flood(t, "192.0.2.1", 1)
	r.endWindows()
	if n := len(r.summaries); n != 3 || r.summaries[2].Refused != 1 {
		t.Fatalf("second window: %+v", r.summaries)
	}
}

// TestFloodGuardKnownTokens: a token that started a pipeline still gets
// through from a flooding IP, uncounted, until a lookup refuses it.
func TestFloodGuardKnownTokens(t *testing.T) {
	r := newFloodRig()
	r.accepted("kot_valid")
	r.flood(t, "192.0.2.1", 1)
	if blocked, _ := r.blocked("192.0.2.1", "kot_valid"); blocked {
		t.Fatal("a known token is blocked")
	}
	if ok, _ := r.failed("192.0.2.1", "kot_valid"); ok {
		t.Fatal("a failure past the threshold is allowed")
	}
	if blocked, _ := r.blocked("192.0.2.1", "kot_valid"); !blocked {
		t.Fatal("a token refused by its lookup is still known")
	}
	r.endWindows()
	if len(r.summaries) != 1 || r.summaries[0].Refused != 2 {
		t.Fatalf("summaries %+v, want one counting the 2 calls refused unseen", r.summaries)
	}
}

// TestFloodGuardBoundedMemory: past floodMaxKeys IPs the least recent
// window is summarized early rather than forgotten, and its timer does not
// summarize it again.
func TestFloodGuardBoundedMemory(t *testing.T) {
	r := newFloodRig()
	for i := range floodMaxKeys + 1 {
		r.count(fmt.Sprintf("ip-%d", i))
	}
	if n := r.windows.Len(); n != floodMaxKeys {
		t.Fatalf("%d windows open, want %d", n, floodMaxKeys)
	}
	if len(r.summaries) != 1 || r.summaries[0].IP != "ip-0" || r.summaries[0].Refused != 1 {
		t.Fatalf("early summaries %+v", r.summaries)
	}
	r.endWindows()
	if n := len(r.summaries); n != floodMaxKeys+1 {
		t.Fatalf("%d summaries, want one per IP (%d)", n, floodMaxKeys+1)
	}
}

func TestRecordFloodSummary(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		start := time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)
		recordFloodSummary(db.Client, slog.New(slog.DiscardHandler))(floodSummary{
			IP: "2001:db8::/64", Start: start, End: start.Add(floodPeriod), Refused: 340,
		})
		ev, err := db.Client.AuditEvent.Query().Only(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if ev.Action != floodAction || ev.Outcome != auditevent.OutcomeFAILURE || ev.IPAddress != "2001:db8::/64" ||
			ev.ActorShortToken != "" || !strings.HasPrefix(ev.Reason, "340 trigger calls refused without a token lookup between 2026-12-02T18:00:00Z and 2026-12-02T18:01:00Z") {
			t.Fatalf("audit event %+v", ev)
		}
	})
}
