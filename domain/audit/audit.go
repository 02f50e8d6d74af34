// Package audit records security-relevant events (SPEC §9): who did what,
// from where, to which target, and whether it worked. Secrets never enter an
// event; credentials are named by kind and a short non-secret prefix, and
// token-shaped text in free-text fields is cut the same way.
package audit

import (
	"context"
	"fmt"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/auditevent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/tokens"
)

// Outcomes.
const (
	Success = auditevent.OutcomeSUCCESS
	Failure = auditevent.OutcomeFAILURE
)

// Event is one thing to record. The actor and request details come from the
// context (authz viewer, RequestInfo).
type Event struct {
	Action     string // dotted, e.g. "trigger.created"
	Outcome    auditevent.Outcome
	Reason     string
	ProjectID  *int
	TargetType string
	TargetID   *int
	// ActorTokenKind and ActorShortToken override the viewer's credential,
	// e.g. for a trigger token presented on the trigger endpoint.
	ActorTokenKind  string
	ActorShortToken string
}

// RequestInfo is where a request came from.
type RequestInfo struct {
	IP        string
	UserAgent string
}

type requestKey struct{}

// WithRequest returns a context that records events with info.
func WithRequest(ctx context.Context, info RequestInfo) context.Context {
	return context.WithValue(ctx, requestKey{}, info)
}

// Record writes e, inside the caller's transaction when there is one, so an
// action and its audit entry commit or fail together.
func Record(ctx context.Context, client *ent.Client, e Event) error {
	info, _ := ctx.Value(requestKey{}).(RequestInfo)
	c := database.ClientFrom(ctx, client).AuditEvent.Create().
		SetAction(e.Action).
		SetOutcome(e.Outcome).
		SetReason(freeText(e.Reason, 1024)).
		SetIPAddress(freeText(info.IP, 64)).
		SetUserAgent(freeText(info.UserAgent, 512)).
		SetTargetType(e.TargetType).
		SetNillableTargetID(e.TargetID).
		SetNillableProjectID(e.ProjectID)
	kind, short := e.ActorTokenKind, e.ActorShortToken
	if v := authz.ViewerFrom(ctx); v != nil {
		if v.User != nil {
			c.SetActorUserID(v.User.ID)
		}
		if kind == "" {
			kind, short = v.CredentialKind, v.ShortCredential
		}
	}
	c.SetActorTokenKind(kickoff.Clip(kind, 32)).SetActorShortToken(kickoff.Clip(short, 8))
	if err := c.Exec(ctx); err != nil {
		return fmt.Errorf("recording audit event %s: %w", e.Action, err)
	}
	return nil
}

// freeText prepares text that callers or clients chose for storage: a
// token an operator typed into the wrong field is redacted here, once for
// every caller, before clip shortens it to the column's n bytes.
func freeText(s string, n int) string {
	return kickoff.Clip(tokens.RedactText(s), n)
}
