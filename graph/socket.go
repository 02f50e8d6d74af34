package graph

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
)

// Close codes of the GraphQL over WebSocket protocol (graphql-ws).
const (
	// closeUnauthorized: the socket's credential stopped working (session
	// ended, token revoked, user blocked).
	closeUnauthorized = 4401
	// closeForbidden: the viewer may no longer see what a subscription streams.
	closeForbidden = 4403
	// closeInternal: the server failed; reconnecting may work.
	closeInternal = 4500

	closeReasonUnauthorized = "Unauthorized: the credential is no longer valid"
)

// DefaultCredentialRecheck is how often an open websocket's credential is
// checked again when no operation arrives to check it.
const DefaultCredentialRecheck = 30 * time.Second

// closeGrace is how long a socket that is being ended lets gqlgen send the
// client its error before closing; gqlgen offers no hook for "sent".
const closeGrace = 500 * time.Millisecond

// socket is one websocket connection's state, shared by its HTTP request,
// its connection and the operations run on it: it knows how to end the
// connection and with which close code.
type socket struct {
	mu     sync.Mutex
	code   int
	reason string
	cancel context.CancelFunc
}

type socketKey struct{}

func socketFrom(ctx context.Context) *socket {
	s, _ := ctx.Value(socketKey{}).(*socket)
	return s
}

// withSocket gives every websocket upgrade its socket state.
func withSocket(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			r = r.WithContext(context.WithValue(r.Context(), socketKey{}, &socket{}))
		}
		next.ServeHTTP(w, r)
	})
}

// end closes the socket with code after closeGrace. The first reason wins.
func (s *socket) end(code int, reason string) {
	s.mu.Lock()
	if s.code == 0 {
		s.code, s.reason = code, reason
	}
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		time.AfterFunc(closeGrace, cancel)
	}
}

// closeCode is the code and reason to close with: ours once end was
// called, else what gqlgen chose.
func (s *socket) closeCode(code int, reason string) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.code != 0 {
		return s.code, s.reason
	}
	return code, reason
}

// socketImplementation accepts websockets with coder/websocket and lets the
// socket choose the close code: gqlgen closes every socket whose context
// ends with 1000 "terminated", which would tell a client nothing about why.
type socketImplementation struct {
	transport.CoderWebsocketImplementation
}

func (i socketImplementation) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	conn, err := i.CoderWebsocketImplementation.Accept(w, r, opts)
	if err != nil {
		return nil, err
	}
	return &socketConn{WebsocketConn: conn, socket: socketFrom(r.Context())}, nil
}

type socketConn struct {
	transport.WebsocketConn
	socket *socket
}

func (c *socketConn) WriteClose(code int, reason string) error {
	if c.socket != nil {
		code, reason = c.socket.closeCode(code, reason)
	}
	return c.WebsocketConn.WriteClose(code, reason)
}

// SetReadLimit and SetReadDeadline pass on what gqlgen finds by type
// assertion; without them the message size limit would silently go.
func (c *socketConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

func (c *socketConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

// reauthenticator checks that a viewer's credential still works and
// returns the viewer as it is now (identity.Service.Reauthenticate).
type reauthenticator func(ctx context.Context, v *authz.Viewer) (*authz.Viewer, error)

// socketGuard keeps a websocket's credential honest: every operation on it
// runs as the viewer reloaded from its credential, and a watcher checks the
// credential every interval between operations. When the credential is
// gone, the socket closes with 4401.
type socketGuard struct {
	reauth   reauthenticator
	interval time.Duration
	onError  func(ctx context.Context, err error)
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = socketGuard{}

func (socketGuard) ExtensionName() string                   { return "SocketGuard" }
func (socketGuard) Validate(graphql.ExecutableSchema) error { return nil }
func (g socketGuard) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	sock := socketFrom(ctx)
	if sock == nil { // not a websocket
		return next(ctx)
	}
	v, err := g.check(ctx, sock)
	if err != nil {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{err}})
	}
	return next(authz.WithViewer(ctx, v))
}

// check reauthenticates the socket's viewer, ending the socket when the
// credential is gone. A failure to check (the database, say) is logged and
// leaves the socket open: the next check decides.
func (g socketGuard) check(ctx context.Context, sock *socket) (*authz.Viewer, *gqlerror.Error) {
	v, err := g.reauth(ctx, authz.ViewerFrom(ctx))
	switch {
	case kickoff.ErrorCode(err) == kickoff.EUnauthorized:
		sock.end(closeUnauthorized, closeReasonUnauthorized)
		e := gqlerror.Errorf("the credential of this connection is no longer valid: sign in again")
		setCode(e, "UNAUTHENTICATED")
		return nil, e
	case err != nil:
		g.onError(ctx, err)
		e := gqlerror.Errorf("internal error")
		setCode(e, "INTERNAL_SERVER_ERROR")
		return nil, e
	}
	return v, nil
}

// init is the websocket's connection_init: it gives the socket a context
// whose cancellation closes it (gqlgen closes a socket when the context its
// InitFunc returned ends) and starts the periodic check.
func (g socketGuard) init(ctx context.Context, _ transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	sock := socketFrom(ctx)
	if sock == nil {
		return ctx, nil, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	sock.mu.Lock()
	sock.cancel = cancel
	sock.mu.Unlock()
	go g.watch(ctx, sock)
	return ctx, nil, nil
}

func (g socketGuard) watch(ctx context.Context, sock *socket) {
	t := time.NewTicker(g.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// A refused credential ends the socket, and so ctx.
			g.check(ctx, sock)
		}
	}
}

// endSocket ends a subscription whose viewer may no longer see what it
// streams (blocked: 4401, removed from the project: 4403) or that failed
// (4500), and closes its socket: the client gets the error, then the
// close; reconnecting authenticates afresh.
func (r *Resolver) endSocket(ctx context.Context, err error) {
	transport.AddSubscriptionError(ctx, presentError(r.logger)(ctx, err))
	sock := socketFrom(ctx)
	switch {
	case sock == nil:
	case kickoff.ErrorCode(err) == kickoff.EUnauthorized:
		sock.end(closeUnauthorized, closeReasonUnauthorized)
	case kickoff.ErrorCode(err) == kickoff.EInternal:
		sock.end(closeInternal, "Internal Server Error")
	default:
		sock.end(closeForbidden, "Forbidden")
	}
}
