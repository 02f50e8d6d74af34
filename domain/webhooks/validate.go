package webhooks

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/outbound"
)

// Limits on what a hook may hold.
const (
	// MaxHooksPerProject is GitLab's limit.
	MaxHooksPerProject = 100
	MaxCustomHeaders   = 20
	MaxHeaderValue     = 2048
	MaxRefGlobs        = 20
	maxNameLength      = 255
	maxDescription     = 2000
	maxTokenLength     = 255
	maxHeaderKeyLength = 255
	// maxShownURL bounds the redacted URL (the webhooks.url column):
	// redaction can make a URL longer than it was.
	maxShownURL = 4096
)

// settings is a hook's settings in plain text, validated.
type settings struct {
	URL                   string
	Name, Description     string
	Token                 *string
	PipelineEvents        bool
	EnableSSLVerification bool
	CustomHeaders         []Header
	Statuses              []string
	RefGlobs              []string
	// changed marks what Input set, so apply writes only that.
	changedURL, changedToken, changedHeaders bool
}

// current is h's settings as stored (secrets are not opened: only
// replaced when Input sets them).
func current(h *ent.Webhook) settings {
	return settings{
		Name: h.Name, Description: h.Description,
		PipelineEvents: h.PipelineEvents, EnableSSLVerification: h.EnableSslVerification,
		Statuses: h.Statuses, RefGlobs: h.RefGlobs,
	}
}

// reservedHeaders are set by Kickoff on every delivery, or change how the
// request travels: custom headers may not replace them.
var reservedHeaders = []string{
	"Content-Type", "Content-Length", "Host", "User-Agent", "Idempotency-Key",
	"Connection", "Transfer-Encoding", "Te", "Trailer", "Upgrade", "Keep-Alive",
	"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature",
}

func invalid(format string, args ...any) error {
	return kickoff.Errorf(kickoff.EInvalid, format, args...)
}

// validate applies in to base and checks the result, saying what is wrong
// in words a caller can act on.
func (s *Service) validate(in Input, base settings) (settings, error) {
	v := base
	if in.URL != nil {
		u := strings.TrimSpace(*in.URL)
		if _, err := s.cfg.Policy.CheckURL(u); err != nil {
			return v, invalid("url is invalid: %s", err)
		}
		v.URL, v.changedURL = u, true
	}
	if in.Name != nil {
		v.Name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		v.Description = *in.Description
	}
	if !kickoff.CleanText(v.Name) || len([]rune(v.Name)) > maxNameLength {
		return v, invalid("name must be text of at most %d characters", maxNameLength)
	}
	if !kickoff.CleanText(v.Description) || len([]rune(v.Description)) > maxDescription {
		return v, invalid("description must be text of at most %d characters", maxDescription)
	}
	if in.Token != nil {
		if len(*in.Token) > maxTokenLength || !headerValue(*in.Token) {
			return v, invalid("token must be at most %d printable characters", maxTokenLength)
		}
		v.Token, v.changedToken = in.Token, true
	}
	if in.PipelineEvents != nil {
		v.PipelineEvents = *in.PipelineEvents
	}
	if in.EnableSSLVerification != nil {
		v.EnableSSLVerification = *in.EnableSSLVerification
	}
	if in.CustomHeaders != nil {
		hs, err := checkHeaders(*in.CustomHeaders)
		if err != nil {
			return v, err
		}
		v.CustomHeaders, v.changedHeaders = hs, true
	}
	if in.Statuses != nil {
		st, err := checkStatuses(*in.Statuses)
		if err != nil {
			return v, err
		}
		v.Statuses = st
	}
	if in.RefGlobs != nil {
		g, err := checkGlobs(*in.RefGlobs)
		if err != nil {
			return v, err
		}
		v.RefGlobs = g
	}
	return v, nil
}

// headerValue reports whether v can travel as a header value: printable
// ASCII and spaces, no line breaks.
func headerValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

