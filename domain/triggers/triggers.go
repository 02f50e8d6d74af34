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
	"strings"
	"time"
	"unicode/utf8"

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

// NewTrigger is what Create needs.
type NewTrigger struct {
	Description string
	ExpiresAt   *time.Time
	Policy
	// InputErr is a problem the caller found while decoding its input (such
	// as an unparsable expires_at). It is reported after the access checks,
	// like every other input error, so a caller without access is refused
	// the same way whatever it sends.
	InputErr error
}

// create makes a trigger owned by the viewer in the project named by
// projectRef (full path or numeric ID). Maintainer.
func (s *Service) create(ctx context.Context, projectRef string, nt NewTrigger) (*ent.PipelineTrigger, error) {
	p, _, err := s.projects.Authorized(ctx, projectRef, authz.ManageProject)
	if err != nil {
		return nil, err
	}
	if err := validateDescription(nt.Description); err != nil {
		return nil, err
	}
	if nt.InputErr != nil {
		return nil, nt.InputErr
	}
	if err := s.validateExpiry(nt.ExpiresAt); err != nil {
		return nil, err
	}
	if err := validatePolicy(nt.Policy); err != nil {
		return nil, err
	}
	plain, digest, sealed, err := s.newToken()
	if err != nil {
		return nil, err
	}
	c := database.ClientFrom(ctx, s.client)
	create := c.PipelineTrigger.Create().
		SetProjectID(p.ID).
		SetOwnerID(authz.UserFrom(ctx).ID).
		SetDescription(strings.TrimSpace(nt.Description)).
		SetTokenDigest(digest).SetTokenSealed(sealed).SetShortToken(tokens.Short(plain)).
		SetNillableExpiresAt(utc(nt.ExpiresAt))
	applyPolicy(create.Mutation(), nt.Policy)
	t, err := create.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("creating trigger: %w", err)
	}
	return t, s.record(ctx, "trigger.created", t, "")
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

func validateDescription(d string) error {
	d = strings.TrimSpace(d)
	if d == "" {
		return kickoff.Errorf(kickoff.EInvalid, "description is missing")
	}
	if utf8.RuneCountInString(d) > 255 {
		return kickoff.Errorf(kickoff.EInvalid, "description is too long (maximum is 255 characters)")
	}
	return nil
}

func (s *Service) validateExpiry(at *time.Time) error {
	if at == nil {
		return nil
	}
	now := s.now()
	if !at.After(now) {
		return kickoff.Errorf(kickoff.EInvalid, "expires_at must be in the future")
	}
	if at.After(now.Add(MaxLifetime)) {
		return kickoff.Errorf(kickoff.EInvalid, "expires_at must be at most 365 days from now")
	}
	return nil
}

// ListQuery returns the query of the project's live triggers — not revoked,
// and, unless includeExpired, not expired. Maintainer.
func (s *Service) ListQuery(ctx context.Context, projectRef string, includeExpired bool) (*ent.PipelineTriggerQuery, *ent.Project, error) {
	p, _, err := s.projects.Authorized(ctx, projectRef, authz.ManageProject)
	if err != nil {
		return nil, nil, err
	}
	q := database.ClientFrom(ctx, s.client).PipelineTrigger.Query().
		Where(pipelinetrigger.ProjectID(p.ID), pipelinetrigger.RevokedAtIsNil())
	if !includeExpired {
		q.Where(pipelinetrigger.Or(pipelinetrigger.ExpiresAtIsNil(), pipelinetrigger.ExpiresAtGT(s.now())))
	}
	return q, p, nil
}

