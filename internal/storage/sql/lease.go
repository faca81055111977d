package sql

import (
	"context"
	"fmt"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

// RegisterReplica implements storage.LeaseStore.
func (s *Store) RegisterReplica(ctx context.Context, r storage.Replica) error {
	_, err := s.exec(ctx, `INSERT INTO replicas (id, address, started_at, heartbeat_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET address = excluded.address, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at`,
		r.ID, r.Address, tv(r.StartedAt), tv(r.HeartbeatAt))
	return s.wrap("register replica", err)
}

// HeartbeatReplica implements storage.LeaseStore.
func (s *Store) HeartbeatReplica(ctx context.Context, id string, now time.Time) error {
	return s.deleteOne(ctx, "heartbeat replica", `UPDATE replicas SET heartbeat_at = $2 WHERE id = $1`, id, tv(now))
}

func scanReplica(r interface{ Scan(...any) error }) (storage.Replica, error) {
	var x storage.Replica
	err := r.Scan(&x.ID, &x.Address, tc(&x.StartedAt), tc(&x.HeartbeatAt))
	return x, err
}

// GetReplica implements storage.LeaseStore.
func (s *Store) GetReplica(ctx context.Context, id string) (storage.Replica, error) {
	r, err := scanReplica(s.queryRow(ctx, `SELECT id, address, started_at, heartbeat_at FROM replicas WHERE id = $1`, id))
	return r, s.wrap("get replica", err)
}

// ListLiveReplicas implements storage.LeaseStore.
func (s *Store) ListLiveReplicas(ctx context.Context, now time.Time, ttl time.Duration) ([]storage.Replica, error) {
	return collect(s, ctx, "list replicas", scanReplica,
		`SELECT id, address, started_at, heartbeat_at FROM replicas WHERE heartbeat_at > $1 ORDER BY id`, nanos(now.Add(-ttl)))
}

// DeleteReplica implements storage.LeaseStore.
func (s *Store) DeleteReplica(ctx context.Context, id string) error {
	return s.deleteOne(ctx, "delete replica", `DELETE FROM replicas WHERE id = $1`, id)
}

const leaseCols = `shell_id, user_id, tenant_id, replica_id, client_addr, created_at, renewed_at, expires_at`

func scanLease(r interface{ Scan(...any) error }) (storage.Lease, error) {
	var l storage.Lease
	err := r.Scan(&l.ShellID, &l.UserID, &l.TenantID, &l.ReplicaID, &l.ClientAddr, tc(&l.CreatedAt), tc(&l.RenewedAt), tc(&l.ExpiresAt))
	return l, err
}

// AcquireLease implements storage.LeaseStore. The count and insert run in
// one transaction holding a per-user lock: an advisory lock on PostgreSQL
// (READ COMMITTED, so the count after the lock sees every committed
// lease), the database write lock on SQLite.
func (s *Store) AcquireLease(ctx context.Context, l storage.Lease, maxPerUser int) error {
	const op = "acquire lease"
	if l.CreatedAt.IsZero() {
		l.CreatedAt = s.now()
	}
	var verdict error
	err := s.withTx(ctx, txLocking, func(tx *Store) error {
		verdict = nil
		if maxPerUser > 0 {
			if err := tx.lockKey(ctx, "ipps.lease.user."+l.UserID); err != nil {
				return err
			}
			n, err := tx.countLeases(ctx, l.UserID, l.CreatedAt)
			if err != nil {
				return err
			}
			if n >= maxPerUser {
				verdict = fmt.Errorf("storage: %s: user holds %d of %d: %w", op, n, maxPerUser, storage.ErrLeaseLimit)
				return nil
			}
		}
		_, err := tx.exec(ctx, `INSERT INTO leases (`+leaseCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			l.ShellID, l.UserID, l.TenantID, l.ReplicaID, l.ClientAddr, nanos(l.CreatedAt), tv(l.RenewedAt), nanos(l.ExpiresAt))
		return err
	})
	if err != nil {
		return s.wrap(op, err)
	}
	return verdict
}

// ReleaseLease implements storage.LeaseStore.
func (s *Store) ReleaseLease(ctx context.Context, shellID string) error {
	return s.deleteOne(ctx, "release lease", `DELETE FROM leases WHERE shell_id = $1`, shellID)
}

// GetLease implements storage.LeaseStore.
func (s *Store) GetLease(ctx context.Context, shellID string) (storage.Lease, error) {
	l, err := scanLease(s.queryRow(ctx, `SELECT `+leaseCols+` FROM leases WHERE shell_id = $1`, shellID))
	return l, s.wrap("get lease", err)
}

// ListUserLeases implements storage.LeaseStore.
func (s *Store) ListUserLeases(ctx context.Context, userID string, now time.Time) ([]storage.Lease, error) {
	return collect(s, ctx, "list leases", scanLease,
		`SELECT `+leaseCols+` FROM leases WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at, shell_id`, userID, nanos(now))
}

// RenewLeases implements storage.LeaseStore.
func (s *Store) RenewLeases(ctx context.Context, replicaID string, shellIDs []string, until time.Time) (int, error) {
	if len(shellIDs) == 0 {
		return 0, nil
	}
	var w where
	w.add(`replica_id = ?`, replicaID)
	w.conds = append(w.conds, inList(&w, `shell_id`, shellIDs, false))
	w.args = append(w.args, nanos(s.now()), nanos(until))
	n, err := s.execN(ctx, fmt.Sprintf(`UPDATE leases SET renewed_at = $%d, expires_at = $%d WHERE %s`,
		len(w.args)-1, len(w.args), w.String()), w.args...)
	return n, s.wrap("renew leases", err)
}

// ExpireLeases implements storage.LeaseStore.
func (s *Store) ExpireLeases(ctx context.Context, now time.Time) (int, error) {
	n, err := s.execN(ctx, `DELETE FROM leases WHERE expires_at <= $1`, nanos(now))
	return n, s.wrap("expire leases", err)
}

// ExpireReplicaLeases implements storage.LeaseStore.
func (s *Store) ExpireReplicaLeases(ctx context.Context, replicaID string) (int, error) {
	n, err := s.execN(ctx, `DELETE FROM leases WHERE replica_id = $1`, replicaID)
	return n, s.wrap("expire replica leases", err)
}

func (s *Store) countLeases(ctx context.Context, userID string, now time.Time) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM leases WHERE user_id = $1 AND expires_at > $2`, userID, nanos(now)).Scan(&n)
	return n, err
}

// CountLeases implements storage.LeaseStore.
func (s *Store) CountLeases(ctx context.Context, userID string, now time.Time) (int, error) {
	n, err := s.countLeases(ctx, userID, now)
	return n, s.wrap("count leases", err)
}
