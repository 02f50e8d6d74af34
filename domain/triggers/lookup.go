package triggers

import (
	"context"
	"fmt"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/tokens"
)

// ErrUnknownToken answers every token that cannot start anything: malformed,
// wrong checksum, unknown, revoked, expired or rotated out. Callers answer it
// as GitLab does, with 404, so nothing tells these cases apart.
var ErrUnknownToken = kickoff.Errorf(kickoff.ENotFound, "404 Not Found")

// Lookup resolves a presented trigger token to its live trigger, with its
// owner loaded. A malformed token (bad prefix or checksum) is refused without
// touching the database. A rotated-out value works until its grace ends.
func (s *Service) Lookup(ctx context.Context, token string) (*ent.PipelineTrigger, error) {
	if kind, err := tokens.Parse(token); err != nil || kind != tokens.Trigger {
		return nil, ErrUnknownToken
	}
	digest := tokens.Digest(token)
	t, err := database.ClientFrom(ctx, s.client).PipelineTrigger.Query().
		Where(pipelinetrigger.Or(
			pipelinetrigger.TokenDigest(digest),
			pipelinetrigger.PreviousTokenDigest(digest),
		)).
		WithOwner().
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, ErrUnknownToken
	}
	if err != nil {
		return nil, fmt.Errorf("looking up trigger token: %w", err)
	}
	now := s.now()
	current := tokens.Equal(t.TokenDigest, digest)
	inGrace := t.PreviousTokenDigest != nil && tokens.Equal(*t.PreviousTokenDigest, digest) && graceEndsAt(t, now) != nil
	switch {
	case !current && !inGrace,
		t.RevokedAt != nil,
		expired(t, now):
		return nil, ErrUnknownToken
	}
	return t, nil
}
