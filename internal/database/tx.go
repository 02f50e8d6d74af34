package database

import (
	"context"
	"fmt"

	"github.com/kickoff-ci/kickoff/ent"
)

// ClientFrom returns the transactional client a GraphQL mutation runs in
// (graph's transactioner puts it in the context), else fallback. Domain code
// calls it so one action is atomic whichever API started it.
func ClientFrom(ctx context.Context, fallback *ent.Client) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return fallback
}

// WithTx runs fn in a transaction unless ctx already carries one, in which
// case fn joins it. fn must use the client it is given. When the
// transaction's connection is lost before it commits, fn runs once more in a
// new transaction (see RetryLostConnection): fn must keep nothing of a failed
// run outside the transaction, and leave what should happen after the commit
// to ent's OnCommit hooks.
func WithTx(ctx context.Context, client *ent.Client, fn func(ctx context.Context, c *ent.Client) error) error {
	if tx := ent.TxFromContext(ctx); tx != nil {
		return fn(ctx, tx.Client())
	}
	var err error
	RetryLostConnection(ctx, func(ctx context.Context) bool {
		err = runTx(ctx, client, fn)
		return err != nil
	})
	return err
}

// runTx runs fn in a new transaction and commits it unless fn fails.
func runTx(ctx context.Context, client *ent.Client, fn func(ctx context.Context, c *ent.Client) error) error {
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("starting transaction: %w", err)
	}
	txCtx := ent.NewTxContext(ent.NewContext(ctx, tx.Client()), tx)
	if err := fn(txCtx, tx.Client()); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing transaction: %w", err)
	}
	return nil
}

// InTx is WithTx for an action that returns an entity. When the transaction
// was its own, the entity is detached from it (Unwrap): later queries
// through it (its edges, say) go to the database, not to a transaction that
// has ended.
func InTx[T interface{ Unwrap() T }](ctx context.Context, client *ent.Client, fn func(ctx context.Context, c *ent.Client) (T, error)) (T, error) {
	own := ent.TxFromContext(ctx) == nil
	var out T
	err := WithTx(ctx, client, func(ctx context.Context, c *ent.Client) error {
		var err error
		out, err = fn(ctx, c)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	if own {
		out = out.Unwrap()
	}
	return out, nil
}

// AfterCommit runs fn once ctx's transaction has committed, or at once when
// ctx carries none: whoever fn wakes must find the change already visible,
// and must never hear of one that was rolled back.
func AfterCommit(ctx context.Context, fn func()) {
	tx := ent.TxFromContext(ctx)
	if tx == nil {
		fn()
		return
	}
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			err := next.Commit(ctx, tx)
			if err == nil {
				fn()
			}
			return err
		})
	})
}
