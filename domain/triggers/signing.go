package triggers

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipelinetrigger"
	"github.com/kickoff-ci/kickoff/ent/triggersignature"
)

// Signed trigger calls send X-Kickoff-Timestamp (Unix seconds) and
// X-Kickoff-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">
// keyed with the trigger's signing secret.
const (
	TimestampHeader = "X-Kickoff-Timestamp"
	SignatureHeader = "X-Kickoff-Signature"
	// MaxSignatureAge and MaxClockSkew bound the timestamp: older calls,
	// or calls from further in the future, are refused; within the window
	// each signature is accepted once.
	MaxSignatureAge = 5 * time.Minute
	MaxClockSkew    = time.Minute
	signingPrefix   = "kos_"
)

// GitHub's webhook headers, for triggers whose receiver is github.
const (
	GitHubSignatureHeader = "X-Hub-Signature-256"
	GitHubDeliveryHeader  = "X-GitHub-Delivery"
	GitHubEventHeader     = "X-GitHub-Event"
	// GitLab's webhook headers, for triggers whose receiver is gitlab.
	GitLabTokenHeader = "X-Gitlab-Token"
	GitLabEventHeader = "X-Gitlab-Event-UUID"
)

// Signature is what a trigger call presented to prove it holds the
// trigger's signing secret.
type Signature struct {
	Timestamp string // X-Kickoff-Timestamp as sent
	Value     string // X-Kickoff-Signature as sent
	Body      []byte // the raw request body
	// GitHub is X-Hub-Signature-256, Delivery X-GitHub-Delivery and Event
	// X-GitHub-Event, as sent.
	GitHub, Delivery, Event string
	// GitLabToken is X-Gitlab-Token, GitLabEvent X-Gitlab-Event-UUID.
	GitLabToken, GitLabEvent string
	// StandardID, StandardTimestamp and StandardSignature are Standard
	// Webhooks' webhook-id, webhook-timestamp and webhook-signature.
	StandardID, StandardTimestamp, StandardSignature string
	// Header reads any request header (generic_hmac's is configured).
	Header func(name string) string
}

// DeliveryKey is the idempotency key a provider's webhook gives a call to
// t (its retries of one event share it), or "" when it gives none.
func DeliveryKey(t *ent.PipelineTrigger, sig Signature) string {
	switch {
	case !Signed(t):
	case t.Receiver == pipelinetrigger.ReceiverGithub && sig.Delivery != "":
		return "github:" + sig.Delivery
	case t.Receiver == pipelinetrigger.ReceiverGitlab && sig.GitLabEvent != "":
		return "gitlab:" + sig.GitLabEvent
	case t.Receiver == pipelinetrigger.ReceiverStandardWebhooks && sig.StandardID != "":
		return "standard-webhooks:" + sig.StandardID
	}
	return ""
}

// ErrSignature marks refused signatures (answered 401 with the message).
var ErrSignature = errors.New("trigger signature refused")

func signatureError(format string, args ...any) error {
	return errors.Join(kickoff.Errorf(kickoff.EUnauthorized, format, args...), ErrSignature)
}

// ErrSignatureReplayed refuses a signature used before in the window.
var ErrSignatureReplayed = signatureError("this %s was already used: sign each call afresh", SignatureHeader)

// Signed reports whether calls with t must be signed.
func Signed(t *ent.PipelineTrigger) bool {
	return t.SigningSecretSealed != nil && len(*t.SigningSecretSealed) > 0
}

// CheckSignature verifies sig against t's signing secret (and the previous
// one in its grace period) at now, returning the digest under which the
// signature is recorded (RecordSignature) so it is accepted once. Unsigned
// triggers accept any call: nil digest.
func (s *Service) CheckSignature(t *ent.PipelineTrigger, sig Signature, now time.Time) ([]byte, error) {
	if !Signed(t) {
		return nil, nil
	}
	switch t.Receiver {
	case pipelinetrigger.ReceiverGithub:
		return nil, s.checkGitHub(t, sig, now)
	case pipelinetrigger.ReceiverGitlab:
		return nil, s.checkGitLab(t, sig, now)
	case pipelinetrigger.ReceiverStandardWebhooks:
		return nil, s.checkStandard(t, sig, now)
	case pipelinetrigger.ReceiverGenericHmac:
		return nil, s.checkGeneric(t, sig, now)
	}
	if sig.Timestamp == "" || sig.Value == "" {
		return nil, signatureError("this trigger token requires signed calls: send %s and %s", TimestampHeader, SignatureHeader)
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(sig.Timestamp), 10, 64)
	if err != nil {
		return nil, signatureError("%s must be Unix seconds", TimestampHeader)
	}
	at := time.Unix(secs, 0)
	switch {
	case now.Sub(at) > MaxSignatureAge:
		return nil, signatureError("%s is more than %s old: sign the call when you send it", TimestampHeader, MaxSignatureAge)
	case at.Sub(now) > MaxClockSkew:
		return nil, signatureError("%s is more than %s in the future: check the caller's clock", TimestampHeader, MaxClockSkew)
	}
	got, err := sha256Header(SignatureHeader, sig.Value)
	if err != nil {
		return nil, err
	}
	ok, err := s.anySecret(t, now, func(secret []byte) bool { return hmac.Equal(got, mac(secret, sig.Timestamp, sig.Body)) })
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, signatureError("%s does not match: sign \"<timestamp>.<body>\" with the trigger's signing secret", SignatureHeader)
	}
	digest := sha256.Sum256(got)
	return digest[:], nil
}

