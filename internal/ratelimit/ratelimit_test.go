package ratelimit

import (
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a goroutine-safe manual clock for WithClock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// allowN calls Allow n times and fails unless all are allowed.
func allowN(t *testing.T, allow func() (bool, time.Duration), n int) {
	t.Helper()
	for i := range n {
		if ok, d := allow(); !ok {
			t.Fatalf("event %d of %d refused (retryAfter %v)", i+1, n, d)
		}
	}
}

// refused fails unless allow refuses with retryAfter want.
func refused(t *testing.T, allow func() (bool, time.Duration), want time.Duration) {
	t.Helper()
	if ok, d := allow(); ok || d != want {
		t.Fatalf("Allow = %v, %v; want false, %v", ok, d, want)
	}
}

func TestBurstThenRefusal(t *testing.T) {
	tests := []struct {
		events int
		per    time.Duration
		burst  int
		want   time.Duration // retryAfter once the burst is used up
	}{
		{10, time.Minute, 10, 6 * time.Second},
		{10, time.Minute, 3, 6 * time.Second},
		{5, time.Minute, 5, 12 * time.Second},
		{3, time.Minute, 1, 20 * time.Second},
		{7, time.Minute, 7, 60*time.Second/7 + 1}, // 8.571428571428…s, rounded up
		{1, time.Second, 1, time.Second},
		{100, time.Second, 20, 10 * time.Millisecond},
		{3, time.Hour, 2, 20 * time.Minute},
		{20, 24 * time.Hour, 20, 72 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d per %v burst %d", tt.events, tt.per, tt.burst), func(t *testing.T) {
			clock := newFakeClock()
			l := New(tt.events, tt.per, tt.burst, 100, WithClock(clock.Now))
			allow := func() (bool, time.Duration) { return l.Allow("192.0.2.1") }

			allowN(t, allow, tt.burst)
			refused(t, allow, tt.want)
			refused(t, allow, tt.want) // refusals take nothing

			clock.Advance(tt.want / 2)
			refused(t, allow, tt.want-tt.want/2)

			// Retrying exactly when told works, once.
			clock.Advance(tt.want - tt.want/2)
			allowN(t, allow, 1)
			// ... and the next wait is a full interval again, give or
			// take the nanosecond the rounding above added.
			if ok, d := allow(); ok || d < tt.want-time.Nanosecond || d > tt.want {
				t.Fatalf("Allow = %v, %v; want false, %v", ok, d, tt.want)
			}
		})
	}
}

func TestRefill(t *testing.T) {
	clock := newFakeClock()
	l := New(10, time.Minute, 3, 100, WithClock(clock.Now))
	allow := func() (bool, time.Duration) { return l.Allow("alice") }

	allowN(t, allow, 3)
	refused(t, allow, 6*time.Second)

	clock.Advance(15 * time.Second) // 2.5 events back
	allowN(t, allow, 2)
	refused(t, allow, 3*time.Second)

	clock.Advance(time.Hour) // refills to the burst, no further
	allowN(t, allow, 3)
	refused(t, allow, 6*time.Second)
}

func TestIndependentKeys(t *testing.T) {
	clock := newFakeClock()
	l := New(1, time.Minute, 2, 100, WithClock(clock.Now))

	allowN(t, func() (bool, time.Duration) { return l.Allow("a") }, 2)
	refused(t, func() (bool, time.Duration) { return l.Allow("a") }, time.Minute)

	for _, key := range []string{"b", "A", "a ", ""} {
		allowN(t, func() (bool, time.Duration) { return l.Allow(key) }, 2)
		refused(t, func() (bool, time.Duration) { return l.Allow(key) }, time.Minute)
	}
	if blocked, _ := l.Blocked("c"); blocked {
		t.Error("untouched key c is blocked")
	}
}

