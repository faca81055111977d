// Package daemon wires ippsd together: storage, the sign-in authority, the
// compliance service, the two remote PowerShell endpoints, metrics and
// health checks, behind one http.Handler. cmd/ippsd only parses flags and
// calls New, Run and Shutdown.
package daemon

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ipps/ipps/internal/audit"
	"github.com/ipps/ipps/internal/authority"
	"github.com/ipps/ipps/internal/authority/mfa"
	"github.com/ipps/ipps/internal/authority/validate"
	"github.com/ipps/ipps/internal/compliance"
	"github.com/ipps/ipps/internal/config"
	"github.com/ipps/ipps/internal/implicit"
	"github.com/ipps/ipps/internal/metrics"
	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/scaleout"
	"github.com/ipps/ipps/internal/storage"
	_ "github.com/ipps/ipps/internal/storage/sql" // SQLite and PostgreSQL backends
)

// Paths of the two remote PowerShell endpoints (matched case-insensitively).
const (
	CompliancePath = "/powershell-liveid"
	ExchangePath   = "/exchange/powershell-liveid"
)

// Daemon is one running ippsd replica.
type Daemon struct {
	Config    config.Config
	Log       *slog.Logger
	Store     storage.Storage
	Authority *authority.Authority
	Metrics   *metrics.Metrics
	// Outbox holds text-message codes when MFASender is "dev".
	Outbox *mfa.DevOutbox

	compliance, exchange *remoting.Server
	providers            []*compliance.Provider
	validator            *validate.Validator // both endpoints' bearer tokens, cached
	forwarder            *scaleout.Forwarder
	replica              *scaleout.Replica
	handler              http.Handler

	mu      sync.Mutex // guards ready
	ready   bool
	stopped chan struct{}
}

