package webhooks

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/projects"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/keyring"
)

func newService(t *testing.T, c *ent.Client) *Service {
	t.Helper()
	kr, err := keyring.New("webhooks-test-secret-webhooks-test-secret")
	if err != nil {
		t.Fatal(err)
	}
	return New(c, kr, projects.New(c), Config{WebURL: func(*ent.Project, *ent.Pipeline) string { return "http://k/p" }})
}

// fixture is a project with an admin and one hook.
func fixture(t *testing.T, c *ent.Client, s *Service) (context.Context, *ent.Project, Created) {
	t.Helper()
	ctx := context.Background()
	admin := c.User.Create().SetUsername("root").SetEmail("root@example.com").SetPasswordHash("x").SetAdmin(true).SaveX(ctx)
	p := c.Project.Create().SetName("app").SetFullPath("grp/app").SaveX(ctx)
	vctx := authz.WithViewer(ctx, &authz.Viewer{User: admin})
	created, err := s.Create(vctx, "grp/app", Input{URL: ptr("https://hooks.example.com/x")})
	if err != nil {
		t.Fatal(err)
	}
	return vctx, p, created
}

func ptr[T any](v T) *T { return &v }

// TestOutboxCommitsWithTheChange: acceptance 3's second half. The outbox
// row is written in the change's transaction: none for a rolled-back
// change, one for a committed one.
func TestOutboxCommitsWithTheChange(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		c := db.Client
		s := newService(t, c)
		ctx, p, _ := fixture(t, c, s)
		pl := c.Pipeline.Create().SetProjectID(p.ID).SetIid(1).SetRef("main").SetSource("api").SaveX(ctx)
		boom := errors.New("the change failed after the outbox write")
		err := database.WithTx(ctx, c, func(ctx context.Context, tx *ent.Client) error {
			if err := s.PipelineChanged(ctx, tx, pl); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n := c.WebhookDelivery.Query().CountX(ctx); n != 0 {
			t.Fatalf("a rolled-back change left %d deliveries", n)
		}
		err = database.WithTx(ctx, c, func(ctx context.Context, tx *ent.Client) error { return s.PipelineChanged(ctx, tx, pl) })
		if err != nil {
			t.Fatal(err)
		}
		if n := c.WebhookDelivery.Query().CountX(ctx); n != 1 {
			t.Fatalf("a committed change left %d deliveries, want 1", n)
		}
	})
}

// TestRotationSignsWithBoth: after a rotation, deliveries carry two
// signatures, so receivers holding either secret verify them, until the
// grace period ends.
func TestRotationSignsWithBoth(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		c := db.Client
		s := newService(t, c)
		ctx, _, created := fixture(t, c, s)
		newSecret, h, err := s.RotateSigningSecret(ctx, created.Hook.ID)
		if err != nil || newSecret == created.SigningSecret {
			t.Fatalf("rotate = %q, %v", newSecret, err)
		}
		payload := []byte(`{"object_kind":"pipeline"}`)
		verify := func(at time.Time) (oldOK, newOK bool) {
			sig, err := s.signature(h, "msg_1", at, payload)
			if err != nil {
				t.Fatal(err)
			}
			hdr := http.Header{"Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {itoa(at.Unix())}, "Webhook-Signature": {sig}}
			for i, secret := range []string{created.SigningSecret, newSecret} {
				wh, _ := standardwebhooks.NewWebhook(secret)
				ok := wh.VerifyIgnoringTimestamp(payload, hdr) == nil
				if i == 0 {
					oldOK = ok
				} else {
					newOK = ok
				}
			}
			return oldOK, newOK
		}
		if oldOK, newOK := verify(time.Now()); !oldOK || !newOK {
			t.Fatalf("during the grace period: old verifies %v, new %v; want both", oldOK, newOK)
		}
		if oldOK, newOK := verify(time.Now().Add(DefaultSecretGrace + time.Minute)); oldOK || !newOK {
			t.Fatalf("after the grace period: old verifies %v, new %v; want only the new", oldOK, newOK)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestRetrySchedule: waits grow fourfold from FirstRetry up to the cap,
// within ±20 % jitter, never below Retry-After; eight attempts span about
// a day.
func TestRetrySchedule(t *testing.T) {
	s := &Service{cfg: Config{}.withDefaults()}
	want := []time.Duration{30 * time.Second, 2 * time.Minute, 8 * time.Minute, 32 * time.Minute,
		128 * time.Minute, 512 * time.Minute, 12 * time.Hour}
	var total time.Duration
	for i, w := range want {
		got := s.nextWait(i+1, 0)
		if got < w*8/10 || got > w*12/10 {
			t.Errorf("wait after attempt %d = %s, want %s ±20%%", i+1, got, w)
		}
		total += w
	}
	if total < 20*time.Hour || total > 26*time.Hour {
		t.Errorf("the schedule spans %s, want about a day", total)
	}
	if got := s.nextWait(1, time.Hour); got != time.Hour {
		t.Errorf("Retry-After of an hour after the first attempt: wait %s", got)
	}
	if got := s.nextWait(1, 30*365*24*time.Hour); got != DefaultMaxRetryWait {
		t.Errorf("Retry-After of 30 years: wait %s, want the cap %s", got, DefaultMaxRetryWait)
	}
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"2", 2 * time.Second}, {" 120 ", 2 * time.Minute}, {"-1", 0}, {"soon", 0},
		{"Fri, 04 Dec 2026 12:00:30 GMT", 30 * time.Second}, {"Fri, 04 Dec 2026 11:00:00 GMT", 0},
	} {
		if got := retryAfter(tc.in, now); got != tc.want {
			t.Errorf("retryAfter(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