func checkHeaders(in []Header) ([]Header, error) {
	if len(in) > MaxCustomHeaders {
		return nil, invalid("custom_headers holds at most %d headers", MaxCustomHeaders)
	}
	out := make([]Header, 0, len(in))
	seen := map[string]bool{}
	for _, h := range in {
		key := http.CanonicalHeaderKey(strings.TrimSpace(h.Key))
		switch {
		case !kickoff.HeaderName(key) || len(key) > maxHeaderKeyLength:
			return nil, invalid("custom header %q is not a valid header name", kickoff.Excerpt(h.Key, 64))
		case len(h.Value) > MaxHeaderValue || !headerValue(h.Value):
			return nil, invalid("custom header %s: the value must be at most %d printable characters", key, MaxHeaderValue)
		case slices.Contains(reservedHeaders, key) || strings.HasPrefix(key, "X-Gitlab-") || strings.HasPrefix(key, "Proxy-"):
			return nil, invalid("custom header %s is set by Kickoff and cannot be replaced", key)
		case seen[key]:
			return nil, invalid("custom header %s is given twice", key)
		}
		seen[key] = true
		out = append(out, Header{Key: key, Value: h.Value})
	}
	return out, nil
}

var pipelineStatuses = []kickoff.PipelineStatus{
	kickoff.StatusCreated, kickoff.StatusPending, kickoff.StatusRunning, kickoff.StatusSuccess,
	kickoff.StatusFailed, kickoff.StatusCanceled, kickoff.StatusSkipped,
}

func checkStatuses(in []string) ([]string, error) {
	var out []string
	for _, st := range in {
		st = strings.ToLower(strings.TrimSpace(st))
		if !slices.Contains(pipelineStatuses, kickoff.PipelineStatus(st)) {
			return nil, invalid("statuses: %q is not a pipeline status (created, pending, running, success, failed, canceled, skipped)", kickoff.Excerpt(st, 32))
		}
		if !slices.Contains(out, st) {
			out = append(out, st)
		}
	}
	return out, nil
}

func checkGlobs(in []string) ([]string, error) {
	if len(in) > MaxRefGlobs {
		return nil, invalid("ref_globs holds at most %d patterns", MaxRefGlobs)
	}
	var out []string
	for _, g := range in {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		if _, err := path.Match(g, ""); err != nil || len(g) > 255 || !kickoff.CleanText(g) {
			return nil, invalid("ref_globs: %q is not a valid pattern (use * and ? as in release/*)", kickoff.Excerpt(g, 64))
		}
		out = append(out, g)
	}
	return out, nil
}

// webhookSetter writes settings to a create or an update alike.
type webhookSetter struct {
	create *ent.WebhookCreate
	update *ent.WebhookUpdateOne
}

func (w *webhookSetter) mutation() *ent.WebhookMutation {
	if w.create != nil {
		return w.create.Mutation()
	}
	return w.update.Mutation()
}

// apply seals the secrets of v that changed and sets every field.
func (s *Service) apply(hookUUID string, v settings, w *webhookSetter) error {
	m := w.mutation()
	m.SetName(v.Name)
	m.SetDescription(v.Description)
	m.SetPipelineEvents(v.PipelineEvents)
	m.SetEnableSslVerification(v.EnableSSLVerification)
	m.SetStatuses(v.Statuses)
	m.SetRefGlobs(v.RefGlobs)
	if v.changedURL {
		u, err := s.cfg.Policy.CheckURL(v.URL)
		if err != nil {
			return invalid("url is invalid: %s", err)
		}
		shown := outbound.Redacted(u)
		if len(shown) > maxShownURL {
			return invalid("url is too long")
		}
		sealed, err := s.seal(hookUUID, sealURL, []byte(v.URL))
		if err != nil {
			return err
		}
		m.SetURLSealed(sealed)
		m.SetURL(shown)
	}
	if v.changedToken {
		if *v.Token == "" {
			m.ClearTokenSealed()
		} else {
			sealed, err := s.seal(hookUUID, sealToken, []byte(*v.Token))
			if err != nil {
				return err
			}
			m.SetTokenSealed(sealed)
		}
	}
	if v.changedHeaders {
		names := make([]string, len(v.CustomHeaders))
		for i, h := range v.CustomHeaders {
			names[i] = h.Key
		}
		m.SetCustomHeaderNames(names)
		if len(v.CustomHeaders) == 0 {
			m.ClearCustomHeadersSealed()
		} else {
			plain, err := json.Marshal(v.CustomHeaders)
			if err != nil {
				return fmt.Errorf("encoding custom headers: %w", err)
			}
			sealed, err := s.seal(hookUUID, sealHeaders, plain)
			if err != nil {
				return err
			}
			m.SetCustomHeadersSealed(sealed)
		}
	}
	return nil
}
