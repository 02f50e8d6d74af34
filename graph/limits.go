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
	"github.com/kickoff-ci/kickoff/authz"
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

// textGuard refuses arguments holding a NUL character: PostgreSQL cannot
// store one in a text column, so it would otherwise surface as an internal
// error instead of a clear BAD_USER_INPUT.
type textGuard struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.FieldInterceptor
} = textGuard{}

func (textGuard) ExtensionName() string                   { return "TextGuard" }
func (textGuard) Validate(graphql.ExecutableSchema) error { return nil }
func (textGuard) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	if fc := graphql.GetFieldContext(ctx); fc != nil && len(fc.Args) > 0 && holdsNUL(fc.Args) {
		return nil, kickoff.Errorf(kickoff.EInvalid, "arguments must not contain NUL characters")
	}
	return next(ctx)
}

// holdsNUL walks decoded arguments — strings, pointers, maps, slices and
// gqlgen's input structs — for a NUL character.
func holdsNUL(v any) bool { return valueHoldsNUL(reflect.ValueOf(v), 0) }

func valueHoldsNUL(v reflect.Value, depth int) bool {
	if depth > 32 || !v.IsValid() {
		return false
	}
	switch v.Kind() {
	case reflect.String:
		return strings.IndexByte(v.String(), 0) >= 0
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && valueHoldsNUL(v.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if valueHoldsNUL(v.Index(i), depth+1) {
				return true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if valueHoldsNUL(it.Key(), depth+1) || valueHoldsNUL(it.Value(), depth+1) {
				return true
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && valueHoldsNUL(v.Field(i), depth+1) {
				return true
			}
		}
	}
	return false
}

// visibilityFilter turns on authz's row filter for every field but the
// mutations themselves: whatever a field loads — an edge, a connection, its
// totalCount — holds only what node(id:) would show the viewer. Mutations
// are domain actions that authorize explicitly (and tell forbidden from
// not found); the fields of their payloads are filtered like any other.
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
