package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"time"

	"entgo.io/ent/dialect"
	"github.com/urfave/cli/v3"

	"github.com/kickoff-ci/kickoff/domain/identity"
	"github.com/kickoff-ci/kickoff/domain/joblogs"
	"github.com/kickoff-ci/kickoff/domain/pipelines"
	"github.com/kickoff-ci/kickoff/domain/webhooks"
	"github.com/kickoff-ci/kickoff/frontend"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/events"
	"github.com/kickoff-ci/kickoff/internal/keyring"
	"github.com/kickoff-ci/kickoff/internal/outbound"
	"github.com/kickoff-ci/kickoff/server"
	"github.com/kickoff-ci/kickoff/services"
)

// shutdownGrace is how long in-flight requests may take after SIGTERM.
const shutdownGrace = 30 * time.Second

func serveCommand() *cli.Command {
	flags := append(databaseFlags(),
		&cli.StringFlag{Name: "listen", Value: ":8080", Sources: envFlag("listen"),
			Usage: "address to listen on"},
		&cli.StringFlag{Name: "public-url", Sources: envFlag("public-url"),
			Usage: "URL users reach Kickoff at, e.g. https://kickoff.example.com (used in links; https makes session cookies Secure)"},
		&cli.StringFlag{Name: "trusted-proxies", Sources: envFlag("trusted-proxies"),
			Usage: "comma-separated CIDRs of reverse proxies whose X-Forwarded-For gives the client IP, e.g. 10.0.0.0/8,127.0.0.1/32 (default: none, the TCP peer is the client)"},
		&cli.BoolFlag{Name: "no-migrate", Sources: envFlag("no-migrate"),
			Usage: "refuse to start when migrations are pending instead of applying them"},
		&cli.DurationFlag{Name: "runner-timeout", Value: 10 * time.Minute, Sources: envFlag("runner-timeout"),
			Usage: "a claimed pipeline whose runner sends no update for this long fails with runner_system_failure"},
		&cli.DurationFlag{Name: "max-wait", Value: server.DefaultMaxWait, Sources: envFlag("max-wait"),
			Usage: "the longest a trigger call may ask to be held until its pipeline finishes (its wait parameter, in seconds)"},
		&cli.IntFlag{Name: "max-log-size", Value: joblogs.DefaultMaxSize, Sources: envFlag("max-log-size"),
			Usage: "the most bytes of job log stored per pipeline; what a runner sends beyond is dropped and the log says so"},
		&cli.StringSliceFlag{Name: "webhook-allowed-networks", Sources: envFlag("webhook-allowed-networks"),
			Usage: "comma-separated CIDRs webhooks may reach although internal (loopback, private, link-local…), e.g. 10.1.2.0/24; default: public addresses only"},
		&cli.DurationFlag{Name: "webhook-retention", Value: webhooks.DefaultRetention, Sources: envFlag("webhook-retention"),
			Usage: "how long finished webhook deliveries are kept in the delivery log"},
		&cli.DurationFlag{Name: "webhook-retry-wait", Value: webhooks.DefaultFirstRetry, Sources: envFlag("webhook-retry-wait"),
			Usage: "the wait before a failed webhook delivery's first retry; each further wait is four times longer, up to 12h, 8 attempts in all"},
	)
	return &cli.Command{
		Name:   "serve",
		Usage:  "run the Kickoff server",
		Flags:  flags,
		Action: runServe,
	}
}

func runServe(ctx context.Context, cmd *cli.Command) error {
	started := time.Now()
	logger, err := newLogger(cmd)
	if err != nil {
		return err
	}
	publicURL, err := parsePublicURL(cmd.String("public-url"), cmd.String("listen"))
	if err != nil {
		return err
	}
	trustedProxies, err := server.ParseTrustedProxies(cmd.String("trusted-proxies"))
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	runnerTimeout := cmd.Duration("runner-timeout")
	if runnerTimeout < time.Second {
		return fmt.Errorf("--runner-timeout %s: want at least 1s", runnerTimeout)
	}
	maxWait := cmd.Duration("max-wait")
	if maxWait < time.Second || maxWait%time.Second != 0 {
		return fmt.Errorf("--max-wait %s: want whole seconds, at least 1s", maxWait)
	}
	maxLogSize := cmd.Int("max-log-size")
	if maxLogSize < 1024 {
		return fmt.Errorf("--max-log-size %d: want at least 1024 bytes", maxLogSize)
	}
	hookCfg, err := webhookConfig(cmd, logger)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, cmd)
	if err != nil {
		return err
	}
	defer db.Close()
	// The key is checked before migrating, so a misconfigured replica
	// changes nothing.
	kr, err := loadKeyring(cmd, db.Dialect)
	if err != nil {
		return err
	}
	if err := prepareSchema(ctx, db, cmd.Bool("no-migrate"), logger); err != nil {
		return err
	}
	// Pipeline events for GraphQL subscriptions: LISTEN/NOTIFY on
	// PostgreSQL, so every replica's subscribers see every replica's changes.
	bus := events.New(db, logger)
	if err := bus.Start(ctx); err != nil {
		return err
	}
	defer bus.Stop()
	set := services.New(db.Client, kr, publicURL, services.WithEvents(bus), services.WithMaxLogSize(int64(maxLogSize)),
		services.WithWebhooks(hookCfg))
	if err := announceInitialAdmin(ctx, set.Identity, cmd.String("data-dir"), logger); err != nil {
		return err
	}
	go reapStalePipelines(ctx, set.Pipelines, runnerTimeout, logger)
	// Deliveries in flight finish recording before the database closes
	// (deferred earlier, so it runs after this wait).
	hooksDone := make(chan struct{})
	go func() { defer close(hooksDone); set.Webhooks.Run(ctx) }()
	defer func() { <-hooksDone }()
	go func() {
		<-ctx.Done()
		set.Runners.StopWaiting()   // long-polls answer 204 now instead of holding up the shutdown
		set.Pipelines.StopWaiting() // trigger calls waiting for a result answer with the pipeline as it is
	}()
	webApp, err := fs.Sub(frontend.Dist, "dist")
	if err != nil {
		return fmt.Errorf("opening embedded web app: %w", err)
	}
	handler := server.New(server.Config{
		DB: db, Logger: logger, WebApp: webApp,
		Services:      set.HTTP(),
		GraphQL:       set.GraphQL(logger),
		SecureCookies: publicURL.Scheme == "https",
		PublicURL:     publicURL, TrustedProxies: trustedProxies,
		MaxWait: maxWait,
	})
	return listenAndServe(ctx, cmd.String("listen"), handler, logger, func(addr net.Addr) {
		logger.Info("kickoff is ready",
			"version", versionString(), "listen", addr.String(), "public_url", publicURL.String(),
			"database", db.Dialect, "startup_ms", time.Since(started).Milliseconds())
	})
}

