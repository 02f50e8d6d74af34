// Package webhooks manages project webhooks (GitLab's project hooks): who
// may create and edit them, the GitLab Pipeline Hook each pipeline change
// sends, the outbox row written in that change's transaction, and the
// delivery workers that send, sign, retry and record it.
//
// Secrets — the URL (it may hold credentials), X-Gitlab-Token, custom
// header values and the signing secrets — are stored sealed by the keyring,
// bound to the hook's UUID, and never returned after creation.
package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/audit"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/projects"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/webhook"
	"github.com/kickoff-ci/kickoff/ent/webhookdelivery"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/keyring"
	"github.com/kickoff-ci/kickoff/internal/outbound"
)

// Config tunes delivery; zero fields take the defaults below.
type Config struct {
	// Policy says which destinations are refused (internal networks unless
	// --webhook-allowed-networks opens them).
	Policy outbound.Policy
	// WebURL links a pipeline in the web app (object_attributes.url).
	WebURL func(*ent.Project, *ent.Pipeline) string
	// PublicURL is where users reach Kickoff (project web_url, X-Gitlab-Instance).
	PublicURL *url.URL
	// UserAgent is sent with every delivery, e.g. "Kickoff/1.2.3".
	UserAgent string
	// FirstRetry is the wait before the second attempt; each further wait
	// is four times the previous one, up to MaxRetryWait.
	FirstRetry   time.Duration
	MaxRetryWait time.Duration
	// MaxAttempts bounds the attempts of one event (the first included).
	MaxAttempts int
	// DisableAfter is how many failed attempts in a row disable a hook.
	DisableAfter int
	// Retention is how long finished deliveries are kept.
	Retention time.Duration
	// Poll is how often workers look for due deliveries queued by other
	// replicas or due for a retry; this replica's own wake them at once.
	Poll time.Duration
	// SecretGrace is how long a rotated-out signing secret still signs.
	SecretGrace time.Duration
	Logger      *slog.Logger
}

// Defaults: 8 attempts over about 23 hours (30 s, 2 m, 8 m, 32 m, 2 h 8 m,
// 8 h 32 m, 12 h), GitLab's 40 failures before a hook is disabled.
const (
	DefaultFirstRetry   = 30 * time.Second
	DefaultMaxRetryWait = 12 * time.Hour
	DefaultMaxAttempts  = 8
	DefaultDisableAfter = 40
	DefaultRetention    = 14 * 24 * time.Hour
	DefaultPoll         = time.Second
	DefaultSecretGrace  = 24 * time.Hour
)

func (c Config) withDefaults() Config {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&c.FirstRetry, DefaultFirstRetry)
	set(&c.MaxRetryWait, DefaultMaxRetryWait)
	set(&c.Retention, DefaultRetention)
	set(&c.Poll, DefaultPoll)
	set(&c.SecretGrace, DefaultSecretGrace)
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.DisableAfter <= 0 {
		c.DisableAfter = DefaultDisableAfter
	}
	if c.UserAgent == "" {
		c.UserAgent = "Kickoff"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.PublicURL == nil {
		c.PublicURL = &url.URL{Scheme: "http", Host: "localhost"}
	}
	return c
}

// Service is the webhook domain.
type Service struct {
	client   *ent.Client
	keys     *keyring.Keyring
	projects *projects.Service
	cfg      Config
	sender   *outbound.Sender
	wake     chan struct{}
	now      func() time.Time
	stats    stats
}

// New returns the webhook service.
func New(client *ent.Client, keys *keyring.Keyring, projects *projects.Service, cfg Config) *Service {
	cfg = cfg.withDefaults()
	return &Service{
		client: client, keys: keys, projects: projects, cfg: cfg,
		sender: outbound.NewSender(cfg.Policy),
		wake:   make(chan struct{}, 1),
		now:    func() time.Time { return time.Now().UTC() },
	}
}