// New opens storage (applying migrations), builds every component and
// returns a Daemon whose Handler is ready to serve.
func New(ctx context.Context, cfg config.Config, logger *slog.Logger) (*Daemon, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ReplicaID == "" {
		cfg.ReplicaID = defaultReplicaID()
	}
	st, err := storage.Open(ctx, cfg.DSN, logger.With("component", "storage"))
	if err != nil {
		return nil, err
	}
	d := &Daemon{Config: cfg, Log: logger, Store: st, Metrics: metrics.New(), stopped: make(chan struct{})}
	if err := d.build(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return d, nil
}

func (d *Daemon) build(ctx context.Context) error {
	cfg := d.Config
	secret, err := secretKey(cfg.SecretKey)
	if err != nil {
		return err
	}
	sender, outbox, err := smsSender(cfg, d.Log)
	if err != nil {
		return err
	}
	d.Outbox = outbox
	d.Authority, err = authority.New(ctx, authority.Config{
		BaseURL:              cfg.IssuerURL,
		AccessTokenLifetime:  time.Duration(cfg.AccessTokenLifetime),
		RefreshTokenLifetime: time.Duration(cfg.RefreshTokenLifetime),
		SMS:                  sender,
		SecretKey:            secret,
		Events:               signInMetrics{d.Metrics},
	}, d.Store, d.Log.With("component", "authority"))
	if err != nil {
		return err
	}
	// Every WS-Man request carries the session's token: cache verified
	// tokens, and user states for UserStateCacheTTL (the delay before a
	// disable or password reset bites). The authority's own validator
	// stays uncached.
	v := *d.Authority.Validator()
	v.Cache = validate.NewCache(validate.CacheConfig{UserStateTTL: time.Duration(cfg.UserStateCacheTTL)})
	d.validator = &v
	broker, err := audit.NewBroker(d.Store, audit.Config{HMACKey: secret}, d.Log.With("component", "audit"))
	if err != nil {
		return err
	}
	if err := d.buildScaleOut(); err != nil {
		return err
	}
	d.compliance, err = d.endpoint(compliance.SecurityCompliance, CompliancePath, authority.ResourceCompliance, broker)
	if err != nil {
		return err
	}
	d.exchange, err = d.endpoint(compliance.ExchangeOnline, ExchangePath, authority.ResourceExchange, broker)
	if err != nil {
		return err
	}
	d.replica, err = scaleout.NewReplica(scaleout.ReplicaConfig{
		ID: cfg.ReplicaID, Address: d.advertise(), Shells: scaleout.LocalShells(d.compliance, d.exchange),
	}, d.Store, d.Log.With("component", "scaleout"))
	if err != nil {
		return err
	}
	d.handler = d.routes()
	return nil
}

func (d *Daemon) advertise() string {
	if d.Config.AdvertiseURL != "" {
		return d.Config.AdvertiseURL
	}
	return d.Config.IssuerURL
}

// buildScaleOut prepares forwarding of requests for shells that another
// replica holds (the page's SNAT case).
func (d *Daemon) buildScaleOut() error {
	var roots *x509.CertPool
	if d.Config.ReplicaCAFile != "" {
		pem, err := os.ReadFile(d.Config.ReplicaCAFile)
		if err != nil {
			return fmt.Errorf("daemon: replica_ca_file: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return fmt.Errorf("daemon: replica_ca_file %s holds no PEM certificate", d.Config.ReplicaCAFile)
		}
	}
	fwd, err := scaleout.NewForwarder(scaleout.ForwarderConfig{ReplicaID: d.Config.ReplicaID, RootCAs: roots}, d.Store, d.Log.With("component", "scaleout"))
	if err != nil {
		return err
	}
	d.forwarder = fwd
	return nil
}

func (d *Daemon) endpoint(ep compliance.Endpoint, path, resource string, broker *audit.Broker) (*remoting.Server, error) {
	prov, err := compliance.NewProvider(compliance.Config{
		Endpoint: ep, ReplicaID: d.Config.ReplicaID, MaxConnections: d.Config.MaxShellsPerUser,
	}, d.Store, broker, d.Log.With("component", "compliance"))
	if err != nil {
		return nil, err
	}
	d.providers = append(d.providers, prov)
	name := "compliance"
	if ep == compliance.ExchangeOnline {
		name = "exchange"
	}
	return remoting.NewServer(remoting.Config{
		Endpoints:         []remoting.Endpoint{{Path: path, ResourceURI: remoting.ExchangeResourceURI}},
		MaxEnvelopeSize:   d.Config.MaxEnvelopeSize,
		IdleTimeout:       time.Duration(d.Config.ShellIdleTimeout),
		BindClientAddress: d.Config.BindShellToAddress,
		Metrics:           shellMetrics{m: d.Metrics, endpoint: name},
		Forwarder:         d.forwarder,
	}, &BearerAuth{Validator: d.validator, Audience: resource, Logger: d.Log},
		// The implicit-remoting built-ins (Get-Command, Get-FormatData,
		// Select-Object, Measure-Object, ...) Import-PSSession needs.
		implicit.Provider(prov, compliance.FormatTable()), d.Log.With("component", "remoting", "endpoint", name))
}

// Provider returns the compliance provider of an endpoint (used by
// `ippsd dev` to seed demo objects through the real cmdlets).
func (d *Daemon) Provider(ep compliance.Endpoint) *compliance.Provider {
	i := 0
	if ep == compliance.ExchangeOnline {
		i = 1
	}
	return d.providers[i]
}

// Handler serves everything: the authority, both remote PowerShell
// endpoints, /metrics, /healthz and /readyz.
func (d *Daemon) Handler() http.Handler { return d.handler }

func (d *Daemon) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", d.Metrics.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", d.readyz)
	if d.Config.DebugPprof {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	mux.Handle("/", d.Authority.Handler())
	scc, exo := d.forwarder.Wrap(d.compliance), d.forwarder.Wrap(d.exchange)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := strings.ToLower(strings.TrimRight(r.URL.Path, "/")); {
		case p == CompliancePath:
			scc.ServeHTTP(w, r)
		case p == ExchangePath:
			exo.ServeHTTP(w, r)
		default:
			mux.ServeHTTP(w, r)
		}
	})
}

