package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ipps/ipps/internal/config"
	"github.com/ipps/ipps/internal/daemon"
)

// loadConfig layers defaults, --config, IPPSD_* and explicitly set flags.
func loadConfig(cmd *cobra.Command, file string, flags *serveFlags) (config.Config, error) {
	cfg := config.Default()
	if file != "" {
		if err := cfg.LoadFile(file); err != nil {
			return cfg, err
		}
	}
	if err := cfg.LoadEnv(os.LookupEnv); err != nil {
		return cfg, err
	}
	if flags != nil {
		flags.apply(cmd.Flags(), &cfg)
	}
	return cfg, cfg.Validate()
}

type serveFlags struct {
	listen, httpListen, tlsCert, tlsKey, dsn, issuer, replica, advertise, logLevel, logFormat string
	maxShells                                                                                 int
	bind                                                                                      bool
}

func (f *serveFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.listen, "listen", "", "HTTPS listen address (default \":8443\")")
	fs.StringVar(&f.httpListen, "http-listen", "", "extra plain-HTTP listen address; loopback only")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate chain (PEM)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "TLS private key (PEM)")
	fs.StringVar(&f.dsn, "dsn", "", "storage: SQLite path or postgres:// URL (default \"ippsd.db\")")
	fs.StringVar(&f.issuer, "issuer-url", "", "public https base URL of this server")
	fs.StringVar(&f.replica, "replica-id", "", "name of this replica (default hostname + random suffix)")
	fs.StringVar(&f.advertise, "advertise-url", "", "URL other replicas use to reach this one")
	fs.StringVar(&f.logLevel, "log-level", "", "debug, info, warn or error")
	fs.StringVar(&f.logFormat, "log-format", "", "json or text")
	fs.IntVar(&f.maxShells, "max-shells-per-user", 0, "open remote PowerShell connections allowed per user (default 5)")
	fs.BoolVar(&f.bind, "bind-shell-to-address", false, "refuse a shell to requests from another client address")
}

func (f *serveFlags) apply(fs *pflag.FlagSet, c *config.Config) {
	set := func(name string, dst *string, v string) {
		if fs.Changed(name) {
			*dst = v
		}
	}
	set("listen", &c.Listen, f.listen)
	set("http-listen", &c.HTTPListen, f.httpListen)
	set("tls-cert", &c.TLSCert, f.tlsCert)
	set("tls-key", &c.TLSKey, f.tlsKey)
	set("dsn", &c.DSN, f.dsn)
	set("issuer-url", &c.IssuerURL, f.issuer)
	set("replica-id", &c.ReplicaID, f.replica)
	set("advertise-url", &c.AdvertiseURL, f.advertise)
	set("log-level", &c.LogLevel, f.logLevel)
	set("log-format", &c.LogFormat, f.logFormat)
	if fs.Changed("max-shells-per-user") {
		c.MaxShellsPerUser = f.maxShells
	}
	if fs.Changed("bind-shell-to-address") {
		c.BindShellToAddress = f.bind
	}
}