// Header is a custom header sent with each delivery.
type Header struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Input is a hook's settings; nil fields are left as they are (on
// create: their defaults).
type Input struct {
	URL                   *string
	Name                  *string
	Description           *string
	Token                 *string // "" removes it
	PipelineEvents        *bool
	EnableSSLVerification *bool
	CustomHeaders         *[]Header
	Statuses              *[]string
	RefGlobs              *[]string
}

// Created is a new hook with its signing secret, shown this once.
type Created struct {
	Hook          *ent.Webhook
	SigningSecret string
}

var errHookNotFound = kickoff.Errorf(kickoff.ENotFound, "hook not found")

// IsHookNotFound tells a missing hook from a missing project.
func IsHookNotFound(err error) bool { return err == errHookNotFound }

// sealKind names what a sealed value is, so one cannot be swapped for another.
type sealKind string

const (
	sealURL     sealKind = "url"
	sealToken   sealKind = "token"
	sealHeaders sealKind = "headers"
	sealSecret  sealKind = "signing-secret"
)

func additional(hookUUID string, k sealKind) []byte {
	return []byte("webhook:" + hookUUID + ":" + string(k))
}

func (s *Service) seal(hookUUID string, k sealKind, plain []byte) ([]byte, error) {
	sealed, err := s.keys.Seal(plain, additional(hookUUID, k))
	if err != nil {
		return nil, fmt.Errorf("sealing webhook %s: %w", k, err)
	}
	return sealed, nil
}

func (s *Service) open(hookUUID string, k sealKind, sealed []byte) ([]byte, error) {
	plain, err := s.keys.Open(sealed, additional(hookUUID, k))
	if err != nil {
		return nil, fmt.Errorf("opening webhook %s: %w", k, err)
	}
	return plain, nil
}

// newSigningSecret is a Standard Webhooks secret: whsec_ and 32 random bytes.
func newSigningSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating signing secret: %w", err)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(b), nil
}

// List returns the query of the project's hooks (Maintainer).
func (s *Service) List(ctx context.Context, projectRef string) (*ent.WebhookQuery, *ent.Project, error) {
	p, _, err := s.projects.Authorized(ctx, projectRef, authz.ManageProject)
	if err != nil {
		return nil, nil, err
	}
	return database.ClientFrom(ctx, s.client).Webhook.Query().Where(webhook.ProjectID(p.ID)), p, nil
}

// Get returns one of the project's hooks (Maintainer).
func (s *Service) Get(ctx context.Context, projectRef string, id int) (*ent.Webhook, error) {
	q, _, err := s.List(ctx, projectRef)
	if err != nil {
		return nil, err
	}
	h, err := q.Where(webhook.ID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errHookNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("loading hook: %w", err)
	}
	return h, nil
}

// ByID returns a hook by ID for a viewer who may manage its project.
func (s *Service) ByID(ctx context.Context, id int) (*ent.Webhook, error) {
	c := database.ClientFrom(ctx, s.client)
	h, err := c.Webhook.Query().Where(webhook.ID(id)).Only(authz.WithoutVisibility(ctx))
	if ent.IsNotFound(err) {
		return nil, errHookNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("loading hook: %w", err)
	}
	if _, err := authz.Authorize(ctx, c, h.ProjectID, authz.ManageProject); err != nil {
		if kickoff.ErrorCode(err) == kickoff.ENotFound {
			return nil, errHookNotFound
		}
		return nil, err
	}
	return h, nil
}

