package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/kickoff-ci/kickoff/database"
)

// retryMutations runs a mutation once more when it failed because its
// transaction (entgql.Transactioner's) lost its database connection before
// committing: the failed attempt left nothing behind, and a mutation answers
// only once it is over, so the client sees the second attempt alone instead
// of an INTERNAL_SERVER_ERROR. It wraps the whole operation, not the
// response, because gqlgen builds a mutation's response once per operation.
type retryMutations struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = retryMutations{}

func (retryMutations) ExtensionName() string                   { return "RetryMutations" }
func (retryMutations) Validate(graphql.ExecutableSchema) error { return nil }

func (retryMutations) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if op := graphql.GetOperationContext(ctx).Operation; op == nil || op.Operation != ast.Mutation {
		return next(ctx)
	}
	answered := false
	return func(rctx context.Context) *graphql.Response {
		if answered {
			return nil // a mutation has one response; nil ends the stream
		}
		answered = true
		var resp *graphql.Response
		database.RetryLostConnection(rctx, func(rctx context.Context) bool {
			resp = next(rctx)(rctx)
			return resp == nil || len(resp.Errors) > 0
		})
		return resp
	}
}
