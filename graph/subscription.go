package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// closeGrace is how long endSocket lets gqlgen send the subscription's error
// before closing the socket; gqlgen offers no hook for "sent".
const closeGrace = 500 * time.Millisecond

// socketCloserKey holds the function that closes the whole websocket.
type socketCloserKey struct{}

// initSocket runs on connection_init. It gives the socket a context whose
// cancellation closes it (gqlgen closes a socket when the context its
// InitFunc returned ends), for endSocket.
func initSocket(ctx context.Context, _ transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	ctx, closeSocket := context.WithCancel(ctx)
	return context.WithValue(ctx, socketCloserKey{}, closeSocket), nil, nil
}

// endSocket ends a subscription whose viewer may no longer see what it
// streams (blocked, removed from the project) or that failed, and closes
// its socket: every operation on a socket runs as the viewer authenticated
// at its upgrade, so a socket of a blocked user must not stay open for more
// queries. The client gets the error, then the close; reconnecting
// authenticates afresh.
func (r *Resolver) endSocket(ctx context.Context, err error) {
	transport.AddSubscriptionError(ctx, presentError(r.logger)(ctx, err))
	if closeSocket, ok := ctx.Value(socketCloserKey{}).(context.CancelFunc); ok {
		time.AfterFunc(closeGrace, closeSocket)
	}
}
