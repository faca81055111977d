// Package scaleout lets several ippsd replicas share one address and one
// database (PostgreSQL in production).
//
// A remote shell lives in the memory of the replica that created it. When a
// client's later requests reach another replica — a load balancer without
// affinity, or the SNAT case where the client's address changes between
// requests (v1-module-mfa-connect-to-scc-powershell.md) — that replica does
// not hold the shell and would answer "shell was not found". This package
// fixes that with two pieces:
//
//   - Replica registers this process in the shared replicas table,
//     heartbeats, renews the leases of the shells it holds and sweeps the
//     leases of dead replicas, so that a crashed replica's shells stop
//     counting against the per-user connection limit.
//   - Forwarder implements remoting.Forwarder: for a ShellId this replica
//     does not hold it looks up the shell's lease, finds the live owner and
//     proxies the HTTP request there, copying the answer back.
//
// # Trust model
//
// Replicas do not authenticate to each other. A forwarded request carries
// the client's own Authorization header; the owner authenticates it exactly
// as if the client had sent it, and enforces shell ownership itself. Since
// those headers carry bearer tokens, replica advertise addresses must be on
// a private network or use HTTPS with a certificate from the replica CA
// (ForwarderConfig.RootCAs). The hop header (HopHeader) only prevents loops;
// it grants nothing.
package scaleout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

// Replica defaults.
const (
	// DefaultHeartbeatInterval is how often a replica refreshes its row.
	DefaultHeartbeatInterval = 10 * time.Second
	// DefaultReplicaTTL is how old a heartbeat may be before the replica
	// is considered dead (three missed heartbeats).
	DefaultReplicaTTL = 3 * DefaultHeartbeatInterval
	// DefaultLeaseTTL is how long a renewed lease lives; it matches
	// compliance.Config.LeaseTTL's default.
	DefaultLeaseTTL = 15 * time.Minute
)

// ErrNoReplicaID is returned by NewReplica and NewForwarder when the
// replica ID is missing.
var ErrNoReplicaID = errors.New("scaleout: replica ID is required")