// checkGitHub verifies GitHub's X-Hub-Signature-256: sha256=<hex HMAC of
// the body>. GitHub signs no timestamp: its retries and replays are told
// apart by X-GitHub-Delivery, which the trigger path uses as the
// idempotency key, so one delivery starts one pipeline.
func (s *Service) checkGitHub(t *ent.PipelineTrigger, sig Signature, now time.Time) error {
	if sig.GitHub == "" {
		return signatureError("this trigger token receives GitHub webhooks: set its signing secret as the webhook's secret, so GitHub sends %s", GitHubSignatureHeader)
	}
	got, err := sha256Header(GitHubSignatureHeader, sig.GitHub)
	if err != nil {
		return err
	}
	ok, err := s.anySecret(t, now, func(secret []byte) bool {
		h := hmac.New(sha256.New, secret)
		h.Write(sig.Body)
		return hmac.Equal(got, h.Sum(nil))
	})
	if err != nil {
		return err
	}
	if !ok {
		return signatureError("%s does not match the body: check the webhook's secret", GitHubSignatureHeader)
	}
	return nil
}

// checkGitLab compares GitLab's X-Gitlab-Token (the webhook's secret
// token, sent as is) with the signing secret, in constant time.
func (s *Service) checkGitLab(t *ent.PipelineTrigger, sig Signature, now time.Time) error {
	if sig.GitLabToken == "" {
		return signatureError("this trigger token receives GitLab webhooks: set its signing secret as the webhook's secret token, so GitLab sends %s", GitLabTokenHeader)
	}
	ok, err := s.anySecret(t, now, func(secret []byte) bool { return hmac.Equal([]byte(sig.GitLabToken), secret) })
	if err != nil {
		return err
	}
	if !ok {
		return signatureError("%s does not match the trigger's signing secret", GitLabTokenHeader)
	}
	return nil
}

// checkStandard verifies a Standard Webhooks signature (webhook-id,
// webhook-timestamp, webhook-signature: v1,<base64 HMAC>) with the
// reference library, which also refuses timestamps more than 5 minutes
// off; the message ID is the idempotency key (DeliveryKey).
func (s *Service) checkStandard(t *ent.PipelineTrigger, sig Signature, now time.Time) error {
	if sig.StandardID == "" || sig.StandardTimestamp == "" || sig.StandardSignature == "" {
		return signatureError("this trigger token receives Standard Webhooks: send webhook-id, webhook-timestamp and webhook-signature")
	}
	header := http.Header{}
	header.Set("webhook-id", sig.StandardID)
	header.Set("webhook-timestamp", sig.StandardTimestamp)
	header.Set("webhook-signature", sig.StandardSignature)
	var last error
	ok, err := s.anySecret(t, now, func(secret []byte) bool {
		wh, err := standardwebhooks.NewWebhook(string(secret))
		if err != nil {
			last = err
			return false
		}
		last = wh.Verify(sig.Body, header)
		return last == nil
	})
	switch {
	case err != nil:
		return err
	case ok:
		return nil
	case errors.Is(last, standardwebhooks.ErrMessageTooOld), errors.Is(last, standardwebhooks.ErrMessageTooNew):
		return signatureError("webhook-timestamp is more than 5 minutes off: sign the message when you send it")
	}
	return signatureError("webhook-signature does not match: sign \"<webhook-id>.<webhook-timestamp>.<body>\" with the trigger's signing secret")
}