func newServeCmd() *cobra.Command {
	var (
		file  string
		flags serveFlags
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run ippsd with a configuration file, environment and flags",
		Long: `Run ippsd for real. Settings come from built-in defaults, then the JSON file
given with --config, then IPPSD_* environment variables, then flags.

Configuration keys (JSON) and their variables:
  listen / IPPSD_LISTEN                 HTTPS address (":8443")
  http_listen / IPPSD_HTTP_LISTEN       optional plain HTTP, loopback only
  tls_cert, tls_key                     PEM files (required for HTTPS)
  dsn / IPPSD_DSN                       SQLite path or postgres://user@host/db
  issuer_url / IPPSD_ISSUER_URL         public https base URL (token issuer)
  replica_id, advertise_url             scale-out: name and URL of this replica
  access_token_lifetime                 e.g. "75m"; refresh_token_lifetime e.g. "2160h"
  user_state_cache_ttl                  "1s": a disable or password reset bites within it; "0s" = no cache
  gc_percent / IPPSD_GC_PERCENT         Go GC target, 400 (GOGC in the environment wins)
  mfa_sender                            dev | webhook (webhook_url) | smtp (smtp_addr, smtp_from, smtp_domain)
  max_shells_per_user                   5
  shell_idle_timeout                    "15m"
  max_envelope_size                     512000
  bind_shell_to_address                 false
  secret_key / IPPSD_SECRET_KEY         hex; replicas must share it
  log_format (json|text), log_level

Endpoints: /{tenant}/oauth2/v2.0/*, /{tenant}/v2.0/.well-known/openid-configuration,
/powershell-liveid, /exchange/powershell-liveid, /metrics, /healthz, /readyz.`,
		Example: `  ippsd serve --config /etc/ippsd.json
  IPPSD_DSN=postgres://ipps@db/ipps ippsd serve --tls-cert cert.pem --tls-key key.pem --issuer-url https://ipps.example.com`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd, file, &flags)
			if err != nil {
				return err
			}
			logger := newLogger(os.Stderr, cfg.LogFormat, cfg.LogLevel)
			tuneRuntime(cfg, logger)
			d, err := daemon.New(cmd.Context(), cfg, logger)
			if err != nil {
				return err
			}
			var certs []tls.Certificate
			if cfg.TLSCert != "" {
				c, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
				if err != nil {
					return fmt.Errorf("tls: %w", err)
				}
				certs = append(certs, c)
			}
			return serve(cmd.Context(), d, certs, logger, nil)
		},
	}
	cmd.Flags().StringVar(&file, "config", "", "JSON configuration file")
	flags.register(cmd.Flags())
	return cmd
}

// serve listens on the configured addresses until ctx ends, then shuts
// down gracefully: stop accepting, let pipelines finish (30 s), close
// shells and release their leases. ready, if non-nil, is called once the
// listeners are bound.
func serve(ctx context.Context, d *daemon.Daemon, certs []tls.Certificate, logger *slog.Logger, ready func(addrs []string)) error {
	cfg := d.Config
	var servers []*http.Server
	var addrs []string
	errc := make(chan error, 2)
	start := func(addr string, tlsCfg *tls.Config) error {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: d.Handler(), TLSConfig: tlsCfg, ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: httpErrorLog(logger)}
		servers = append(servers, srv)
		addrs = append(addrs, ln.Addr().String())
		go func() {
			var err error
			if tlsCfg != nil {
				err = srv.ServeTLS(ln, "", "")
			} else {
				err = srv.Serve(ln)
			}
			if !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
		return nil
	}
	if cfg.Listen != "" {
		if len(certs) == 0 {
			return errors.New("listen is set but no TLS certificate was given (tls_cert/tls_key); use http_listen on loopback for plain HTTP")
		}
		if err := start(cfg.Listen, &tls.Config{Certificates: certs, MinVersion: tls.VersionTLS12}); err != nil {
			return err
		}
	}
	if cfg.HTTPListen != "" {
		if err := start(cfg.HTTPListen, nil); err != nil {
			return err
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	runDone := make(chan struct{})
	go func() { d.Run(runCtx); close(runDone) }()
	logger.Info("ippsd listening", "addresses", strings.Join(addrs, ","), "issuer", cfg.IssuerURL, "replica", cfg.ReplicaID)
	if ready != nil {
		ready(addrs)
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	logger.Info("ippsd shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer scancel()
	// Drain shells (completing long-poll Receives) while the listeners
	// close, so http.Server.Shutdown does not wait for idle long polls.
	drained := make(chan error, 1)
	go func() { drained <- d.Drain(sctx) }()
	for _, s := range servers {
		_ = s.Shutdown(sctx)
	}
	drainErr := <-drained
	cancel()
	<-runDone
	return errors.Join(serveErr, drainErr, d.Close())
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if strings.EqualFold(format, "text") {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
