// Package triggers manages pipeline trigger tokens (SPEC §4): creating,
// listing, editing, taking ownership, rotating and revoking them, deciding who
// sees the full token, and resolving a presented token to its trigger.
//
// A token is never stored: only its SHA-256 digest (the lookup key) and an
// AES-GCM sealed copy bound to that digest, which only the owner may open.
package triggers

import (
	"context"
	"fmt"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/audit"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/projects"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/keyring"
	"github.com/kickoff-ci/kickoff/internal/tokens"
)

// MaxLifetime is how far ahead a trigger's expiry may be.
const MaxLifetime = 365 * 24 * time.Hour

// MaxRotationGrace bounds how long a rotated-out value keeps working.
const MaxRotationGrace = 7 * 24 * time.Hour

// ErrForbiddenUpdate is GitLab's message when a non-owner edits a trigger.
const ErrForbiddenUpdate = "The current user is not authorized to update the pipeline trigger token"

// Service is the trigger-token domain.
type Service struct {
	client   *ent.Client
	keys     *keyring.Keyring
	projects *projects.Service
	now      func() time.Time
}

// New returns the trigger service.
func New(client *ent.Client, keys *keyring.Keyring, projects *projects.Service) *Service {
	return &Service{client: client, keys: keys, projects: projects, now: func() time.Time { return time.Now().UTC() }}
}

// newToken makes a fresh token value with its digest and sealed copy.
func (s *Service) newToken() (plain string, digest, sealed []byte, err error) {
	plain, err = tokens.New(tokens.Trigger)
	if err != nil {
		return "", nil, nil, fmt.Errorf("generating token: %w", err)
	}
	digest = tokens.Digest(plain)
	// The digest is the additional data: a sealed copy cannot be moved to
	// another row and opened there.
	sealed, err = s.keys.Seal([]byte(plain), digest)
	if err != nil {
		return "", nil, nil, fmt.Errorf("sealing token: %w", err)
	}
	return plain, digest, sealed, nil
}

var errTriggerNotFound = kickoff.Errorf(kickoff.ENotFound, "trigger not found")

// IsTriggerNotFound tells a missing trigger from a missing project.
func IsTriggerNotFound(err error) bool { return err == errTriggerNotFound }

// live loads a non-revoked trigger by ID and checks the viewer may manage its
// project; expired triggers stay editable (GraphQL shows them as expired).
func (s *Service) live(ctx context.Context, id int) (*ent.PipelineTrigger, kickoff.AccessLevel, error) {
	if authz.UserFrom(ctx) == nil {
		return nil, kickoff.NoAccess, kickoff.Errorf(kickoff.EUnauthorized, "sign in first")
	}
	c := database.ClientFrom(ctx, s.client)
	t, err := c.PipelineTrigger.Query().Where(pipelinetrigger.ID(id), pipelinetrigger.RevokedAtIsNil()).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, kickoff.NoAccess, errTriggerNotFound
	}
	if err != nil {
		return nil, kickoff.NoAccess, fmt.Errorf("loading trigger: %w", err)
	}
	level, err := authz.Authorize(ctx, c, t.ProjectID, authz.ManageProject)
	if kickoff.ErrorCode(err) == kickoff.ENotFound {
		return nil, level, errTriggerNotFound
	}
	return t, level, err
}

func (s *Service) record(ctx context.Context, action string, t *ent.PipelineTrigger, reason string) error {
	return audit.Record(ctx, s.client, audit.Event{
		Action: action, Outcome: audit.Success, Reason: reason,
		ProjectID: &t.ProjectID, TargetType: "PipelineTrigger", TargetID: &t.ID,
	})
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
