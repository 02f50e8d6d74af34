package triggers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
)

// TriggerUpdate lists what Update changes; nil leaves a field as it is.
type TriggerUpdate struct {
	Description *string
	ExpiresAt   **time.Time // a nil *time.Time removes the expiry
	Policy
	// InputErr is as in NewTrigger: reported once the viewer may edit.
	InputErr error
}

// update edits a trigger. Only its owner may, and only while Maintainer.
func (s *Service) update(ctx context.Context, id int, up TriggerUpdate) (*ent.PipelineTrigger, error) {
	t, level, err := s.live(ctx, id)
	if err != nil {
		return nil, err
	}
	if !authz.ManagesTrigger(authz.UserFrom(ctx), t, level) {
		return nil, kickoff.Errorf(kickoff.EForbidden, ErrForbiddenUpdate)
	}
	if up.InputErr != nil {
		return nil, up.InputErr
	}
	u := t.Update()
	if up.Description != nil {
		if err := validateDescription(*up.Description); err != nil {
			return nil, err
		}
		u.SetDescription(strings.TrimSpace(*up.Description))
	}
	if up.ExpiresAt != nil {
		if err := s.validateExpiry(*up.ExpiresAt); err != nil {
			return nil, err
		}
		if *up.ExpiresAt == nil {
			u.ClearExpiresAt()
		} else {
			u.SetExpiresAt((*up.ExpiresAt).UTC())
		}
	}
	if err := validatePolicy(up.Policy); err != nil {
		return nil, err
	}
	applyPolicy(u.Mutation(), up.Policy)
	if t, err = u.Save(ctx); err != nil {
		return nil, fmt.Errorf("updating trigger: %w", err)
	}
	return t, s.record(ctx, "trigger.updated", t, "")
}
