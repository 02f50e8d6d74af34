package runners_test

import (
	"context"
	"testing"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/runners"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/tokens"
	"github.com/kickoff-ci/kickoff/services/servicestest"
)

func TestWaitFor(t *testing.T) {
	for _, ok := range []int{0, 1, 60} {
		if d, err := runners.WaitFor(ok); err != nil || d != time.Duration(ok)*time.Second {
			t.Errorf("WaitFor(%d) = %v, %v", ok, d, err)
		}
	}
	for _, bad := range []int{-1, 61, 1 << 40} {
		if _, err := runners.WaitFor(bad); kickoff.ErrorCode(err) != kickoff.EInvalid {
			t.Errorf("WaitFor(%d) = %v, want EInvalid", bad, err)
		}
	}
}

// newRunner stores an instance runner and returns it with its token.
func newRunner(t *testing.T, db *database.DB) (*runners.Service, *ent.Runner, string) {
	t.Helper()
	set := servicestest.New(t, db.Client)
	token, err := tokens.New(tokens.Runner)
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.Client.Runner.Create().SetTokenDigest(tokens.Digest(token)).SetShortToken(tokens.Short(token)).Save(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return set.Runners, r, token
}

func TestAuthenticate(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		svc, r, token := newRunner(t, db)
		got, err := svc.Authenticate(context.Background(), token)
		if err != nil || got.ID != r.ID {
			t.Fatalf("Authenticate = %v, %v", got, err)
		}
		other, _ := tokens.New(tokens.Runner)
		job, _ := tokens.New(tokens.Job)
		for _, bad := range []string{"", "kor_", other, job, token + "x"} {
			if _, err := svc.Authenticate(context.Background(), bad); kickoff.ErrorCode(err) != kickoff.EUnauthorized {
				t.Errorf("Authenticate(%.8q) = %v, want EUnauthorized", bad, err)
			}
		}
	})
}

func TestStopWaitingEndsLongPolls(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		svc, r, _ := newRunner(t, db)
		done := make(chan error, 1)
		go func() {
			job, err := svc.RequestJob(context.Background(), r, runners.MaxWait)
			if job != nil {
				t.Error("claimed a pipeline from an empty queue")
			}
			done <- err
		}()
		time.Sleep(100 * time.Millisecond)
		svc.StopWaiting()
		svc.StopWaiting() // twice is fine
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		// Later requests do not wait either.
		if job, err := svc.RequestJob(context.Background(), r, runners.MaxWait); job != nil || err != nil {
			t.Fatalf("RequestJob after StopWaiting = %v, %v", job, err)
		}
		stored, err := db.Client.Runner.Get(context.Background(), r.ID)
		if err != nil || stored.ContactedAt == nil {
			t.Fatalf("contacted_at not recorded: %v", err)
		}
	})
}
