package graph

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
)

// Limits of SPEC §7. They hold for every operation, introspection included.
const (
	MaxComplexity          = 250
	MaxAnonymousComplexity = 200
	MaxDepth               = 15
	MaxQueryLength         = 10_000
	// MaxParserTokens bounds the work of parsing (CVE-2023-49559). GraphiQL's
	// introspection query has about 400 tokens; real queries far fewer.
	MaxParserTokens = 2_000
	// Timeout bounds one query or mutation; subscriptions live longer.
	Timeout = 30 * time.Second
)

// HandlerOption changes NewHandler's defaults.
type HandlerOption func(*handlerOptions)

type handlerOptions struct{ recheck time.Duration }

// WithCredentialRecheck sets how often an open websocket's credential (and
// a subscription's access to its project) is checked again between
// operations; the default is DefaultCredentialRecheck.
func WithCredentialRecheck(d time.Duration) HandlerOption {
	return func(o *handlerOptions) { o.recheck = d }
}

// NewHandler returns the GraphQL endpoint: POST and GET for queries and
// mutations, graphql-transport-ws for subscriptions, with the limits above.
// Authentication, CSRF checks and the body size limit are the HTTP layer's.
func NewHandler(client *ent.Client, svc Services, logger *slog.Logger, opts ...HandlerOption) http.Handler {
	o := handlerOptions{recheck: DefaultCredentialRecheck}
	for _, opt := range opts {
		opt(&o)
	}
	client.Intercept(authz.VisibilityInterceptor())
	srv := handler.New(NewExecutableSchema(Config{Resolvers: &Resolver{client: client, svc: svc, logger: logger, recheck: o.recheck}}))
	guard := socketGuard{
		reauth:   svc.Identity.Reauthenticate,
		interval: o.recheck,
		onError: func(ctx context.Context, err error) {
			logger.ErrorContext(ctx, "checking a websocket's credential failed", "err", err)
		},
	}
	srv.AddTransport(transport.Websocket{
		KeepAlivePingInterval: 15 * time.Second,
		InitTimeout:           10 * time.Second,
		InitFunc:              guard.init,
		// coder/websocket accepts same-origin upgrades only, which keeps a
		// cookie-authenticated socket out of reach of other sites.
		Implementation: socketImplementation{transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{}}},
	})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})

	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(MaxParserTokens)
	srv.Use(extension.Introspection{})
	srv.Use(queryLengthLimit{max: MaxQueryLength})
	srv.Use(depthLimit{max: MaxDepth})
	srv.Use(subscriptionTransport{})
	srv.Use(guard)
	srv.Use(&costLimit{limit: complexityLimit})
	srv.Use(pageSizeGuard{})
	srv.Use(argumentGuard{})
	srv.Use(visibilityFilter{})
	srv.Use(levelCache{})
	srv.Use(transactioner{client: client})
	srv.SetErrorPresenter(presentError(logger))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		logger.ErrorContext(ctx, "panic in GraphQL resolver", "panic", v)
		return errors.New("internal error")
	})
	return withSocket(withTimeout(srv))
}

func complexityLimit(ctx context.Context) int {
	if authz.UserFrom(ctx) == nil {
		return MaxAnonymousComplexity
	}
	return MaxComplexity
}

// withTimeout bounds queries and mutations; websocket upgrades (subscriptions)
// are long-lived by design and keep their own keep-alives.
func withTimeout(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), overHTTPKey{}, true), Timeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// overHTTPKey marks operations that came as plain HTTP requests, which
// cannot carry a subscription's stream of events.
type overHTTPKey struct{}

// errorCodes maps domain error codes to GraphQL extensions.code values.
var errorCodes = map[string]string{
	kickoff.EUnauthorized: "UNAUTHENTICATED",
	kickoff.EForbidden:    "FORBIDDEN",
	kickoff.ENotFound:     "NOT_FOUND",
	kickoff.EInvalid:      "BAD_USER_INPUT",
	kickoff.EConflict:     "CONFLICT",
	kickoff.ERateLimited:  "RATE_LIMITED",
}

// presentError shows domain errors with their code, keeps gqlgen's own input
// errors, and hides everything else behind "internal error" (logged), so no
// SQL or stack detail reaches a client.
func presentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := graphql.DefaultErrorPresenter(ctx, err)
		var domain *kickoff.Error
		var gqlErr *gqlerror.Error
		switch {
		case errors.As(err, &domain):
			out.Message = domain.Message
			setCode(out, errorCodes[domain.Code])
		case ent.IsValidationError(err):
			setCode(out, "BAD_USER_INPUT")
		case errors.Is(err, context.DeadlineExceeded):
			out.Message = "the request took too long"
			setCode(out, "TIMEOUT")
		case errors.As(err, &gqlErr) && (gqlErr.Err == nil || badArguments(ctx)):
			// gqlgen's own errors (input coercion, unknown enum values) are
			// about the request and safe to show.
			if out.Extensions["code"] == nil {
				setCode(out, "BAD_USER_INPUT")
			}
		default:
			logger.ErrorContext(ctx, "GraphQL resolver failed", "path", out.Path.String(), "err", err)
			out.Message = "internal error"
			setCode(out, "INTERNAL_SERVER_ERROR")
		}
		return out
	}
}

// badArguments reports whether the error being presented came from decoding
// the current field's arguments (a malformed cursor, say): gqlgen leaves the
// field's Args unset exactly then. Such errors are the client's, not ours.
func badArguments(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	return fc != nil && fc.Field.Field != nil && len(fc.Field.Arguments) > 0 && fc.Args == nil
}

func setCode(e *gqlerror.Error, code string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
}
