package graph

import (
	"context"
	"fmt"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// transactioner runs each mutation operation in one transaction, as
// entgql.Transactioner does, with two differences that need the operation
// rather than only its response:
//
//   - when the transaction lost its database connection before it
//     committed, the whole mutation runs once more: nothing of the first
//     attempt was committed, and a mutation answers only when it is over,
//     so the client sees the second attempt alone instead of an error;
//   - a failed BEGIN or COMMIT goes through the error presenter like any
//     internal error (logged, INTERNAL_SERVER_ERROR), where entgql answers
//     with the driver's text.
type transactioner struct{ client *ent.Client }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
} = transactioner{}

func (transactioner) ExtensionName() string                   { return "Transactioner" }
func (transactioner) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext runs a mutation's resolvers one at a time: they
// share the transaction, whose connection serves one statement at a time.
func (transactioner) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if !isMutation(oc.Operation) {
		return nil
	}
	previous := oc.ResolverMiddleware
	var mu sync.Mutex
	oc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
		mu.Lock()
		defer mu.Unlock()
		return previous(ctx, next)
	}
	return nil
}

// InterceptOperation runs a mutation again when database.RetryLostConnection
// says it may. It wraps the operation because gqlgen builds a mutation's
// response once per operation: only a new operation handler answers again.
func (transactioner) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if !transactional(graphql.GetOperationContext(ctx).Operation) {
		return next(ctx)
	}
	answered := false
	return func(ctx context.Context) *graphql.Response {
		if answered {
			return nil // a mutation has one response; nil ends the stream
		}
		answered = true
		var resp *graphql.Response
		database.RetryLostConnection(ctx, func(ctx context.Context) bool {
			resp = next(ctx)(ctx)
			return resp == nil || len(resp.Errors) > 0
		})
		return resp
	}
}

// InterceptResponse runs a mutation's resolvers in a transaction and commits
// it unless they failed.
func (t transactioner) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !transactional(graphql.GetOperationContext(ctx).Operation) {
		return next(ctx)
	}
	txCtx, tx, err := t.client.OpenTx(ctx)
	if err != nil {
		return internalError(ctx, fmt.Errorf("starting transaction: %w", err))
	}
	defer func() {
		if r := recover(); r != nil {
			_ = tx.Rollback()
			panic(r)
		}
	}()
	resp := next(txCtx)
	if len(resp.Errors) > 0 {
		// As entgql does: no data from a mutation that was rolled back.
		_ = tx.Rollback()
		return &graphql.Response{Errors: resp.Errors}
	}
	if err := tx.Commit(); err != nil {
		return internalError(ctx, fmt.Errorf("committing transaction: %w", err))
	}
	return resp
}

func isMutation(op *ast.OperationDefinition) bool {
	return op != nil && op.Operation == ast.Mutation
}

// untransacted are the mutations that wait on another system (a webhook
// receiver): they write in short transactions of their own, so no database
// lock is held while the receiver answers — on SQLite, one writer at a
// time, that would stall every other write — and a lost connection never
// sends a delivery twice.
var untransacted = map[string]bool{"webhookTest": true, "webhookDeliveryResend": true}

// transactional reports whether op runs in one transaction: every mutation
// but those made only of untransacted fields. Combined with other fields,
// the untransacted ones refuse to run (webhooks.ErrInTransaction).
func transactional(op *ast.OperationDefinition) bool {
	if !isMutation(op) {
		return false
	}
	for _, sel := range op.SelectionSet {
		if f, ok := sel.(*ast.Field); !ok || !untransacted[f.Name] {
			return true
		}
	}
	return false
}

// internalError answers err alone, presented by the error presenter.
func internalError(ctx context.Context, err error) *graphql.Response {
	graphql.AddError(ctx, err)
	return &graphql.Response{Errors: graphql.GetErrors(ctx)}
}