// Create adds a hook to the project (Maintainer) and returns its signing
// secret, shown this once.
func (s *Service) Create(ctx context.Context, projectRef string, in Input) (Created, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, c *ent.Client) (Created, error) {
		p, _, err := s.projects.Authorized(ctx, projectRef, authz.ManageProject)
		if err != nil {
			return Created{}, err
		}
		if in.URL == nil {
			return Created{}, kickoff.Errorf(kickoff.EInvalid, "url is missing")
		}
		if n, err := c.Webhook.Query().Where(webhook.ProjectID(p.ID)).Count(ctx); err != nil || n >= MaxHooksPerProject {
			if err != nil {
				return Created{}, fmt.Errorf("counting hooks: %w", err)
			}
			return Created{}, kickoff.Errorf(kickoff.EInvalid, "a project has at most %d webhooks", MaxHooksPerProject)
		}
		v, err := s.validate(in, settings{PipelineEvents: true, EnableSSLVerification: true})
		if err != nil {
			return Created{}, err
		}
		id := uuid.NewString()
		secret, err := newSigningSecret()
		if err != nil {
			return Created{}, err
		}
		create := c.Webhook.Create().SetUUID(id).SetProjectID(p.ID).SetCreatorID(authz.UserFrom(ctx).ID)
		if err := s.apply(id, v, &webhookSetter{create: create}); err != nil {
			return Created{}, err
		}
		sealed, err := s.seal(id, sealSecret, []byte(secret))
		if err != nil {
			return Created{}, err
		}
		h, err := create.SetSigningSecretSealed(sealed).Save(ctx)
		if err != nil {
			return Created{}, fmt.Errorf("creating hook: %w", err)
		}
		return Created{Hook: h, SigningSecret: secret}, s.record(ctx, c, h, "webhook.created", "")
	})
}

// Update edits a hook (Maintainer). Editing a disabled hook enables it
// again, as in GitLab.
func (s *Service) Update(ctx context.Context, projectRef string, id int, in Input) (*ent.Webhook, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, c *ent.Client) (*ent.Webhook, error) {
		h, err := s.Get(ctx, projectRef, id)
		if err != nil {
			return nil, err
		}
		return s.update(ctx, c, h, in)
	})
}

// UpdateByID is Update for a hook named by its ID alone (GraphQL).
func (s *Service) UpdateByID(ctx context.Context, id int, in Input) (*ent.Webhook, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, c *ent.Client) (*ent.Webhook, error) {
		h, err := s.ByID(ctx, id)
		if err != nil {
			return nil, err
		}
		return s.update(ctx, c, h, in)
	})
}

func (s *Service) update(ctx context.Context, c *ent.Client, h *ent.Webhook, in Input) (*ent.Webhook, error) {
	if in.URL != nil && strings.TrimSpace(*in.URL) == h.URL {
		// The URL as shown (secrets as ****), sent back by a client that
		// read the hook and writes it again: keep the stored one.
		in.URL = nil
	}
	if err := s.keepSecretsAtHome(h, &in); err != nil {
		return nil, err
	}
	v, err := s.validate(in, current(h))
	if err != nil {
		return nil, err
	}
	upd := c.Webhook.UpdateOne(h)
	if err := s.apply(h.UUID, v, &webhookSetter{update: upd}); err != nil {
		return nil, err
	}
	reason := ""
	if h.DisabledAt != nil {
		upd.ClearDisabledAt().SetDisabledReason("").SetConsecutiveFailures(0)
		reason = "enabled again by an edit"
	}
	h, err = upd.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("updating hook: %w", err)
	}
	return h, s.record(ctx, c, h, "webhook.updated", reason)
}

// keepSecretsAtHome drops the token and custom headers when an edit sends
// the hook to another origin (scheme, host or port) without giving them
// again: write-only secrets set by one Maintainer must not be collected by
// another who points the hook at their own server and presses Test.
func (s *Service) keepSecretsAtHome(h *ent.Webhook, in *Input) error {
	if in.URL == nil || (in.Token != nil && in.CustomHeaders != nil) {
		return nil
	}
	old, err := s.open(h.UUID, sealURL, h.URLSealed)
	if err != nil {
		return err
	}
	was, err1 := url.Parse(string(old))
	now, err2 := url.Parse(strings.TrimSpace(*in.URL))
	if err1 == nil && err2 == nil && was.Scheme == now.Scheme && strings.EqualFold(was.Host, now.Host) {
		return nil
	}
	if in.Token == nil {
		in.Token = new(string)
	}
	if in.CustomHeaders == nil {
		in.CustomHeaders = &[]Header{}
	}
	return nil
}

