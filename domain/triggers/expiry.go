package triggers

import (
	"time"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
	"github.com/kickoff-ci/kickoff/ent/predicate"
)

// A trigger's value stops working at its expiry; a rotated-out value works
// until its grace ends. These are the only places that decide either: the
// lookup, the listings and the GraphQL fields all ask them.

// Expired reports whether t's expiry has passed.
func (s *Service) Expired(t *ent.PipelineTrigger) bool { return expired(t, s.now()) }

// RotationGraceEndsAt is when t's rotated-out value stops working, or nil
// when none works any more.
func (s *Service) RotationGraceEndsAt(t *ent.PipelineTrigger) *time.Time {
	return graceEndsAt(t, s.now())
}

func expired(t *ent.PipelineTrigger, now time.Time) bool {
	return t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)
}

// notExpired is expired as a query predicate, for listings.
func notExpired(now time.Time) predicate.PipelineTrigger {
	return pipelinetrigger.Or(pipelinetrigger.ExpiresAtIsNil(), pipelinetrigger.ExpiresAtGT(now))
}

func graceEndsAt(t *ent.PipelineTrigger, now time.Time) *time.Time {
	if t.PreviousTokenExpiresAt == nil || !now.Before(*t.PreviousTokenExpiresAt) {
		return nil
	}
	return t.PreviousTokenExpiresAt
}
