package pipelines

import (
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff"
)

func TestCheckRunnerMove(t *testing.T) {
	reason := func(s string) *string { return &s }
	cases := []struct {
		from kickoff.PipelineStatus
		up   StatusUpdate
		code string // "" when allowed
	}{
		{kickoff.StatusPending, StatusUpdate{Status: kickoff.StatusRunning}, ""},
		{kickoff.StatusPending, StatusUpdate{Status: kickoff.StatusFailed, FailureReason: reason("script_failure")}, ""},
		{kickoff.StatusPending, StatusUpdate{Status: kickoff.StatusSuccess}, kickoff.EConflict},
		{kickoff.StatusRunning, StatusUpdate{Status: kickoff.StatusRunning}, ""},
		{kickoff.StatusRunning, StatusUpdate{Status: kickoff.StatusSuccess}, ""},
		{kickoff.StatusRunning, StatusUpdate{Status: kickoff.StatusFailed}, ""},
		{kickoff.StatusCreated, StatusUpdate{Status: kickoff.StatusRunning}, kickoff.EConflict},
		{kickoff.StatusCanceled, StatusUpdate{Status: kickoff.StatusRunning}, kickoff.EConflict},
		{kickoff.StatusSuccess, StatusUpdate{Status: kickoff.StatusFailed}, kickoff.EConflict},
		{kickoff.StatusFailed, StatusUpdate{Status: kickoff.StatusFailed}, kickoff.EConflict},
		{kickoff.StatusRunning, StatusUpdate{Status: kickoff.StatusCanceled}, kickoff.EInvalid},
		{kickoff.StatusRunning, StatusUpdate{Status: "nonsense"}, kickoff.EInvalid},
		{kickoff.StatusRunning, StatusUpdate{Status: kickoff.StatusSuccess, FailureReason: reason("x")}, kickoff.EInvalid},
		{kickoff.StatusRunning, StatusUpdate{Status: kickoff.StatusFailed, FailureReason: reason(strings.Repeat("é", MaxFailureReason))}, ""},
		{kickoff.StatusRunning, StatusUpdate{Status: kickoff.StatusFailed, FailureReason: reason(strings.Repeat("é", MaxFailureReason+1))}, kickoff.EInvalid},
		{kickoff.StatusRunning, StatusUpdate{Status: kickoff.StatusFailed, FailureReason: reason("\xff")}, kickoff.EInvalid},
		{kickoff.StatusRunning, StatusUpdate{InputErr: kickoff.Errorf(kickoff.EInvalid, "bad body")}, kickoff.EInvalid},
		// A canceled pipeline answers 409 whatever the runner sent.
		{kickoff.StatusCanceled, StatusUpdate{InputErr: kickoff.Errorf(kickoff.EInvalid, "bad body")}, kickoff.EConflict},
	}
	for _, tc := range cases {
		err := checkRunnerMove(tc.from, tc.up)
		if got := kickoff.ErrorCode(err); got != tc.code {
			t.Errorf("%s + %+v = %v (%q), want %q", tc.from, tc.up, err, got, tc.code)
		}
	}
}

func TestFailureReasonDefault(t *testing.T) {
	blank := "  "
	if got := failureReason(nil); got != FailureUnknown {
		t.Errorf("failureReason(nil) = %q", got)
	}
	if got := failureReason(&blank); got != FailureUnknown {
		t.Errorf("failureReason(blank) = %q", got)
	}
}

func TestSignalWakesEveryWaiter(t *testing.T) {
	var s signal
	a, b := s.wait(), s.wait()
	s.notify()
	<-a
	<-b
	c := s.wait()
	select {
	case <-c:
		t.Fatal("a wait taken after notify is already done")
	default:
	}
	s.notify()
	<-c
}
