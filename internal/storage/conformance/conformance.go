// Package conformance is the test suite every storage.Storage backend must
// pass. A backend's tests call RunTests with a constructor of fresh, empty
// stores and RunSharedTests with a constructor of two handles on one
// database (two "replicas"):
//
//	func TestSQLite(t *testing.T) {
//		conformance.RunTests(t, newSQLite)
//		conformance.RunSharedTests(t, newSQLitePair)
//	}
package conformance

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

// Factory returns a fresh, empty, migrated store; it registers its own
// cleanup with t.
type Factory func(t *testing.T) storage.Storage

// PairFactory returns two independent handles (separate connection pools)
// on one fresh database.
type PairFactory func(t *testing.T) (storage.Storage, storage.Storage)

type subtest struct {
	name string
	run  func(t *testing.T, s storage.Storage)
}

// RunTests runs the single-handle suite, each subtest on a fresh (empty)
// store. Subtests run one after another, so a factory may hand out the
// same database emptied.
func RunTests(t *testing.T, newStorage Factory) { run(t, newStorage, false) }

// RunParallelTests is RunTests with the subtests run in parallel; every
// store newStorage returns must be a separate database.
func RunParallelTests(t *testing.T, newStorage Factory) { run(t, newStorage, true) }

func run(t *testing.T, newStorage Factory, parallel bool) {
	tests := []subtest{
		{"Tenant", testTenant},
		{"Domain", testDomain},
		{"User", testUser},
		{"UserPagination", testUserPagination},
		{"UserConcurrentUpdate", testUserConcurrentUpdate},
		{"Application", testApplication},
		{"TimeZones", testTimeZones},
		{"SigningKey", testSigningKey},
		{"RefreshToken", testRefreshToken},
		{"AuthCode", testAuthCode},
		{"AuthCodeConcurrentRedeem", testAuthCodeConcurrentRedeem},
		{"DeviceCode", testDeviceCode},
		{"DeviceCodeConcurrentRedeem", testDeviceCodeConcurrentRedeem},
		{"Lockout", testLockout},
		{"LockoutConcurrent", testLockoutConcurrent},
		{"TOTPStep", testTOTPStep},
		{"SMSCode", testSMSCode},
		{"JTI", testJTI},
		{"SignInSession", testSignInSession},
		{"SignInSessionConcurrent", testSignInSessionConcurrent},
		{"GC", testGC},
		{"Role", testRole},
		{"RoleGroup", testRoleGroup},
		{"Object", testObject},
		{"ObjectCascade", testObjectCascade},
		{"ObjectPagination", testObjectPagination},
		{"ObjectConcurrentUpdate", testObjectConcurrentUpdate},
		{"ObjectCount", testObjectCount},
		{"Audit", testAudit},
		{"AuditPagination", testAuditPagination},
		{"Replica", testReplica},
		{"Lease", testLease},
		{"LeaseConcurrent", testLeaseConcurrent},
		{"Tx", testTx},
		{"Savepoint", testSavepoint},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if parallel {
				t.Parallel()
			}
			tc.run(t, newStorage(t))
		})
	}
}

// RunSharedTests runs the tests that need two handles on one database.
func RunSharedTests(t *testing.T, newPair PairFactory) {
	t.Run("LeaseConcurrentReplicas", func(t *testing.T) {
		a, b := newPair(t)
		testLeaseAcrossHandles(t, a, b)
	})
	t.Run("SharedVisibility", func(t *testing.T) {
		a, b := newPair(t)
		ctx := context.Background()
		ten := newTenant(t, a)
		if got, err := b.GetTenant(ctx, ten.ID); err != nil || got.Name != ten.Name {
			t.Fatalf("second handle: %v %+v", err, got)
		}
	})
}

var seq atomic.Int64

// id returns a unique identifier with a readable prefix.
func id(prefix string) string {
	return fmt.Sprintf("%s-%08d-%d", prefix, seq.Add(1), time.Now().UnixNano()%1e6)
}

// base is a fixed instant with nanoseconds, in UTC.
var base = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
}

func newTenant(t *testing.T, s storage.Storage) storage.Tenant {
	t.Helper()
	n := id("tenant")
	ten := storage.Tenant{ID: id("tid"), Name: n, DisplayName: "Tenant " + n, CreatedAt: base}
	must(t, s.CreateTenant(context.Background(), ten))
	return ten
}

func newUser(t *testing.T, s storage.Storage, tenantID string) storage.User {
	t.Helper()
	u := storage.User{
		ID: id("uid"), TenantID: tenantID, UPN: id("User") + "@Contoso.com", DisplayName: "U",
		Enabled: true, MFAState: storage.MFADisabled, RemotePowerShellEnabled: true,
		CreatedAt: base, UpdatedAt: base,
	}
	must(t, s.CreateUser(context.Background(), u))
	return u
}

func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
	if !got.IsZero() && got.Location() != time.UTC {
		t.Fatalf("%s: location %v, want UTC", what, got.Location())
	}
}