// webhookConfig reads the webhook flags.
func webhookConfig(cmd *cli.Command, logger *slog.Logger) (webhooks.Config, error) {
	allowed, err := outbound.ParseNetworks(cmd.StringSlice("webhook-allowed-networks"))
	if err != nil {
		return webhooks.Config{}, fmt.Errorf("--webhook-allowed-networks: %w", err)
	}
	retention := cmd.Duration("webhook-retention")
	if retention < time.Hour {
		return webhooks.Config{}, fmt.Errorf("--webhook-retention %s: want at least 1h", retention)
	}
	retry := cmd.Duration("webhook-retry-wait")
	if retry < time.Second || retry > webhooks.DefaultMaxRetryWait {
		return webhooks.Config{}, fmt.Errorf("--webhook-retry-wait %s: want between 1s and 12h", retry)
	}
	return webhooks.Config{
		Policy: outbound.Policy{Allowed: allowed}, Retention: retention, FirstRetry: retry,
		UserAgent: "Kickoff/" + versionString(), Logger: logger,
	}, nil
}

// announceInitialAdmin creates the first admin on an empty database and logs
// its password once: the one secret Kickoff deliberately logs, so a newcomer
// can sign in (it is also in <data-dir>/initial_admin_password).
func announceInitialAdmin(ctx context.Context, ids *identity.Service, dataDir string, logger *slog.Logger) error {
	password, err := ids.EnsureInitialAdmin(ctx, dataDir)
	if err != nil {
		return err
	}
	if password != "" {
		logger.Info("created the initial admin user; sign in and change the password",
			"username", "admin", "password", password,
			"password_file", filepath.Join(dataDir, identity.InitialAdminFile))
	}
	return nil
}

// prepareSchema applies pending migrations, or with noMigrate refuses to run
// on a stale schema.
func prepareSchema(ctx context.Context, db *database.DB, noMigrate bool, logger *slog.Logger) error {
	if noMigrate {
		status, err := db.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		if status.Dirty {
			return database.ErrDirty
		}
		if pending := status.Pending(); len(pending) > 0 {
			return fmt.Errorf("%d database migration(s) pending (first: %d_%s) and --no-migrate is set: run `kickoff migrate up`, or start without --no-migrate",
				len(pending), pending[0].Version, pending[0].Name)
		}
		return nil
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		logger.Info("applied database migrations", "versions", applied)
	}
	return nil
}

// loadKeyring resolves the secret key: the flag or environment, else (SQLite
// only) one generated once into the data directory.
func loadKeyring(cmd *cli.Command, dialectName string) (*keyring.Keyring, error) {
	secret := cmd.String("secret-key")
	if secret == "" {
		if dialectName != dialect.SQLite {
			return nil, errors.New("KICKOFF_SECRET_KEY (or --secret-key) is required with PostgreSQL: set the same random string of at least 32 characters on every replica, e.g. `openssl rand -base64 36`")
		}
		var err error
		if secret, err = keyring.LoadOrCreate(cmd.String("data-dir")); err != nil {
			return nil, fmt.Errorf("loading the generated secret key: %w", err)
		}
	}
	kr, err := keyring.New(secret, cmd.StringSlice("previous-secret-keys")...)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return kr, nil
}

func parsePublicURL(raw, listen string) (*url.URL, error) {
	if raw == "" {
		host, port, err := net.SplitHostPort(listen)
		if err != nil {
			return nil, fmt.Errorf("--listen %q: %w", listen, err)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		raw = "http://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--public-url %q: want an absolute http(s) URL such as https://kickoff.example.com", raw)
	}
	u.Path = ""
	return u, nil
}

// listenAndServe serves until ctx ends (SIGTERM/SIGINT), then stops accepting
// and lets in-flight requests finish for up to shutdownGrace.
func listenAndServe(ctx context.Context, addr string, h http.Handler, logger *slog.Logger, ready func(net.Addr)) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	ready(ln.Addr())
	select {
	case err := <-serveErr:
		return fmt.Errorf("serving HTTP: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests", "grace", shutdownGrace.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// reapStalePipelines fails claimed pipelines whose runner went silent for
// timeout, checking a few times per timeout, until ctx ends. FailStale is
// safe to run on every replica at once.
func reapStalePipelines(ctx context.Context, p *pipelines.Service, timeout time.Duration, logger *slog.Logger) {
	ticker := time.NewTicker(min(max(timeout/10, time.Second), time.Minute))
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		n, err := p.FailStale(ctx, timeout)
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Error("failing stale pipelines", "err", err)
		case n > 0:
			logger.Info("failed pipelines whose runner stopped reporting", "count", n, "timeout", timeout.String())
		}
	}
}
