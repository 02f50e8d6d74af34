package graph

import (
	"context"
	"math"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/kickoff-ci/kickoff"
)

// Page sizes of connections (SPEC: a page holds at most MaxPageSize items).
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
	// MaxNodeIDs bounds nodes(ids:).
	MaxNodeIDs = 100
	// costUnit is how many list items one unit of cost buys: a field under
	// lists whose page sizes multiply to P costs P/costUnit (1 outside lists).
	costUnit = 40
	// Introspection has its own flat price: __schema answers the whole schema
	// (GraphiQL's query, a few thousand values) and costs introspectionCost,
	// so one introspection passes either limit but two aliased copies plus
	// anything else, or 40, do not. __type answers one type.
	introspectionCost     = 100
	introspectionTypeCost = 10
	// A job log's content is priced as one value per logCostBytes of the
	// limit it asks for, so a query admitted answers at most about
	// 10,000×logCostBytes bytes of logs.
	logCostBytes = 256
	// DefaultLogLimit and MaxLogLimit bound Pipeline.log(limit:).
	DefaultLogLimit = 64 << 10
	MaxLogLimit     = 1 << 20
)

// costLimit replaces gqlgen's ComplexityLimit (about 1 per field, blind to
// list sizes). Pricing: a field costs 1 outside lists; under connections and
// nodes(ids:) it costs P/costUnit where P is the product of the page sizes
// above it (first, or last, or DefaultPageSize when neither is given; the
// number of IDs for nodes). A query costing at most MaxComplexity thus
// answers at most MaxComplexity×costUnit = 10,000 values: every answered
// value costs at least 1/costUnit, whatever its nesting.
type costLimit struct {
	limit  func(context.Context) int
	schema *ast.Schema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*costLimit)(nil)

func (*costLimit) ExtensionName() string { return "CostLimit" }
func (c *costLimit) Validate(s graphql.ExecutableSchema) error {
	c.schema = s.Schema()
	return nil
}

func (c *costLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	limit := c.limit(ctx)
	cost, err := operationCost(oc, limit)
	if err != nil {
		return err
	}
	if cost > float64(limit) {
		return limitError(codeComplexity, "operation has complexity %.0f, which exceeds the limit of %d", math.Ceil(cost), limit)
	}
	return nil
}

// operationCost prices oc.Operation; it stops early once the cost passes
// limit. Errors are for page sizes and ID lists out of bounds.
func operationCost(oc *graphql.OperationContext, limit int) (float64, *gqlerror.Error) {
	w := costWalker{vars: oc.Variables, limit: float64(limit)}
	cost := w.set(oc.Operation.SelectionSet, 1)
	return cost, w.err
}

type costWalker struct {
	vars  map[string]any
	limit float64
	total float64
	err   *gqlerror.Error
}

func (w *costWalker) set(set ast.SelectionSet, product float64) float64 {
	var sum float64
	for _, sel := range set {
		if w.err != nil || w.total > w.limit {
			return sum
		}
		switch s := sel.(type) {
		case *ast.Field:
			sum += w.field(s, product)
		case *ast.InlineFragment:
			sum += w.set(s.SelectionSet, product)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				sum += w.set(s.Definition.SelectionSet, product)
			}
		}
	}
	return sum
}

func (w *costWalker) field(f *ast.Field, product float64) float64 {
	own := 1.0
	if product > 1 {
		own = product / costUnit
	}
	switch f.Name {
	case "__schema":
		w.total += introspectionCost
		return introspectionCost
	case "__type":
		w.total += introspectionTypeCost
		return introspectionTypeCost
	}
	w.total += own
	inner := product
	if f.Definition != nil && strings.HasSuffix(f.Definition.Type.Name(), "Connection") {
		size, err := pageSize(f.ArgumentMap(w.vars))
		if err != nil {
			w.err = err
			return own
		}
		inner *= float64(size)
	} else if f.Name == "nodes" && f.Definition != nil && f.Definition.Arguments.ForName("ids") != nil {
		ids, _ := f.ArgumentMap(w.vars)["ids"].([]any)
		if len(ids) > MaxNodeIDs {
			w.err = limitError("BAD_USER_INPUT", "nodes takes at most %d IDs, got %d", MaxNodeIDs, len(ids))
			return own
		}
		inner *= float64(max(len(ids), 1))
	} else if f.Definition != nil && f.Definition.Type.Name() == "PipelineLog" {
		limit, err := logLimit(f.ArgumentMap(w.vars))
		if err != nil {
			w.err = err
			return own
		}
		inner *= math.Ceil(float64(max(limit, 1)) / logCostBytes)
	}
	return own + w.set(f.SelectionSet, inner)
}

// logLimit is the most bytes a Pipeline.log field answers.
func logLimit(args map[string]any) (int, *gqlerror.Error) {
	v, ok := args["limit"]
	if !ok || v == nil {
		return DefaultLogLimit, nil
	}
	n, ok := toInt(v)
	if !ok || n < 0 || n > MaxLogLimit {
		return 0, limitError("BAD_USER_INPUT", "limit must be between 0 and %d", MaxLogLimit)
	}
	return n, nil
}

// pageSize is the number of items a connection answers at most.
func pageSize(args map[string]any) (int, *gqlerror.Error) {
	size := DefaultPageSize
	for _, name := range []string{"first", "last"} {
		v, ok := args[name]
		if !ok || v == nil {
			continue
		}
		n, ok := toInt(v)
		if !ok || n < 0 || n > MaxPageSize {
			return 0, limitError("BAD_USER_INPUT", "%s must be between 0 and %d", name, MaxPageSize)
		}
		size = n
	}
	return size, nil
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		return int(n), true
	case interface{ Int64() (int64, error) }:
		i, err := n.Int64()
		return int(i), err == nil
	}
	return 0, false
}

// pageSizeGuard applies DefaultPageSize to connections asked without first or
// last (entgql's Paginate would otherwise answer every row) and refuses page
// sizes out of bounds, before the resolver runs.
type pageSizeGuard struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.FieldInterceptor
} = pageSizeGuard{}

func (pageSizeGuard) ExtensionName() string                   { return "PageSizeGuard" }
func (pageSizeGuard) Validate(graphql.ExecutableSchema) error { return nil }
func (pageSizeGuard) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Definition == nil || !strings.HasSuffix(fc.Field.Definition.Type.Name(), "Connection") || fc.Args == nil {
		return next(ctx)
	}
	first, hasFirst := fc.Args["first"].(*int)
	last, _ := fc.Args["last"].(*int)
	for _, p := range []*int{first, last} {
		if p != nil && (*p < 0 || *p > MaxPageSize) {
			return nil, kickoff.Errorf(kickoff.EInvalid, "first and last must be between 0 and %d", MaxPageSize)
		}
	}
	if hasFirst && first == nil && last == nil {
		n := DefaultPageSize
		fc.Args["first"] = &n
	}
	return next(ctx)
}