func TestBlockedDoesNotConsume(t *testing.T) {
	clock := newFakeClock()
	l := New(10, time.Minute, 3, 100, WithClock(clock.Now))
	allow := func() (bool, time.Duration) { return l.Allow("198.51.100.7") }
	blocked := func(want bool, wantRetry time.Duration) {
		t.Helper()
		for range 5 {
			if b, d := l.Blocked("198.51.100.7"); b != want || d != wantRetry {
				t.Fatalf("Blocked = %v, %v; want %v, %v", b, d, want, wantRetry)
			}
		}
	}

	blocked(false, 0)
	if n := l.keys.size(); n != 0 {
		t.Fatalf("Blocked remembered an unknown key: %d keys", n)
	}

	allowN(t, allow, 2)
	blocked(false, 0)
	allowN(t, allow, 1) // still there after five Blocked calls
	blocked(true, 6*time.Second)
	refused(t, allow, 6*time.Second)

	clock.Advance(4 * time.Second)
	blocked(true, 2*time.Second)
	clock.Advance(2 * time.Second)
	blocked(false, 0)
	allowN(t, allow, 1)
	blocked(true, 6*time.Second)
}

// TestCountOnlyFailures is the failed-trigger-token pattern: valid tokens are
// never slowed down, however many; failures from one IP are.
func TestCountOnlyFailures(t *testing.T) {
	clock := newFakeClock()
	failures := New(5, time.Minute, 5, 100, WithClock(clock.Now))
	attempt := func(ip string, valid bool) (status int) {
		if blocked, _ := failures.Blocked(ip); blocked {
			return 429
		}
		if !valid {
			failures.Allow(ip)
			return 401
		}
		return 202
	}

	for range 1000 {
		if got := attempt("203.0.113.1", true); got != 202 {
			t.Fatalf("valid trigger got %d", got)
		}
	}
	for i := range 5 {
		if got := attempt("203.0.113.9", false); got != 401 {
			t.Fatalf("failure %d got %d, want 401", i+1, got)
		}
	}
	if got := attempt("203.0.113.9", false); got != 429 {
		t.Fatalf("6th failure got %d, want 429", got)
	}
	if got := attempt("203.0.113.9", true); got != 429 {
		t.Fatalf("valid token from a blocked IP got %d, want 429", got)
	}
	if got := attempt("203.0.113.1", true); got != 202 {
		t.Fatalf("valid trigger from another IP got %d", got)
	}
}

func TestLRUEvictsLeastRecentlyUsed(t *testing.T) {
	clock := newFakeClock()
	l := New(1, time.Hour, 1, 3, WithClock(clock.Now))
	for _, k := range []string{"a", "b", "c"} {
		allowN(t, func() (bool, time.Duration) { return l.Allow(k) }, 1)
	}
	l.Blocked("a") // touching a makes b the least recently used
	allowN(t, func() (bool, time.Duration) { return l.Allow("d") }, 1)

	if n := l.keys.size(); n != 3 {
		t.Fatalf("%d keys remembered, want 3", n)
	}
	for _, tt := range []struct {
		key     string
		blocked bool
	}{{"a", true}, {"b", false}, {"c", true}, {"d", true}} {
		if b, _ := l.Blocked(tt.key); b != tt.blocked {
			t.Errorf("Blocked(%q) = %v, want %v", tt.key, b, tt.blocked)
		}
	}
}

func TestMemoryBounded(t *testing.T) {
	const maxKeys, distinct = 1000, 100_000
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	empty := heap()
	clock := newFakeClock()
	l := New(5, time.Minute, 5, maxKeys, WithClock(clock.Now))

	// Warm up to maxKeys so that only churn is measured below.
	longKey := string(make([]byte, 512)) // long keys cost no more
	for i := range maxKeys {
		l.Allow(strconv.Itoa(i))
	}
	before := heap()
	t.Logf("about %d bytes per remembered key", (int64(before)-int64(empty))/maxKeys)
	for i := range distinct {
		key := strconv.Itoa(i) + longKey
		l.Allow(key)
		l.Blocked(key)
	}
	after := heap()

	if n := l.keys.size(); n != maxKeys {
		t.Errorf("Limiter remembers %d keys, want %d", n, maxKeys)
	}
	// 1e5 remembered keys of 512 bytes would be over 50 MiB; a bounded cache
	// stays where it was after warm-up.
	growth := int64(after) - int64(before)
	t.Logf("heap growth after %d distinct keys: %d bytes", distinct, growth)
	if growth > 1<<20 {
		t.Errorf("heap grew by %d bytes over %d distinct keys; want bounded", growth, distinct)
	}
}