// checkGeneric verifies a signature as the trigger's HMACOptions say:
// their header holds the prefix and the encoded HMAC of the body. It
// proves who sent the call, not when: the caller's Idempotency-Key is what
// makes retries one pipeline.
func (s *Service) checkGeneric(t *ent.PipelineTrigger, sig Signature, now time.Time) error {
	o := t.Hmac
	if o == nil || sig.Header == nil {
		return signatureError("this trigger token's signature settings are missing: turn signing on again with hmac options")
	}
	value := strings.TrimSpace(sig.Header(o.Header))
	if value == "" {
		return signatureError("this trigger token requires signed calls: send the signature in %s", o.Header)
	}
	encoded, ok := strings.CutPrefix(value, o.Prefix)
	if !ok {
		return signatureError("%s must start with %q", o.Header, o.Prefix)
	}
	newHash := sha256.New
	if o.Algorithm == "sha512" {
		newHash = sha512.New
	}
	matched, err := s.anySecret(t, now, func(secret []byte) bool {
		h := hmac.New(newHash, secret)
		h.Write(sig.Body)
		want := hex.EncodeToString(h.Sum(nil))
		if o.Encoding == "base64" {
			want = base64.StdEncoding.EncodeToString(h.Sum(nil))
		}
		return hmac.Equal([]byte(encoded), []byte(want))
	})
	if err != nil {
		return err
	}
	if !matched {
		return signatureError("%s does not match the body: the %s HMAC of the raw body with the trigger's signing secret, %s-encoded", o.Header, o.Algorithm, o.Encoding)
	}
	return nil
}

// CheckHMACOptions validates and completes generic_hmac settings.
func CheckHMACOptions(o *kickoff.HMACOptions) (*kickoff.HMACOptions, error) {
	if o == nil {
		return nil, kickoff.Errorf(kickoff.EInvalid, "the generic_hmac receiver needs hmac options: at least the header")
	}
	out := *o
	out.Header = http.CanonicalHeaderKey(strings.TrimSpace(out.Header))
	if out.Algorithm == "" {
		out.Algorithm = "sha256"
	}
	if out.Encoding == "" {
		out.Encoding = "hex"
	}
	switch {
	case !kickoff.HeaderName(out.Header) || len(out.Header) > 64:
		return nil, kickoff.Errorf(kickoff.EInvalid, "hmac header %q is not a header name", kickoff.Excerpt(o.Header, 64))
	case out.Algorithm != "sha256" && out.Algorithm != "sha512":
		return nil, kickoff.Errorf(kickoff.EInvalid, "hmac algorithm must be sha256 or sha512")
	case out.Encoding != "hex" && out.Encoding != "base64":
		return nil, kickoff.Errorf(kickoff.EInvalid, "hmac encoding must be hex or base64")
	case len(out.Prefix) > 32 || !kickoff.CleanText(out.Prefix) || strings.ContainsAny(out.Prefix, "\r\n"):
		return nil, kickoff.Errorf(kickoff.EInvalid, "hmac prefix must be at most 32 characters on one line")
	}
	return &out, nil
}

// sha256Header decodes "sha256=<64 hex digits>".
func sha256Header(name, value string) ([]byte, error) {
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(value), "sha256=")
	got, err := hex.DecodeString(hexSig)
	if !ok || err != nil || len(got) != sha256.Size {
		return nil, signatureError("%s must be sha256=<64 hex digits>", name)
	}
	return got, nil
}

// anySecret reports whether matches holds for one of t's signing secrets
// that verify at now.
func (s *Service) anySecret(t *ent.PipelineTrigger, now time.Time, matches func(secret []byte) bool) (bool, error) {
	for _, sealed := range s.signingSecrets(t, now) {
		secret, err := s.keys.Open(sealed, signingAD(t))
		if err != nil {
			return false, fmt.Errorf("opening trigger %d's signing secret: %w", t.ID, err)
		}
		if matches(secret) {
			return true, nil
		}
	}
	return false, nil
}

// mac is HMAC-SHA256 of "<timestamp>.<body>".
func mac(secret []byte, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(timestamp))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Sign is the X-Kickoff-Signature of body at timestamp, as callers compute it.
func Sign(secret, timestamp string, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac([]byte(secret), timestamp, body))
}

// signingSecrets are the sealed secrets that verify at now: the current
// one, and the previous one while in its grace period.
func (s *Service) signingSecrets(t *ent.PipelineTrigger, now time.Time) [][]byte {
	out := [][]byte{*t.SigningSecretSealed}
	if p := t.PreviousSigningSecretSealed; p != nil && len(*p) > 0 && t.PreviousSigningSecretExpiresAt != nil && now.Before(*t.PreviousSigningSecretExpiresAt) {
		out = append(out, *p)
	}
	return out
}

// signingAD binds a sealed signing secret to its trigger.
func signingAD(t *ent.PipelineTrigger) []byte { return []byte("trigger-signing:" + strconv.Itoa(t.ID)) }

