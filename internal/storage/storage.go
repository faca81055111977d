// Package storage defines the persistent state of ippsd: the directory
// (tenants, domains, users, applications), the sign-in authority's
// short-lived state (keys, codes, refresh tokens, lockouts), RBAC role
// groups, compliance objects, the audit log, and shell leases shared by
// replicas.
//
// Storage is one large contract. Every backend (see package storage/sql,
// which serves SQLite and PostgreSQL) must pass the suite in
// storage/conformance. Callers depend only on this package.
//
// # Conventions
//
//   - Every method takes ctx first.
//   - Lookups that find nothing return an error wrapping ErrNotFound;
//     creates that collide with an existing key wrap ErrAlreadyExists.
//     Test with errors.Is.
//   - Update* methods take an updater func(old T) (T, error). The updater
//     runs inside a transaction and MAY RUN MORE THAN ONCE (backends retry
//     serialization failures), so it must be free of side effects. An
//     error returned by the updater aborts the update and is returned
//     (wrapped) to the caller. Key fields (IDs, tenant) changed by the
//     updater are ignored.
//   - Times are stored with nanosecond precision and returned in UTC. A
//     zero time.Time means "not set" and is returned as the zero value.
//   - Slices are returned non-nil only when they have elements; callers
//     must not distinguish nil from empty.
//   - Case-insensitive names (UPN, domain, role-group and object names) are
//     compared after strings.ToLower; the original spelling is kept.
package storage

import (
	"context"
	"errors"
	"io"
	"time"
)

// Sentinel errors. Backends wrap them with %w; test with errors.Is.
var (
	// ErrNotFound: the addressed row does not exist.
	ErrNotFound = errors.New("storage: not found")
	// ErrAlreadyExists: a create collided with a unique key (ID or a
	// case-insensitive name).
	ErrAlreadyExists = errors.New("storage: already exists")
	// ErrAlreadyUsed: a single-use item (auth code, device code, rotated
	// refresh token, TOTP step) was presented a second time.
	ErrAlreadyUsed = errors.New("storage: already used")
	// ErrExpired: the item exists but its ExpiresAt is not after now.
	ErrExpired = errors.New("storage: expired")
	// ErrRevoked: the refresh token (or its family) was revoked.
	ErrRevoked = errors.New("storage: revoked")
	// ErrConflict: returned by updaters on optimistic-concurrency
	// failures (for callers comparing Object.Version) and never
	// produced by the backend itself.
	ErrConflict = errors.New("storage: version conflict")
	// ErrLeaseLimit: AcquireLease refused because the user already holds
	// the maximum number of unexpired leases.
	ErrLeaseLimit = errors.New("storage: lease limit reached")
	// ErrNotApproved: a device code was redeemed while pending or denied.
	// Inspect DeviceCode.Status in the returned value.
	ErrNotApproved = errors.New("storage: device code not approved")
	// ErrCodeMismatch: a one-time SMS code did not match; the attempt was
	// counted.
	ErrCodeMismatch = errors.New("storage: code mismatch")
	// ErrTooManyAttempts: the one-time code exhausted its attempts and was
	// deleted.
	ErrTooManyAttempts = errors.New("storage: too many attempts")
)

// Page asks for one page of a keyset-paginated listing.
type Page struct {
	// Size is the maximum number of items to return. Zero or negative
	// means DefaultPageSize; values above MaxPageSize are clamped.
	Size int
	// Cursor is the opaque Next value of the previous page, or "" for the
	// first page. Cursors are only valid for the same query.
	Cursor string
}

// Page size bounds.
const (
	DefaultPageSize = 100
	MaxPageSize     = 5000
)

// Storage is the whole persistent state of ippsd. Implementations are safe
// for concurrent use by many goroutines and by several processes sharing
// one database.
type Storage interface {
	DirectoryStore
	AuthorityStore
	SignInStore
	RBACStore
	ObjectStore
	AuditStore
	LeaseStore

	// Tx runs fn with a Storage whose operations all belong to one
	// database transaction. It commits when fn returns nil and rolls back
	// when fn returns an error (which Tx returns unchanged, possibly
	// wrapped). fn MAY RUN MORE THAN ONCE when the backend retries a
	// serialization failure, so fn must only have effects through tx.
	// Calling Tx on tx runs fn in a savepoint of the same transaction:
	// when fn fails its writes are undone and the outer transaction goes
	// on (it can still commit); when the failure means the whole
	// transaction must be retried (serialization failure), the outer
	// transaction is retried instead. fn must not use the outer Storage
	// (on SQLite that can block until the transaction ends).
	Tx(ctx context.Context, fn func(ctx context.Context, tx Storage) error) error

	// GC deletes rows whose lifetime ended at or before now: auth codes,
	// device codes, refresh tokens (expired or revoked more than a day
	// ago), SMS codes, JTIs, idle lockouts, and expired leases.
	GC(ctx context.Context, now time.Time) (GCResult, error)

	// Close releases the database handle. Other methods must not be
	// called afterwards.
	io.Closer
}

// GCResult counts the rows deleted by GC.
type GCResult struct {
	AuthCodes      int64
	DeviceCodes    int64
	RefreshTokens  int64
	SMSCodes       int64
	JTIs           int64
	Lockouts       int64
	Leases         int64
	SignInSessions int64
}

// Total is the sum of all counts.
func (r GCResult) Total() int64 {
	return r.AuthCodes + r.DeviceCodes + r.RefreshTokens + r.SMSCodes + r.JTIs + r.Lockouts + r.Leases + r.SignInSessions
}