// Delete removes a hook and its delivery log (Maintainer).
func (s *Service) Delete(ctx context.Context, projectRef string, id int) error {
	_, err := database.InTx(ctx, s.client, func(ctx context.Context, c *ent.Client) (*ent.Webhook, error) {
		h, err := s.Get(ctx, projectRef, id)
		if err != nil {
			return nil, err
		}
		return h, s.delete(ctx, c, h)
	})
	return err
}

// DeleteByID is Delete for a hook named by its ID alone (GraphQL).
func (s *Service) DeleteByID(ctx context.Context, id int) (*ent.Webhook, error) {
	return database.InTx(ctx, s.client, func(ctx context.Context, c *ent.Client) (*ent.Webhook, error) {
		h, err := s.ByID(ctx, id)
		if err != nil {
			return nil, err
		}
		return h, s.delete(ctx, c, h)
	})
}

func (s *Service) delete(ctx context.Context, c *ent.Client, h *ent.Webhook) error {
	if _, err := c.WebhookDelivery.Delete().Where(webhookdelivery.WebhookID(h.ID)).Exec(ctx); err != nil {
		return fmt.Errorf("deleting deliveries: %w", err)
	}
	if err := c.Webhook.DeleteOne(h).Exec(ctx); err != nil {
		return fmt.Errorf("deleting hook: %w", err)
	}
	return s.record(ctx, c, h, "webhook.deleted", "")
}

// RotateSigningSecret gives the hook a new signing secret, returned this
// once; the old one still signs (a second signature) for Config.SecretGrace.
func (s *Service) RotateSigningSecret(ctx context.Context, id int) (string, *ent.Webhook, error) {
	var secret string
	h, err := database.InTx(ctx, s.client, func(ctx context.Context, c *ent.Client) (*ent.Webhook, error) {
		h, err := s.ByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if secret, err = newSigningSecret(); err != nil {
			return nil, err
		}
		sealed, err := s.seal(h.UUID, sealSecret, []byte(secret))
		if err != nil {
			return nil, err
		}
		h, err = c.Webhook.UpdateOne(h).SetSigningSecretSealed(sealed).
			SetPreviousSigningSecretSealed(h.SigningSecretSealed).
			SetPreviousSigningSecretExpiresAt(s.now().Add(s.cfg.SecretGrace)).Save(ctx)
		if err != nil {
			return nil, fmt.Errorf("rotating signing secret: %w", err)
		}
		return h, s.record(ctx, c, h, "webhook.secret_rotated",
			fmt.Sprintf("the previous secret signs until %s", h.PreviousSigningSecretExpiresAt.Format(time.RFC3339)))
	})
	return secret, h, err
}

func (s *Service) record(ctx context.Context, c *ent.Client, h *ent.Webhook, action, reason string) error {
	return audit.Record(ctx, c, audit.Event{Action: action, Outcome: audit.Success, Reason: reason,
		ProjectID: &h.ProjectID, TargetType: "Webhook", TargetID: &h.ID})
}

// present is a nillable sealed column's value, nil when NULL (ent scans a
// NULL blob as a pointer to an empty slice).
func present(b *[]byte) []byte {
	if b == nil || len(*b) == 0 {
		return nil
	}
	return *b
}

// CustomHeaders opens a hook's custom headers (values included: for
// delivery only, never shown).
func (s *Service) customHeaders(h *ent.Webhook) ([]Header, error) {
	sealed := present(h.CustomHeadersSealed)
	if sealed == nil {
		return nil, nil
	}
	plain, err := s.open(h.UUID, sealHeaders, sealed)
	if err != nil {
		return nil, err
	}
	var hs []Header
	if err := json.Unmarshal(plain, &hs); err != nil {
		return nil, fmt.Errorf("decoding custom headers: %w", err)
	}
	return hs, nil
}
