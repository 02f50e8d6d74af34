// Package ratelimit limits how often one key (an IP address, a username) may
// do something, in memory, with bounded memory. In-memory counts are per
// replica; a limit that must hold across replicas is counted in the database
// instead (a trigger's rateLimitPerMinute, see package pipelines).
//
// Each key gets a token bucket (golang.org/x/time/rate): it starts full with
// burst tokens, every event takes one, and tokens come back at a steady rate.
// Buckets live in a least-recently-used cache of at most maxKeys entries, so
// memory stays bounded whatever callers send; a forgotten key simply starts
// again with a full bucket. A bucket that has refilled is indistinguishable
// from a fresh one, so forgetting costs nothing as long as maxKeys covers the
// keys that are active within one refill period. Attackers who can mint keys
// (usernames, for example) can push other keys out, so pair a limit on such
// keys with a limit on something they cannot mint, such as the client IP.
//
// Keys are stored as SHA-256 digests: every remembered key costs the same few
// hundred bytes however long it is, and secrets used as keys (trigger tokens)
// are not kept in memory. Nothing here logs keys.
//
// Refused events take nothing from the bucket, so a client hammering a limit
// does not push its own retry time further away. To rate-limit only failures
// without slowing down legitimate use (failed logins, bad trigger tokens),
// check Blocked before doing the work and call Allow only when the attempt
// fails:
//
//	if blocked, wait := failedLogins.Blocked(ip); blocked {
//		w.Header().Set("Retry-After", ratelimit.RetryAfterSeconds(wait))
//		http.Error(w, "too many failed logins", http.StatusTooManyRequests)
//		return
//	}
//	if !checkPassword(user, password) {
//		failedLogins.Allow(ip) // count the failure
//		...
//	}
//
// Limiters are safe for concurrent use and start no goroutines.
package ratelimit

import (
	"crypto/sha256"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// An Option configures a Limiter.
type Option func(*config)

type config struct {
	now func() time.Time
}

// WithClock makes the limiter read the time from now instead of time.Now,
// for deterministic tests. now must be safe for concurrent use.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// A Limiter allows each key the same number of events per period.
type Limiter struct {
	limit rate.Limit
	burst int
	keys  *keyStore
}

// New returns a Limiter that lets each key do burst events at once and
// refills its allowance at events per per (New(10, time.Minute, ...) is 10 a
// minute, one every 6 seconds). It remembers at most maxKeys keys, forgetting
// the least recently used ones. New panics if any number is not positive.
func New(events int, per time.Duration, burst, maxKeys int, opts ...Option) *Limiter {
	if events < 1 || per <= 0 || burst < 1 {
		panic(fmt.Sprintf("ratelimit: invalid limit of %d events per %v with burst %d", events, per, burst))
	}
	return &Limiter{
		limit: perDuration(events, per),
		burst: burst,
		keys:  newKeyStore(maxKeys, opts),
	}
}

// Allow takes one event from key's allowance. If none is left it returns
// false and how long until one will be (always positive; for a Retry-After
// header use RetryAfterSeconds). A refused event takes nothing.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.keys.now()
	b := l.keys.getOrAdd(key, l.limit, l.burst)
	return take(b, now, l.limit)
}

// Blocked reports whether key has no events left, and if so how long until it
// will have one, without taking an event. Unknown keys are not blocked and
// are not remembered.
func (l *Limiter) Blocked(key string) (blocked bool, retryAfter time.Duration) {
	b, ok := l.keys.get(key)
	if !ok {
		return false, 0
	}
	now := l.keys.now()
	tokens := b.TokensAt(now)
	if tokens >= 1 {
		return false, 0
	}
	return true, wait(b, now, l.limit, tokens)
}

// RetryAfterSeconds formats d for an HTTP Retry-After header: whole seconds,
// rounded up, at least 1.
func RetryAfterSeconds(d time.Duration) string {
	s := int64(1)
	if d > time.Second {
		s = int64((d + time.Second - 1) / time.Second)
	}
	return strconv.FormatInt(s, 10)
}

func perDuration(events int, per time.Duration) rate.Limit {
	return rate.Limit(float64(events) / per.Seconds())
}

// take takes one token from b at now, or reports how long until there is one.
func take(b *rate.Limiter, now time.Time, limit rate.Limit) (bool, time.Duration) {
	if b.AllowN(now, 1) {
		return true, 0
	}
	return false, wait(b, now, limit, b.TokensAt(now))
}

// wait returns how long after now b, holding tokens at now, will hold a whole
// token. It is at least one nanosecond: callers ask only after a refusal.
func wait(b *rate.Limiter, now time.Time, limit rate.Limit, tokens float64) time.Duration {
	if tokens >= 1 {
		// Another goroutine moved the bucket between the refusal and
		// now; the caller was still refused, so don't say "now".
		return time.Nanosecond
	}
	d := time.Duration(math.Round((1 - tokens) / float64(limit) * float64(time.Second)))
	// The bucket counts in floating point; make sure a retry exactly d
	// later really succeeds, so that e.g. 10 a minute says 6s, not 5.999s
	// followed by a refusal.
	for i := 0; i < 4 && b.TokensAt(now.Add(d)) < 1; i++ {
		d++
	}
	return max(d, time.Nanosecond)
}

type digest [sha256.Size]byte

// keyStore is a bounded LRU map from key digests to token buckets. It has its
// own lock (rather than using the thread-safe lru.Cache) so that looking a key
// up and adding it if missing is one atomic step.
type keyStore struct {
	now func() time.Time

	mu  sync.Mutex
	lru *simplelru.LRU[digest, *rate.Limiter]
}

func newKeyStore(maxKeys int, opts []Option) *keyStore {
	c := config{now: time.Now}
	for _, o := range opts {
		o(&c)
	}
	lru, err := simplelru.NewLRU[digest, *rate.Limiter](maxKeys, nil)
	if err != nil {
		panic(fmt.Sprintf("ratelimit: invalid maxKeys %d: %v", maxKeys, err))
	}
	return &keyStore{now: c.now, lru: lru}
}

func (s *keyStore) get(key string) (*rate.Limiter, bool) {
	d := sha256.Sum256([]byte(key))
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lru.Get(d)
}

// getOrAdd returns key's bucket, adding a full one if key is new.
func (s *keyStore) getOrAdd(key string, limit rate.Limit, burst int) *rate.Limiter {
	d := sha256.Sum256([]byte(key))
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.lru.Get(d)
	if !ok {
		b = rate.NewLimiter(limit, burst)
		s.lru.Add(d, b)
	}
	return b
}

func (s *keyStore) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lru.Len()
}
