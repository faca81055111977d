package storage

import (
	"context"
	"time"
)

// Replica is one running ippsd process. Address is the URL other
// replicas forward a shell's requests to.
type Replica struct {
	ID          string
	Address     string
	StartedAt   time.Time
	HeartbeatAt time.Time
}

// Lease records that a remote shell lives on a replica. Leases enforce the
// per-user concurrent shell limit across replicas and route requests for
// a shell to its owner. A lease counts while ExpiresAt > now.
type Lease struct {
	ShellID    string
	UserID     string
	TenantID   string
	ReplicaID  string
	ClientAddr string
	CreatedAt  time.Time
	RenewedAt  time.Time
	ExpiresAt  time.Time
}

// LeaseStore stores replicas and shell leases.
type LeaseStore interface {
	// RegisterReplica inserts or replaces the replica row.
	RegisterReplica(ctx context.Context, r Replica) error
	// HeartbeatReplica sets HeartbeatAt; ErrNotFound if unregistered.
	HeartbeatReplica(ctx context.Context, id string, now time.Time) error
	GetReplica(ctx context.Context, id string) (Replica, error)
	// ListLiveReplicas lists replicas whose HeartbeatAt > now-ttl,
	// ordered by ID.
	ListLiveReplicas(ctx context.Context, now time.Time, ttl time.Duration) ([]Replica, error)
	DeleteReplica(ctx context.Context, id string) error

	// AcquireLease stores l unless l.UserID already holds maxPerUser or
	// more leases with ExpiresAt > l.CreatedAt, in which case it returns
	// ErrLeaseLimit. The check and insert are atomic across goroutines
	// and processes sharing the database. ErrAlreadyExists on a
	// duplicate ShellID. maxPerUser <= 0 means no limit.
	AcquireLease(ctx context.Context, l Lease, maxPerUser int) error
	// ReleaseLease deletes the lease; ErrNotFound if absent.
	ReleaseLease(ctx context.Context, shellID string) error
	GetLease(ctx context.Context, shellID string) (Lease, error)
	// ListUserLeases lists the user's unexpired leases, oldest first.
	ListUserLeases(ctx context.Context, userID string, now time.Time) ([]Lease, error)
	// RenewLeases extends the replica's listed leases to until (setting
	// RenewedAt to the current time) and returns how many it renewed;
	// leases owned by another replica are not touched.
	RenewLeases(ctx context.Context, replicaID string, shellIDs []string, until time.Time) (int, error)
	// ExpireLeases deletes leases with ExpiresAt <= now.
	ExpireLeases(ctx context.Context, now time.Time) (int, error)
	// ExpireReplicaLeases deletes all leases of a (dead) replica.
	ExpireReplicaLeases(ctx context.Context, replicaID string) (int, error)
	// CountLeases counts the user's leases with ExpiresAt > now.
	CountLeases(ctx context.Context, userID string, now time.Time) (int, error)
}