// ReplicaConfig configures a Replica.
type ReplicaConfig struct {
	// ID names this replica in the replicas table and in leases; it must
	// be the ReplicaID the runspace provider writes into leases. Required.
	ID string
	// Address is the base URL other replicas forward to, e.g.
	// "https://10.0.0.5:8443" (scheme and host; a path is ignored).
	// Required.
	Address string
	// HeartbeatInterval is how often HeartbeatAt is refreshed. Default
	// DefaultHeartbeatInterval.
	HeartbeatInterval time.Duration
	// TTL is how old a heartbeat may get before the replica counts as
	// dead; it must exceed HeartbeatInterval. Default 3×HeartbeatInterval.
	TTL time.Duration
	// SweepInterval is how often dead replicas and expired leases are
	// removed. Default TTL.
	SweepInterval time.Duration
	// LeaseTTL is how far ahead each renewal pushes the local shells'
	// leases. They are renewed every LeaseTTL/3 (or every heartbeat if
	// that is longer). Default DefaultLeaseTTL.
	LeaseTTL time.Duration
	// Shells lists the ShellIds open on this replica (see LocalShells).
	// Nil disables lease renewal (the provider then renews its own).
	Shells func() []string
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// SetDefaults fills zero fields.
func (c *ReplicaConfig) SetDefaults() {
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if c.TTL <= 0 {
		c.TTL = 3 * c.HeartbeatInterval
	}
	if c.SweepInterval <= 0 {
		c.SweepInterval = c.TTL
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = DefaultLeaseTTL
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Validate reports a configuration a Replica cannot run with.
func (c *ReplicaConfig) Validate() error {
	var errs []error
	if c.ID == "" {
		errs = append(errs, ErrNoReplicaID)
	}
	if err := checkAddress(c.Address); err != nil {
		errs = append(errs, err)
	}
	if c.TTL <= c.HeartbeatInterval {
		errs = append(errs, fmt.Errorf("scaleout: TTL %v must exceed HeartbeatInterval %v", c.TTL, c.HeartbeatInterval))
	}
	return errors.Join(errs...)
}

// checkAddress accepts an absolute http or https URL with a host.
func checkAddress(addr string) error {
	u, err := url.Parse(addr)
	if err != nil {
		return fmt.Errorf("scaleout: bad replica address %q: %w", addr, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("scaleout: replica address %q must be an http(s) URL with a host", addr)
	}
	return nil
}

// Replica keeps this process registered in the shared database while Run
// runs. Create it with NewReplica.
type Replica struct {
	cfg ReplicaConfig
	st  storage.LeaseStore
	log *slog.Logger
}

// NewReplica returns a Replica over st; cfg is defaulted and validated.
func NewReplica(cfg ReplicaConfig, st storage.LeaseStore, logger *slog.Logger) (*Replica, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errors.New("scaleout: NewReplica needs a LeaseStore")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Replica{cfg: cfg, st: st, log: logger.With("replica", cfg.ID)}, nil
}

// ID returns the replica's ID.
func (r *Replica) ID() string { return r.cfg.ID }

// Register inserts or replaces this replica's row with a fresh heartbeat.
func (r *Replica) Register(ctx context.Context) error {
	now := r.cfg.Now().UTC()
	err := r.st.RegisterReplica(ctx, storage.Replica{ID: r.cfg.ID, Address: r.cfg.Address, StartedAt: now, HeartbeatAt: now})
	if err != nil {
		return fmt.Errorf("scaleout: register replica %s: %w", r.cfg.ID, err)
	}
	return nil
}

// Heartbeat refreshes HeartbeatAt. If the row is gone (another replica
// swept this one during a long pause) it registers again.
func (r *Replica) Heartbeat(ctx context.Context) error {
	err := r.st.HeartbeatReplica(ctx, r.cfg.ID, r.cfg.Now().UTC())
	if errors.Is(err, storage.ErrNotFound) {
		r.log.WarnContext(ctx, "scaleout: replica row was swept; registering again")
		return r.Register(ctx)
	}
	if err != nil {
		return fmt.Errorf("scaleout: heartbeat %s: %w", r.cfg.ID, err)
	}
	return nil
}

// RenewLeases pushes the expiry of the local shells' leases to
// now+LeaseTTL and returns how many were renewed. A shell listed by
// Shells without a lease (swept while this replica looked dead) is logged.
func (r *Replica) RenewLeases(ctx context.Context) (int, error) {
	if r.cfg.Shells == nil {
		return 0, nil
	}
	ids := r.cfg.Shells()
	if len(ids) == 0 {
		return 0, nil
	}
	n, err := r.st.RenewLeases(ctx, r.cfg.ID, ids, r.cfg.Now().UTC().Add(r.cfg.LeaseTTL))
	if err != nil {
		return 0, fmt.Errorf("scaleout: renew %d leases: %w", len(ids), err)
	}
	if n < len(ids) {
		// Shells closing concurrently also land here; only a persistent
		// gap means leases were lost.
		r.log.DebugContext(ctx, "scaleout: some local shells have no lease", "shells", len(ids), "renewed", n)
	}
	return n, nil
}

// Deregister deletes this replica's row and its leases. Call it after the
// remoting servers have shut down (their shells are gone by then).
func (r *Replica) Deregister(ctx context.Context) error {
	n, err := r.st.ExpireReplicaLeases(ctx, r.cfg.ID)
	if err != nil {
		return fmt.Errorf("scaleout: deregister %s: %w", r.cfg.ID, err)
	}
	if err := r.st.DeleteReplica(ctx, r.cfg.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("scaleout: deregister %s: %w", r.cfg.ID, err)
	}
	r.log.InfoContext(ctx, "scaleout: replica deregistered", "leases_dropped", n)
	return nil
}

// deregisterTimeout bounds Deregister when Run's ctx has ended.
const deregisterTimeout = 10 * time.Second

// Run registers the replica, then heartbeats, renews leases and sweeps
// until ctx is done, and finally deregisters (graceful shutdown). It
// returns the registration error, or nil after a clean deregistration.
// Failures inside the loop are logged and retried on the next tick: a
// replica that cannot reach the database keeps serving its shells.
func (r *Replica) Run(ctx context.Context) error {
	if err := r.Register(ctx); err != nil {
		return err
	}
	r.log.InfoContext(ctx, "scaleout: replica registered", "address", r.cfg.Address)
	renewEvery := max(r.cfg.LeaseTTL/3, r.cfg.HeartbeatInterval)
	hb := time.NewTicker(r.cfg.HeartbeatInterval)
	defer hb.Stop()
	sweep := time.NewTicker(r.cfg.SweepInterval)
	defer sweep.Stop()
	lastRenew := r.cfg.Now()
	for {
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deregisterTimeout)
			defer cancel()
			return r.Deregister(dctx)
		case <-hb.C:
			if err := r.Heartbeat(ctx); err != nil && ctx.Err() == nil {
				r.log.WarnContext(ctx, "scaleout: heartbeat failed", "err", err)
			}
			if now := r.cfg.Now(); now.Sub(lastRenew) >= renewEvery {
				if _, err := r.RenewLeases(ctx); err != nil && ctx.Err() == nil {
					r.log.WarnContext(ctx, "scaleout: lease renewal failed", "err", err)
				} else {
					lastRenew = now
				}
			}
		case <-sweep.C:
			if _, err := r.Sweep(ctx); err != nil && ctx.Err() == nil {
				r.log.WarnContext(ctx, "scaleout: sweep failed", "err", err)
			}
		}
	}
}
