package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/audit"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/personalaccesstoken"
	"github.com/kickoff-ci/kickoff/ent/user"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/tokens"
)

// Viewer credential kinds, recorded in the audit log.
const (
	CredentialPAT     = "personal_access_token"
	CredentialSession = "session"
)

// lastUsedResolution bounds how often authenticating writes last_used_at, so a
// busy script does not turn every API call into a write.
const lastUsedResolution = time.Minute

// CreatePersonalAccessToken creates a token for u and returns it with its
// plaintext, which is shown once and never stored. The token and its audit
// event commit together.
func (s *Service) CreatePersonalAccessToken(ctx context.Context, u *ent.User, name string, expiresAt *time.Time) (*ent.PersonalAccessToken, string, error) {
	var plain string
	pat, err := database.InTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) (*ent.PersonalAccessToken, error) {
		pat, p, err := s.createPersonalAccessToken(ctx, u, name, expiresAt)
		plain = p
		return pat, err
	})
	if err != nil {
		return nil, "", err
	}
	return pat, plain, nil
}

func (s *Service) createPersonalAccessToken(ctx context.Context, u *ent.User, name string, expiresAt *time.Time) (*ent.PersonalAccessToken, string, error) {
	if name == "" || len(name) > 255 {
		return nil, "", kickoff.Errorf(kickoff.EInvalid, "name must be 1-255 characters")
	}
	if expiresAt != nil && !expiresAt.After(s.now()) {
		return nil, "", kickoff.Errorf(kickoff.EInvalid, "expiresAt must be in the future")
	}
	plain, err := tokens.New(tokens.PersonalAccess)
	if err != nil {
		return nil, "", fmt.Errorf("generating token: %w", err)
	}
	pat, err := database.ClientFrom(ctx, s.client).PersonalAccessToken.Create().
		SetName(name).
		SetTokenDigest(tokens.Digest(plain)).
		SetNillableExpiresAt(utc(expiresAt)).
		SetUserID(u.ID).
		Save(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("creating personal access token: %w", err)
	}
	err = audit.Record(ctx, s.client, audit.Event{
		Action: "personal_access_token.created", Outcome: audit.Success,
		TargetType: "PersonalAccessToken", TargetID: &pat.ID,
		Reason: "for user " + u.Username,
	})
	return pat, plain, err
}

// PersonalAccessTokens returns the query of owner's tokens, newest first,
// without the revoked ones unless includeRevoked. Only owner and admins may
// list them.
func (s *Service) PersonalAccessTokens(ctx context.Context, owner *ent.User, includeRevoked bool) (*ent.PersonalAccessTokenQuery, error) {
	if !authz.ManagesTokensOf(authz.UserFrom(ctx), owner.ID) {
		return nil, kickoff.Errorf(kickoff.EForbidden, "only %s can list their personal access tokens", owner.Username)
	}
	q := database.ClientFrom(ctx, s.client).PersonalAccessToken.Query().Where(personalaccesstoken.UserID(owner.ID))
	if !includeRevoked {
		q.Where(personalaccesstoken.RevokedAtIsNil())
	}
	return q, nil
}

// RevokePersonalAccessToken revokes one of the viewer's tokens (admins:
// anyone's), together with its audit event.
func (s *Service) RevokePersonalAccessToken(ctx context.Context, id int) (*ent.PersonalAccessToken, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, _ *ent.Client) (*ent.PersonalAccessToken, error) {
		return s.revokePersonalAccessToken(ctx, id)
	})
}

func (s *Service) revokePersonalAccessToken(ctx context.Context, id int) (*ent.PersonalAccessToken, error) {
	viewer := authz.UserFrom(ctx)
	if viewer == nil {
		return nil, kickoff.Errorf(kickoff.EUnauthorized, "sign in to revoke tokens")
	}
	c := database.ClientFrom(ctx, s.client)
	pat, err := c.PersonalAccessToken.Get(ctx, id)
	if ent.IsNotFound(err) || (err == nil && !authz.ManagesTokensOf(viewer, pat.UserID)) {
		return nil, kickoff.Errorf(kickoff.ENotFound, "personal access token not found")
	}
	if err != nil {
		return nil, fmt.Errorf("loading personal access token: %w", err)
	}
	if pat.RevokedAt != nil {
		return pat, nil
	}
	pat, err = pat.Update().SetRevokedAt(s.now()).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("revoking personal access token: %w", err)
	}
	err = audit.Record(ctx, s.client, audit.Event{
		Action: "personal_access_token.revoked", Outcome: audit.Success,
		TargetType: "PersonalAccessToken", TargetID: &pat.ID,
	})
	return pat, err
}

// AuthenticateToken returns the viewer a personal access token stands for.
// Malformed tokens are refused before any query; unknown, revoked and expired
// tokens and blocked users all get the same EUnauthorized.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (*authz.Viewer, error) {
	kind, err := tokens.Parse(token)
	if err != nil || kind != tokens.PersonalAccess {
		return nil, errInvalidToken
	}
	pat, err := s.client.PersonalAccessToken.Query().
		Where(personalaccesstoken.TokenDigest(tokens.Digest(token))).
		WithUser().
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errInvalidToken
	}
	if err != nil {
		return nil, fmt.Errorf("looking up token: %w", err)
	}
	v, err := s.patViewer(pat, tokens.Redact(token))
	if err != nil {
		return nil, err
	}
	if now := s.now(); pat.LastUsedAt == nil || now.Sub(*pat.LastUsedAt) > lastUsedResolution {
		if err := s.client.PersonalAccessToken.UpdateOneID(pat.ID).SetLastUsedAt(now).Exec(ctx); err != nil {
			return nil, fmt.Errorf("recording token use: %w", err)
		}
	}
	return v, nil
}

// patViewer checks that a loaded token (with its user) still works.
func (s *Service) patViewer(pat *ent.PersonalAccessToken, short string) (*authz.Viewer, error) {
	if pat.RevokedAt != nil || (pat.ExpiresAt != nil && !pat.ExpiresAt.After(s.now())) || pat.Edges.User.State != user.StateActive {
		return nil, errInvalidToken
	}
	return &authz.Viewer{User: pat.Edges.User, CredentialKind: CredentialPAT, CredentialID: pat.ID, ShortCredential: short}, nil
}

// errInvalidToken is the one answer for every token that does not work.
var errInvalidToken = kickoff.Errorf(kickoff.EUnauthorized, "invalid token")

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
