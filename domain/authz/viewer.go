// Package authz holds Kickoff's permission rules — who may see and do what in
// a project — and the viewer that travels in each request's context. Every
// API calls these functions; no handler or resolver decides access itself.
package authz

import (
	"context"

	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/user"
)

// Viewer is who is making a request and with which credential.
type Viewer struct {
	User *ent.User
	// CredentialKind is how the request authenticated, e.g. "session" or
	// "personal_access_token"; the audit log records it.
	CredentialKind string
	// CredentialID is the row of the credential (session or personal access
	// token), so a long-lived connection can check it is still valid.
	CredentialID int
	// ShortCredential is a non-secret prefix of the credential for the audit log.
	ShortCredential string
}

type viewerKey struct{}

// WithViewer returns a context carrying v.
func WithViewer(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the request's viewer, or nil when it is anonymous.
func ViewerFrom(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}

// UserFrom returns the signed-in active user, or nil. Blocked users count as
// anonymous: they and their tokens can do nothing.
func UserFrom(ctx context.Context) *ent.User {
	v := ViewerFrom(ctx)
	if v == nil || v.User == nil || v.User.State != user.StateActive {
		return nil
	}
	return v.User
}