// RecordSignature stores digest in c's transaction (the pipeline's), so a
// second call with the same signature fails on every replica; rows past
// the window are deleted on the way.
func RecordSignature(ctx context.Context, c *ent.Client, t *ent.PipelineTrigger, digest []byte, now time.Time) error {
	if digest == nil {
		return nil
	}
	err := c.TriggerSignature.Create().SetTriggerID(t.ID).SetDigest(digest).SetCreatedAt(now).Exec(ctx)
	if ent.IsConstraintError(err) {
		return ErrSignatureReplayed
	}
	if err != nil {
		return fmt.Errorf("recording signature: %w", err)
	}
	_, err = c.TriggerSignature.Delete().Where(triggersignature.TriggerID(t.ID),
		triggersignature.CreatedAtLT(now.Add(-MaxSignatureAge-MaxClockSkew))).Exec(ctx)
	if err != nil {
		return fmt.Errorf("pruning signatures: %w", err)
	}
	return nil
}

// newSigningSecret makes a secret: kos_ and 32 random bytes in hex, usable
// as is as an HMAC key by openssl and every language; for Standard
// Webhooks, whsec_ and the bytes in base64, that spec's format.
func (s *Service) newSigningSecret(t *ent.PipelineTrigger, receiver pipelinetrigger.Receiver) (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("generating signing secret: %w", err)
	}
	plain := signingPrefix + hex.EncodeToString(b)
	if receiver == pipelinetrigger.ReceiverStandardWebhooks {
		plain = "whsec_" + base64.StdEncoding.EncodeToString(b)
	}
	sealed, err := s.keys.Seal([]byte(plain), signingAD(t))
	if err != nil {
		return "", nil, fmt.Errorf("sealing signing secret: %w", err)
	}
	return plain, sealed, nil
}

// setSigning turns signing on (a new secret, returned once; the current
// one, if any, still verifies for grace) or off. Owner only, as editing.
func (s *Service) setSigning(ctx context.Context, id int, on bool, receiver *pipelinetrigger.Receiver, hmacOptions *kickoff.HMACOptions, grace time.Duration) (string, *ent.PipelineTrigger, error) {
	t, level, err := s.live(ctx, id)
	if err != nil {
		return "", nil, err
	}
	if !authz.ManagesTrigger(authz.UserFrom(ctx), t, level) {
		return "", nil, kickoff.Errorf(kickoff.EForbidden, "%s", ErrForbiddenUpdate)
	}
	if grace < 0 || grace > MaxRotationGrace {
		return "", nil, kickoff.Errorf(kickoff.EInvalid, "graceSeconds must be between 0 and %d", int(MaxRotationGrace.Seconds()))
	}
	u := t.Update()
	effective := t.Receiver
	if receiver != nil {
		if err := pipelinetrigger.ReceiverValidator(*receiver); err != nil {
			return "", nil, kickoff.Errorf(kickoff.EInvalid, "receiver must be kickoff, github, gitlab, standard_webhooks or generic_hmac")
		}
		u.SetReceiver(*receiver)
		effective = *receiver
	}
	switch {
	case effective == pipelinetrigger.ReceiverGenericHmac && (hmacOptions != nil || t.Hmac == nil):
		o, err := CheckHMACOptions(hmacOptions)
		if err != nil {
			return "", nil, err
		}
		u.SetHmac(o)
	case hmacOptions != nil && effective != pipelinetrigger.ReceiverGenericHmac:
		return "", nil, kickoff.Errorf(kickoff.EInvalid, "hmac options are for the generic_hmac receiver")
	}
	var plain string
	action := "trigger.signing_disabled"
	if on {
		var sealed []byte
		if plain, sealed, err = s.newSigningSecret(t, effective); err != nil {
			return "", nil, err
		}
		u.SetSigningSecretSealed(sealed)
		if Signed(t) && grace > 0 {
			u.SetPreviousSigningSecretSealed(*t.SigningSecretSealed).SetPreviousSigningSecretExpiresAt(s.now().Add(grace))
		} else {
			u.ClearPreviousSigningSecretSealed().ClearPreviousSigningSecretExpiresAt()
		}
		action = "trigger.signing_secret_created"
	} else {
		u.ClearSigningSecretSealed().ClearPreviousSigningSecretSealed().ClearPreviousSigningSecretExpiresAt()
	}
	if t, err = u.Save(ctx); err != nil {
		return "", nil, fmt.Errorf("changing trigger signing: %w", err)
	}
	return plain, t, s.record(ctx, action, t, fmt.Sprintf("receiver %s, grace %s", t.Receiver, grace))
}
