package identity

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/signinfailure"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/sessionjwt"
)

// Sign-in limits. They are counted from the sign_in_failures table, so they
// hold for all replicas together, and checked before the password is, so a
// locked-out client learns nothing by guessing.
//
// Per client IP (IPv6: per /64): 10 failures a minute — enough for an
// office behind one NAT.
//
// Per account, OWASP's device cookies ("Slow Down Online Guessing Attacks
// with Device Cookies"): a browser that signed in to the account before
// holds a signed device cookie naming it, and has its own allowance of 10
// failures in 5 minutes. Every other client shares the account's allowance
// for unknown clients, 5 failures in 5 minutes (about 1,400 guesses a day
// however many addresses an attacker has). An attacker can exhaust only
// the latter, so the owner signs in from a known browser at once. Unknown
// usernames are counted like real ones (by keyed hash), so the limits do not
// tell which accounts exist.
var (
	ipLimit            = signInLimit{failures: 10, window: time.Minute}
	unknownClientLimit = signInLimit{failures: 5, window: 5 * time.Minute}
	knownDeviceLimit   = signInLimit{failures: 10, window: 5 * time.Minute}
)

// failureRetention is how long failures are kept: the longest window.
const failureRetention = 5 * time.Minute

// errThrottled is the answer while a limit is used up.
var errThrottled = kickoff.Errorf(kickoff.ERateLimited, "Too many failed sign-in attempts. Try again later.")

type signInLimit struct {
	failures int
	window   time.Duration
}

// SignIn is one sign-in attempt.
type SignIn struct {
	Username string
	Password string
	// IPKey is the client's address as the limits count it (IPv6: its /64).
	IPKey string
	// DeviceCookie is the device cookie the browser sent, if any.
	DeviceCookie string
}

// SignedIn is a successful sign-in: the user, its new session and a new
// device cookie for the browser to keep.
type SignedIn struct {
	User    *ent.User
	Session sessionjwt.Issued
	Device  sessionjwt.Issued
}

// attempt is what the limits know of a sign-in before the password is checked.
type attempt struct {
	ipKey   string
	account string // keyed hash of the normalized username
	device  string // id of a valid device cookie for this account, or ""
}

// newAttempt names the attempt's client and account. A device cookie counts
// only for the account it was issued for.
func (s *Service) newAttempt(in SignIn, u *ent.User) attempt {
	name := strings.ToLower(strings.TrimSpace(in.Username))
	a := attempt{ipKey: in.IPKey, account: hex.EncodeToString(s.keys.MAC("sign-in account", []byte(name))[:16])}
	if u != nil && in.DeviceCookie != "" {
		if c, err := s.devices.Parse(in.DeviceCookie); err == nil && c.UserID == u.ID {
			a.device = c.SessionID
		}
	}
	return a
}

// throttled returns a RateLimitedError when the attempt's client or account
// is out of failures.
func (s *Service) throttled(ctx context.Context, a attempt) error {
	c := database.ClientFrom(ctx, s.client)
	now := s.now()
	accountLimit := unknownClientLimit
	if a.device != "" {
		accountLimit = knownDeviceLimit
	}
	ipWait, err := freeIn(ctx, c.SignInFailure.Query().Where(signinfailure.IPKey(a.ipKey)), ipLimit, now)
	if err != nil {
		return err
	}
	accountWait, err := freeIn(ctx, c.SignInFailure.Query().Where(signinfailure.Account(a.account), signinfailure.Device(a.device)), accountLimit, now)
	if err != nil {
		return err
	}
	if wait := max(ipWait, accountWait); wait > 0 {
		return &kickoff.RateLimitedError{RetryAfter: wait, Err: errThrottled}
	}
	return nil
}

// freeIn returns 0 when q holds fewer than the limit's failures in its
// window before now, else how long until it does: the limit-th newest
// failure leaving the window frees one.
func freeIn(ctx context.Context, q *ent.SignInFailureQuery, l signInLimit, now time.Time) (time.Duration, error) {
	nth, err := q.Where(signinfailure.CreatedAtGT(now.Add(-l.window))).
		Order(ent.Desc(signinfailure.FieldCreatedAt)).
		Offset(l.failures - 1).Limit(1).
		Select(signinfailure.FieldCreatedAt).All(ctx)
	if err != nil {
		return 0, fmt.Errorf("counting failed sign-ins: %w", err)
	}
	if len(nth) == 0 {
		return 0, nil
	}
	return max(nth[0].CreatedAt.Add(l.window).Sub(now), time.Second), nil
}

// recordFailure counts a failed attempt and forgets failures no window
// needs any more, which keeps the table as small as an attack's last minutes.
func (s *Service) recordFailure(ctx context.Context, a attempt) error {
	c := database.ClientFrom(ctx, s.client)
	now := s.now()
	if _, err := c.SignInFailure.Delete().Where(signinfailure.CreatedAtLT(now.Add(-failureRetention))).Exec(ctx); err != nil {
		return fmt.Errorf("deleting old sign-in failures: %w", err)
	}
	err := c.SignInFailure.Create().
		SetIPKey(a.ipKey).SetAccount(a.account).SetDevice(a.device).SetCreatedAt(now).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("recording sign-in failure: %w", err)
	}
	return nil
}
