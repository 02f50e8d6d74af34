package database

import (
	"context"
	"fmt"

	"github.com/kickoff-ci/kickoff/ent"
)

// ClientFrom returns the transactional client a GraphQL mutation runs in
// (entgql.Transactioner puts it in the context), else fallback. Domain code
// calls it so one action is atomic whichever API started it.
func ClientFrom(ctx context.Context, fallback *ent.Client) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return fallback
}

// WithTx runs fn in a transaction unless ctx already carries one, in which
// case fn joins it. fn must use the client it is given.
func WithTx(ctx context.Context, client *ent.Client, fn func(ctx context.Context, c *ent.Client) error) error {
	if tx := ent.TxFromContext(ctx); tx != nil {
		return fn(ctx, tx.Client())
	}
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
