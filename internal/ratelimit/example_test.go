package ratelimit_test

import (
	"fmt"
	"time"

	"github.com/kickoff-ci/kickoff/internal/ratelimit"
)

// Count only failed logins, and check before the expensive password hash.
func ExampleLimiter() {
	failedLogins := ratelimit.New(5, time.Minute, 5, 100_000) // per IP
	login := func(ip, password string) string {
		if blocked, wait := failedLogins.Blocked(ip); blocked {
			return "429, Retry-After: " + ratelimit.RetryAfterSeconds(wait)
		}
		if password != "correct horse" {
			failedLogins.Allow(ip)
			return "401"
		}
		return "200"
	}
	for range 6 {
		fmt.Println(login("192.0.2.1", "guess"))
	}
	fmt.Println(login("192.0.2.2", "correct horse"))
	// Output:
	// 401
	// 401
	// 401
	// 401
	// 401
	// 429, Retry-After: 12
	// 200
}
