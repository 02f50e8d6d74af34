package pipelines

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/idempotencykey"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// IdempotencyWindow is how long an Idempotency-Key is remembered.
const IdempotencyWindow = 24 * time.Hour

// MaxIdempotencyKey bounds the header's length.
const MaxIdempotencyKey = 255

// idempotency is an Idempotency-Key scoped to the token that presented it.
type idempotency struct {
	key         string
	tokenDigest []byte
	since       time.Time // records older than this are forgotten
}

func newIdempotency(key string, tokenDigest []byte, now time.Time) (*idempotency, error) {
	if key == "" {
		return nil, nil
	}
	if len(key) > MaxIdempotencyKey {
		return nil, kickoff.Errorf(kickoff.EInvalid, "Idempotency-Key must be at most %d characters", MaxIdempotencyKey)
	}
	// HTTP allows any byte above 0x7f in a header; PostgreSQL stores only UTF-8.
	if !utf8.ValidString(key) {
		return nil, kickoff.Errorf(kickoff.EInvalid, "Idempotency-Key must be valid UTF-8")
	}
	return &idempotency{key: key, tokenDigest: tokenDigest, since: now.Add(-IdempotencyWindow)}, nil
}

// replay returns the pipeline a live record of this key points at, if any.
func (s *Service) replay(ctx context.Context, idem *idempotency) (*ent.Pipeline, error) {
	rec, err := database.ClientFrom(ctx, s.client).IdempotencyKey.Query().
		Where(idempotencykey.TokenDigest(idem.tokenDigest), idempotencykey.Key(idem.key),
			idempotencykey.CreatedAtGT(idem.since)).
		WithPipeline().
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading idempotency key: %w", err)
	}
	return rec.Edges.Pipeline, nil
}

// record remembers that this key created pipelineID, replacing an expired
// record of the same key. A concurrent request recording the same key makes
// this fail with a constraint error, which create turns into a replay.
func (idem *idempotency) record(ctx context.Context, c *ent.Client, pipelineID int) error {
	_, err := c.IdempotencyKey.Delete().
		Where(idempotencykey.TokenDigest(idem.tokenDigest), idempotencykey.Key(idem.key),
			idempotencykey.CreatedAtLTE(idem.since)).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("expiring idempotency key: %w", err)
	}
	err = c.IdempotencyKey.Create().SetKey(idem.key).SetTokenDigest(idem.tokenDigest).SetPipelineID(pipelineID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("recording idempotency key: %w", err)
	}
	return nil
}