func TestConcurrentSameKey(t *testing.T) {
	const burst, goroutines, each = 100, 32, 50
	clock := newFakeClock() // frozen: exactly burst events may pass
	l := New(1, time.Hour, burst, 10, WithClock(clock.Now))

	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				if ok, _ := l.Allow("shared"); ok {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != burst {
		t.Errorf("Limiter allowed %d events, want %d", n, burst)
	}
}

func TestConcurrentMixed(t *testing.T) {
	clock := newFakeClock()
	l := New(10, time.Second, 5, 50, WithClock(clock.Now))

	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 2000 {
				key := strconv.Itoa((g*7 + i) % 100) // > maxKeys: evictions too
				switch i % 3 {
				case 0:
					l.Blocked(key)
				case 1:
					clock.Advance(time.Millisecond)
				default:
					if ok, d := l.Allow(key); !ok && d <= 0 {
						t.Errorf("refused with retryAfter %v", d)
					}
				}
			}
		})
	}
	wg.Wait()
	if n := l.keys.size(); n > 50 {
		t.Errorf("%d keys remembered, want <= 50", n)
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "1"},
		{0, "1"},
		{time.Nanosecond, "1"},
		{time.Second, "1"},
		{time.Second + time.Nanosecond, "2"},
		{6 * time.Second, "6"},
		{59500 * time.Millisecond, "60"},
		{time.Hour, "3600"},
	}
	for _, tt := range tests {
		if got := RetryAfterSeconds(tt.d); got != tt.want {
			t.Errorf("RetryAfterSeconds(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestInvalidConfigPanics(t *testing.T) {
	tests := []struct {
		name string
		f    func()
	}{
		{"zero events", func() { New(0, time.Minute, 1, 1) }},
		{"zero period", func() { New(1, 0, 1, 1) }},
		{"zero burst", func() { New(1, time.Minute, 0, 1) }},
		{"zero maxKeys", func() { New(1, time.Minute, 1, 0) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.f()
		})
	}
}

func TestRealClock(t *testing.T) {
	l := New(1, time.Hour, 1, 10)
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("first event refused")
	}
	ok, d := l.Allow("k")
	if ok || d <= 59*time.Minute || d > time.Hour {
		t.Fatalf("Allow = %v, %v; want false, about an hour", ok, d)
	}
}

func BenchmarkAllow(b *testing.B) {
	for _, bc := range []struct{ keys, maxKeys int }{
		{1, 10_000},
		{10_000, 100_000},   // every key stays remembered
		{100_000, 100_000},  // every key stays remembered
		{1_000_000, 10_000}, // constant eviction
	} {
		keys := make([]string, bc.keys)
		for i := range keys {
			keys[i] = fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		}
		name := fmt.Sprintf("keys=%d/maxKeys=%d", bc.keys, bc.maxKeys)
		b.Run(name, func(b *testing.B) {
			l := New(10, time.Minute, 10, bc.maxKeys)
			i := 0
			for b.Loop() {
				l.Allow(keys[i%len(keys)])
				i++
			}
		})
		b.Run(name+"/parallel", func(b *testing.B) {
			l := New(10, time.Minute, 10, bc.maxKeys)
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(7919))
				for pb.Next() {
					l.Allow(keys[i%len(keys)])
					i++
				}
			})
		})
	}
}
