package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Limit errors are protocol errors: gqlgen answers them with 422, like
// parse and validation failures, not 200.
const (
	codeQueryTooLong = "QUERY_TOO_LONG"
	codeQueryTooDeep = "QUERY_TOO_DEEP"
	codeComplexity   = "COMPLEXITY_LIMIT_EXCEEDED" // gqlgen's own code
)

func init() {
	for _, code := range []string{codeQueryTooLong, codeQueryTooDeep, codeComplexity} {
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

func limitError(code, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    fmt.Sprintf(format, args...),
		Extensions: map[string]any{"code": code},
	}
}
