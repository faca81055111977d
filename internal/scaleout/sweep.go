package scaleout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/storage"
)

// allReplicasTTL makes ListLiveReplicas list every row: the store has no
// "list all replicas" call, and a heartbeat older than a century is not
// a concern.
const allReplicasTTL = 100 * 365 * 24 * time.Hour

// SweepResult counts what one Sweep removed.
type SweepResult struct {
	// DeadReplicas lists the replicas found dead and deleted.
	DeadReplicas []string
	// ReplicaLeases is how many leases of dead replicas were deleted.
	ReplicaLeases int
	// ExpiredLeases is how many leases past their ExpiresAt were deleted.
	ExpiredLeases int
}

// Sweep deletes every other replica whose heartbeat is older than TTL,
// together with all its leases, and then every expired lease, so that
// shells of crashed replicas stop counting against the per-user limit. It
// is idempotent and safe to run on every replica at once. The errors of
// individual replicas are joined; the sweep goes on past them.
func (r *Replica) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	now := r.cfg.Now().UTC()
	all, err := r.st.ListLiveReplicas(ctx, now, allReplicasTTL)
	if err != nil {
		return res, fmt.Errorf("scaleout: sweep: list replicas: %w", err)
	}
	cutoff := now.Add(-r.cfg.TTL)
	var errs []error
	for _, rep := range all {
		if rep.ID == r.cfg.ID || rep.HeartbeatAt.After(cutoff) {
			continue
		}
		n, err := r.st.ExpireReplicaLeases(ctx, rep.ID)
		if err != nil {
			errs = append(errs, fmt.Errorf("scaleout: sweep: leases of %s: %w", rep.ID, err))
			continue
		}
		// Another replica may have swept it first.
		if err := r.st.DeleteReplica(ctx, rep.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
			errs = append(errs, fmt.Errorf("scaleout: sweep: delete %s: %w", rep.ID, err))
		}
		res.DeadReplicas = append(res.DeadReplicas, rep.ID)
		res.ReplicaLeases += n
		r.log.WarnContext(ctx, "scaleout: swept dead replica", "dead", rep.ID, "heartbeat", rep.HeartbeatAt, "leases", n)
	}
	n, err := r.st.ExpireLeases(ctx, now)
	if err != nil {
		errs = append(errs, fmt.Errorf("scaleout: sweep: expire leases: %w", err))
	}
	res.ExpiredLeases = n
	if n > 0 {
		r.log.InfoContext(ctx, "scaleout: expired leases", "count", n)
	}
	return res, errors.Join(errs...)
}

// ShellLister is what LocalShells needs of a remoting.Server.
type ShellLister interface {
	Shells() []remoting.ShellInfo
}

// LocalShells returns a ReplicaConfig.Shells func listing the ShellIds
// open on the given servers (ippsd runs one per endpoint).
func LocalShells(servers ...ShellLister) func() []string {
	return func() []string {
		var ids []string
		for _, s := range servers {
			for _, sh := range s.Shells() {
				ids = append(ids, sh.ID)
			}
		}
		return ids
	}
}
