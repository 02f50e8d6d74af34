package graph

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/pipelines"
)

// Limit errors are protocol errors: gqlgen answers them with 422, like
// parse and validation failures, not 200.
const (
	codeQueryTooLong = "QUERY_TOO_LONG"
	codeQueryTooDeep = "QUERY_TOO_DEEP"
	codeComplexity   = "COMPLEXITY_LIMIT_EXCEEDED" // gqlgen's own code
	codeBadRequest   = "BAD_REQUEST"
)

func init() {
	for _, code := range []string{codeQueryTooLong, codeQueryTooDeep, codeComplexity, codeBadRequest} {
		errcode.RegisterErrorType(code, errcode.KindProtocol)
	}
}

// queryLengthLimit rejects query texts longer than max before they are parsed.
type queryLengthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = queryLengthLimit{}

func (queryLengthLimit) ExtensionName() string                   { return "QueryLengthLimit" }
func (queryLengthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (l queryLengthLimit) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if len(p.Query) > l.max {
		return limitError(codeQueryTooLong, "query is %d characters long, over the limit of %d", len(p.Query), l.max)
	}
	return nil
}

// depthLimit rejects operations whose selections nest deeper than max,
// following fragments. gqlgen has no depth limit of its own; this is the few
// lines it takes rather than a dependency.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (l depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if d := selectionDepth(oc.Operation.SelectionSet, 0, l.max); d > l.max {
		return limitError(codeQueryTooDeep, "query is nested more than %d levels deep", l.max)
	}
	return nil
}

// selectionDepth returns the depth of set below depth, stopping early once it
// passes max (so a hostile query costs little to reject). Fragment cycles are
// already rejected by validation.
func selectionDepth(set ast.SelectionSet, depth, max int) int {
	deepest := depth
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.SelectionSet) == 0 {
				d = depth + 1
			} else {
				d = selectionDepth(s.SelectionSet, depth+1, max)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, depth, max)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				d = selectionDepth(s.Definition.SelectionSet, depth, max)
			}
		}
		if d > deepest {
			deepest = d
		}
		if deepest > max {
			return deepest
		}
	}
	return deepest
}

// subscriptionTransport refuses subscriptions sent as plain HTTP requests
// (gqlgen would answer them with a bare 200 null): they need the websocket.
type subscriptionTransport struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = subscriptionTransport{}

func (subscriptionTransport) ExtensionName() string                   { return "SubscriptionTransport" }
func (subscriptionTransport) Validate(graphql.ExecutableSchema) error { return nil }
func (subscriptionTransport) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation != nil && oc.Operation.Operation == ast.Subscription && ctx.Value(overHTTPKey{}) != nil {
		return limitError(codeBadRequest, "subscriptions need a websocket (graphql-transport-ws) on GET /api/graphql")
	}
	return nil
}

func limitError(code, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    fmt.Sprintf(format, args...),
		Extensions: map[string]any{"code": code},
	}
}

// Bounds of argument values, which variables can make as large as the
// request body: a list (an ID filter, say) would otherwise become one SQL
// parameter per item, past what PostgreSQL accepts, and deep and/or filters
// become deep predicate trees.
const (
	// MaxListArgument is the most variables a pipeline takes, the longest
	// list any field needs.
	MaxListArgument  = pipelines.MaxVariables
	MaxArgumentDepth = 10
)

// argumentGuard refuses arguments holding a NUL character (PostgreSQL
// cannot store one in a text column), a list longer than MaxListArgument or
// input objects nested deeper than MaxArgumentDepth, with BAD_USER_INPUT
// before the field resolves, instead of an internal error from the database.
type argumentGuard struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.FieldInterceptor
} = argumentGuard{}

func (argumentGuard) ExtensionName() string                   { return "ArgumentGuard" }
func (argumentGuard) Validate(graphql.ExecutableSchema) error { return nil }
func (argumentGuard) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	if fc := graphql.GetFieldContext(ctx); fc != nil && len(fc.Args) > 0 {
		if problem := argumentProblem(reflect.ValueOf(fc.Args), 0); problem != "" {
			return nil, kickoff.Errorf(kickoff.EInvalid, "%s", problem)
		}
	}
	return next(ctx)
}

// argumentProblem walks decoded arguments — strings, pointers, maps, slices
// and gqlgen's input structs — and says what is out of bounds, or "". depth
// counts containers (maps, lists, input objects); the field's argument map
// itself is depth 0.
func argumentProblem(v reflect.Value, depth int) string {
	if !v.IsValid() {
		return ""
	}
	if depth > MaxArgumentDepth {
		return fmt.Sprintf("arguments must not nest deeper than %d levels", MaxArgumentDepth)
	}
	switch v.Kind() {
	case reflect.String:
		if strings.IndexByte(v.String(), 0) >= 0 {
			return "arguments must not contain NUL characters"
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return argumentProblem(v.Elem(), depth)
		}
	case reflect.Slice, reflect.Array:
		if v.Len() > MaxListArgument {
			return fmt.Sprintf("a list argument holds at most %d items, got %d", MaxListArgument, v.Len())
		}
		for i := range v.Len() {
			if p := argumentProblem(v.Index(i), depth+1); p != "" {
				return p
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if p := argumentProblem(it.Key(), depth+1); p != "" {
				return p
			}
			if p := argumentProblem(it.Value(), depth+1); p != "" {
				return p
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				if p := argumentProblem(v.Field(i), depth+1); p != "" {
					return p
				}
			}
		}
	}
	return ""
}

// visibilityFilter turns on authz's row filter for every field but the
// mutations themselves: whatever a field loads — an edge, a connection, its
// totalCount — holds only what node(id:) would show the viewer. Mutations
// are domain actions that authorize explicitly (and tell forbidden from
// not found); the fields of their payloads are filtered like any other.
// levelCache gives each query (not mutations, whose changes of membership
// later fields must see; not subscriptions, which outlive any answer) one
// access-level cache, so list rows share their viewer's and owners' levels.
type levelCache struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = levelCache{}

func (levelCache) ExtensionName() string                   { return "LevelCache" }
func (levelCache) Validate(graphql.ExecutableSchema) error { return nil }
func (levelCache) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Query {
		ctx = authz.WithLevelCache(ctx)
	}
	return next(ctx)
}

type visibilityFilter struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.FieldInterceptor
} = visibilityFilter{}

func (visibilityFilter) ExtensionName() string                   { return "VisibilityFilter" }
func (visibilityFilter) Validate(graphql.ExecutableSchema) error { return nil }
func (visibilityFilter) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Object == "Mutation" {
		return next(ctx)
	}
	return next(authz.WithVisibility(ctx))
}