// Get returns one live trigger of the project. Maintainer. A revoked or
// expired trigger, or one of another project, is not found.
func (s *Service) Get(ctx context.Context, projectRef string, id int) (*ent.PipelineTrigger, error) {
	q, _, err := s.ListQuery(ctx, projectRef, false)
	if err != nil {
		return nil, err
	}
	t, err := q.Where(pipelinetrigger.ID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errTriggerNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("loading trigger: %w", err)
	}
	return t, nil
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

// revoke disables a trigger for good. The row stays so history and the audit
// log can still name it. Maintainer.
func (s *Service) revoke(ctx context.Context, id int) (*ent.PipelineTrigger, error) {
	t, _, err := s.live(ctx, id)
	if err != nil {
		return nil, err
	}
	// Only a live row: of two concurrent revocations, one wins and the
	// other finds nothing, so the audit log records one revocation.
	t, err = t.Update().Where(pipelinetrigger.RevokedAtIsNil()).
		SetRevokedAt(s.now()).ClearPreviousTokenDigest().ClearPreviousTokenExpiresAt().Save(ctx)
	if ent.IsNotFound(err) {
		return nil, errTriggerNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("revoking trigger: %w", err)
	}
	return t, s.record(ctx, "trigger.revoked", t, "")
}

// takeOwnership makes the viewer the owner and replaces the token value: the
// previous owner knew the old one, so it stops working at once. Maintainer.
func (s *Service) takeOwnership(ctx context.Context, id int) (*ent.PipelineTrigger, error) {
	t, _, err := s.live(ctx, id)
	if err != nil {
		return nil, err
	}
	previousOwner := t.OwnerID
	plain, digest, sealed, err := s.newToken()
	if err != nil {
		return nil, err
	}
	t, err = t.Update().
		SetOwnerID(authz.UserFrom(ctx).ID).
		SetTokenDigest(digest).SetTokenSealed(sealed).SetShortToken(tokens.Short(plain)).
		ClearPreviousTokenDigest().ClearPreviousTokenExpiresAt().
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("taking ownership: %w", err)
	}
	return t, s.record(ctx, "trigger.ownership_taken", t, fmt.Sprintf("from user %d", previousOwner))
}

// rotate gives the trigger a new value now and keeps the current one working
// for grace, so callers can be updated without downtime. Owner only.
func (s *Service) rotate(ctx context.Context, id int, grace time.Duration) (*ent.PipelineTrigger, error) {
	t, level, err := s.live(ctx, id)
	if err != nil {
		return nil, err
	}
	if !authz.ManagesTrigger(authz.UserFrom(ctx), t, level) {
		return nil, kickoff.Errorf(kickoff.EForbidden, "only the trigger's owner can rotate it")
	}
	if grace < 0 || grace > MaxRotationGrace {
		return nil, kickoff.Errorf(kickoff.EInvalid, "graceSeconds must be between 0 and %d", int(MaxRotationGrace.Seconds()))
	}
	plain, digest, sealed, err := s.newToken()
	if err != nil {
		return nil, err
	}
	u := t.Update().SetTokenDigest(digest).SetTokenSealed(sealed).SetShortToken(tokens.Short(plain))
	if grace > 0 {
		u.SetPreviousTokenDigest(t.TokenDigest).SetPreviousTokenExpiresAt(s.now().Add(grace))
	} else {
		u.ClearPreviousTokenDigest().ClearPreviousTokenExpiresAt()
	}
	if t, err = u.Save(ctx); err != nil {
		return nil, fmt.Errorf("rotating trigger: %w", err)
	}
	return t, s.record(ctx, "trigger.rotated", t, fmt.Sprintf("grace %s", grace))
}

// Token is what the viewer may see of t's value: the whole token for its
// owner while still Maintainer, else the 4 characters after the prefix (an
// owner demoted to Developer still sees pipelines and their trigger, but no
// longer the secret). exposed says which.
func (s *Service) Token(ctx context.Context, t *ent.PipelineTrigger) (value string, exposed bool, err error) {
	ok, err := authz.CanManageTrigger(ctx, database.ClientFrom(ctx, s.client), t)
	if err != nil {
		return "", false, err
	}
	if !ok {
		return t.ShortToken, false, nil
	}
	plain, err := s.keys.Open(t.TokenSealed, t.TokenDigest)
	if err != nil {
		return "", false, fmt.Errorf("opening trigger %d's token (was KICKOFF_SECRET_KEY changed without keeping the old one?): %w", t.ID, err)
	}
	return string(plain), true, nil
}

// CanAccessProject reports whether t's owner still may run pipelines: active
// and at least Developer. Otherwise the trigger is "invalid".
func (s *Service) CanAccessProject(ctx context.Context, t *ent.PipelineTrigger) (bool, error) {
	c := database.ClientFrom(ctx, s.client)
	// The owner is read again even when t.Edges has one: GraphQL loads only
	// the columns a query selects, so an owner fetched for { username } has
	// no state or admin flag and would look blocked.
	owner, err := c.User.Get(ctx, t.OwnerID)
	if err != nil {
		return false, fmt.Errorf("loading trigger owner: %w", err)
	}
	level, err := authz.AccessLevel(ctx, c, owner, t.ProjectID)
	return authz.OwnTriggerToken.Allowed(level), err
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
