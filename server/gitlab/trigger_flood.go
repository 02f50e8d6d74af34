package gitlab

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/kickoff-ci/kickoff/domain/audit"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/ratelimit"
)

// triggerFailuresPerMinute is how many unknown trigger tokens one client IP
// (IPv6: one /64) may present per minute; past it the IP's trigger calls get
// 429 without the database being asked (SPEC §10, §11).
const triggerFailuresPerMinute = 60

// floodMaxKeys bounds the IPs the guard remembers (a few hundred bytes each).
const floodMaxKeys = 100_000

// floodPeriod is how long one summarized window lasts.
const floodPeriod = time.Minute

// floodKnownTokens bounds the recently accepted tokens the guard remembers.
const floodKnownTokens = 10_000

// floodAction names the audit event that summarizes one IP's refused calls.
const floodAction = "trigger.flood_refused"

// floodGuard keeps an IP that floods the trigger endpoints with unknown
// tokens away from the database. Every unknown token costs a lookup and a
// trigger.rejected audit row, so past triggerFailuresPerMinute of them the
// IP's calls are refused before the lookup, counted in memory only, and one
// audit event per IP and window says how many there were.
//
// A window opens at an IP's first call refused this way and lasts
// floodPeriod; its summary is written when it ends, by a timer, because
// only then is the count known and the flooding IP may never call again to
// trigger the write itself. Open windows are bounded by floodMaxKeys: when
// full, the least recently refused IP's window is written early instead of
// being forgotten, so every refused call is in some summary. A process that
// stops loses the counts of its open windows, at most one window's worth.
//
// Telling a valid token from a guess needs the database, so the guard
// remembers the tokens that started a pipeline on this replica lately (their
// SHA-256 digests, at most floodKnownTokens): those still go through from a
// flooding IP — a CI system behind a shared NAT keeps working — and are
// checked in full as usual. Knowing one takes knowing the token, so guesses
// cannot use that way in. Any other token from the IP is refused; other IPs
// are not affected.
type floodGuard struct {
	failures *ratelimit.Limiter
	now      func() time.Time
	// after runs f once d has passed (time.AfterFunc; tests run it by hand).
	after  func(d time.Duration, f func())
	record func(floodSummary)

	mu      sync.Mutex
	windows *simplelru.LRU[string, *floodWindow]
	known   *simplelru.LRU[[sha256.Size]byte, struct{}]
}

// floodWindow counts one IP's refused calls from start on.
type floodWindow struct {
	ip      string
	start   time.Time
	refused int
	closed  bool // its summary is written; nothing more is counted in it
}

// floodSummary is what one window's audit event says.
type floodSummary struct {
	IP         string
	Start, End time.Time
	Refused    int
}

// newFloodGuard returns a guard that reads the time from now and hands each
// window's summary to record.
func newFloodGuard(record func(floodSummary), now func() time.Time) *floodGuard {
	windows, err := simplelru.NewLRU[string, *floodWindow](floodMaxKeys, nil)
	if err != nil {
		panic(fmt.Sprintf("flood guard: %v", err)) // the sizes are positive
	}
	known, err := simplelru.NewLRU[[sha256.Size]byte, struct{}](floodKnownTokens, nil)
	if err != nil {
		panic(fmt.Sprintf("flood guard: %v", err))
	}
	return &floodGuard{
		failures: ratelimit.New(triggerFailuresPerMinute, time.Minute, triggerFailuresPerMinute, floodMaxKeys, ratelimit.WithClock(now)),
		now:      now,
		after:    func(d time.Duration, f func()) { time.AfterFunc(d, f) },
		record:   record,
		windows:  windows,
		known:    known,
	}
}

// blocked reports whether a call from ip presenting token is to be refused
// unseen: ip is past its threshold and token did not start a pipeline here
// lately. If so it counts the call in ip's window and says how long until
// the IP may try again.
func (g *floodGuard) blocked(ip, token string) (bool, time.Duration) {
	blocked, wait := g.failures.Blocked(ip)
	if !blocked || g.isKnown(token) {
		return false, 0
	}
	g.count(ip)
	return true, wait
}

// failed counts an unknown token ip presented (after its lookup) and forgets
// it, should it have been accepted before (since revoked, say). ok is false
// when that took ip past its threshold: answer this call with 429 too.
func (g *floodGuard) failed(ip, token string) (ok bool, wait time.Duration) {
	d := sha256.Sum256([]byte(token))
	g.mu.Lock()
	g.known.Remove(d)
	g.mu.Unlock()
	return g.failures.Allow(ip)
}

// accepted remembers a token that started a pipeline.
func (g *floodGuard) accepted(token string) {
	d := sha256.Sum256([]byte(token))
	g.mu.Lock()
	defer g.mu.Unlock()
	g.known.Add(d, struct{}{})
}

func (g *floodGuard) isKnown(token string) bool {
	d := sha256.Sum256([]byte(token))
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.known.Contains(d)
}

func (g *floodGuard) count(ip string) {
	g.mu.Lock()
	w, ok := g.windows.Get(ip)
	var evicted *floodWindow
	if !ok {
		if g.windows.Len() >= floodMaxKeys {
			_, evicted, _ = g.windows.RemoveOldest()
		}
		w = &floodWindow{ip: ip, start: g.now()}
		g.windows.Add(ip, w)
		g.after(floodPeriod, func() { g.close(w) })
	}
	w.refused++
	g.mu.Unlock()
	if evicted != nil {
		g.close(evicted)
	}
}

// close ends w and records its summary, once: the timer and an early
// eviction may both get to it.
func (g *floodGuard) close(w *floodWindow) {
	g.mu.Lock()
	if w.closed {
		g.mu.Unlock()
		return
	}
	w.closed = true
	if cur, ok := g.windows.Peek(w.ip); ok && cur == w {
		g.windows.Remove(w.ip)
	}
	s := floodSummary{IP: w.ip, Start: w.start, End: g.now(), Refused: w.refused}
	g.mu.Unlock()
	g.record(s)
}

// recordFloodSummary returns the guard's recorder: one audit event per
// window, attributed to the IP, naming no token (none was looked at).
func recordFloodSummary(client *ent.Client, logger *slog.Logger) func(floodSummary) {
	return func(s floodSummary) {
		ctx := audit.WithRequest(context.Background(), audit.RequestInfo{IP: s.IP})
		err := audit.Record(ctx, client, audit.Event{
			Action: floodAction, Outcome: audit.Failure, ActorTokenKind: "trigger_token",
			Reason: fmt.Sprintf("%d trigger calls refused without a token lookup between %s and %s: more than %d unknown tokens a minute from this address",
				s.Refused, s.Start.UTC().Format(time.RFC3339), s.End.UTC().Format(time.RFC3339), triggerFailuresPerMinute),
		})
		if err != nil {
			logger.Error("recording a trigger flood summary", "ip", s.IP, "refused", s.Refused, "error", err)
		}
	}
}