func (d *Daemon) readyz(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	ready := d.ready
	d.mu.Unlock()
	if !ready {
		http.Error(w, "not ready: starting or shutting down", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := d.Store.ListTenants(ctx); err != nil {
		http.Error(w, "not ready: database: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// Run starts the background loops (replica heartbeat and lease renewal,
// retention distribution, garbage collection, key sync and rotation) and
// marks the daemon ready. It returns when ctx is cancelled.
func (d *Daemon) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	// Lease renewal is the replica's job (it renews every local shell of
	// both endpoints with its heartbeat), so the providers' own renewal
	// loops are not started here.
	wg.Go(func() { d.housekeeping(ctx) })
	dist := compliance.NewDistributor(d.Store, compliance.DistributorConfig{Interval: time.Duration(d.Config.DistributionInterval)}, d.Log.With("component", "distributor"))
	wg.Go(func() { _ = dist.Run(ctx) })
	wg.Go(func() {
		if err := d.replica.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			d.Log.Error("replica registration stopped", "err", err)
		}
	})
	d.mu.Lock()
	d.ready = true
	d.mu.Unlock()
	<-ctx.Done()
	wg.Wait()
	return nil
}

// housekeeping runs the periodic jobs: learn signing keys other replicas
// created (every 10 s), garbage-collect expired rows (every minute) and
// rotate or prune this replica's signing keys when due (hourly check).
func (d *Daemon) housekeeping(ctx context.Context) {
	sync := time.NewTicker(10 * time.Second)
	gc := time.NewTicker(time.Minute)
	maintain := time.NewTicker(time.Hour)
	defer sync.Stop()
	defer gc.Stop()
	defer maintain.Stop()
	warn := func(what string, err error) {
		if err != nil && !errors.Is(err, context.Canceled) {
			d.Log.Warn(what+" failed", "err", err)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-sync.C:
			_, err := d.Authority.SyncKeys(ctx)
			warn("signing key sync", err)
		case now := <-gc.C:
			_, err := d.Store.GC(ctx, now)
			warn("garbage collection", err)
		case <-maintain.C:
			warn("signing key maintenance", d.Authority.Maintain(ctx))
		}
	}
}

// Drain marks the daemon unready, lets running pipelines finish (within
// ctx) and closes every shell, releasing its lease; outstanding Receives
// complete. The handler keeps answering other requests.
func (d *Daemon) Drain(ctx context.Context) error {
	d.mu.Lock()
	d.ready = false
	d.mu.Unlock()
	var errs []error
	for _, s := range []*remoting.Server{d.compliance, d.exchange} {
		if s != nil {
			errs = append(errs, s.Shutdown(ctx))
		}
	}
	return errors.Join(errs...)
}

// Close releases storage. Call it after the HTTP servers have stopped and
// Run has returned.
func (d *Daemon) Close() error {
	d.forwarder.Close()
	return d.Store.Close()
}

// Shutdown is Drain followed by Close.
func (d *Daemon) Shutdown(ctx context.Context) error {
	return errors.Join(d.Drain(ctx), d.Close())
}

func defaultReplicaID() string {
	h, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return h + "-" + hex.EncodeToString(b)
}

// secretKey decodes the configured hex key, or makes a random one.
func secretKey(h string) ([]byte, error) {
	if h == "" {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return b, err
	}
	b, err := hex.DecodeString(h)
	if err != nil || len(b) < 16 {
		return nil, errors.New("daemon: secret_key must be at least 32 hex digits")
	}
	return b, nil
}

func smsSender(cfg config.Config, log *slog.Logger) (mfa.Sender, *mfa.DevOutbox, error) {
	switch cfg.MFASender {
	case "webhook":
		return &mfa.WebhookSender{URL: cfg.WebhookURL}, nil, nil
	case "smtp":
		return &mfa.SMTPSender{Addr: cfg.SMTPAddr, From: cfg.SMTPFrom, Domain: cfg.SMTPDomain}, nil, nil
	default:
		o := &mfa.DevOutbox{Logger: log}
		return o, o, nil
	}
}
