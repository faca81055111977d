package conformance

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

func testReplica(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	r := storage.Replica{ID: "r1", Address: "https://10.0.0.1:8443", StartedAt: base, HeartbeatAt: base}
	must(t, s.RegisterReplica(ctx, r))
	must(t, s.RegisterReplica(ctx, storage.Replica{ID: "r2", Address: "https://10.0.0.2:8443", StartedAt: base, HeartbeatAt: base.Add(-time.Minute)}))
	got, err := s.GetReplica(ctx, "r1")
	must(t, err)
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("got %+v", got)
	}
	must(t, s.HeartbeatReplica(ctx, "r1", base.Add(10*time.Second)))
	wantErr(t, s.HeartbeatReplica(ctx, "nope", base), storage.ErrNotFound)
	live, err := s.ListLiveReplicas(ctx, base.Add(20*time.Second), 30*time.Second)
	must(t, err)
	if len(live) != 1 || live[0].ID != "r1" {
		t.Fatalf("live %+v", live)
	}
	// Re-registering replaces the address.
	must(t, s.RegisterReplica(ctx, storage.Replica{ID: "r2", Address: "https://new", StartedAt: base, HeartbeatAt: base.Add(15 * time.Second)}))
	live, err = s.ListLiveReplicas(ctx, base.Add(20*time.Second), 30*time.Second)
	must(t, err)
	if len(live) != 2 || live[1].Address != "https://new" {
		t.Fatalf("live %+v", live)
	}
	must(t, s.DeleteReplica(ctx, "r2"))
	_, err = s.GetReplica(ctx, "r2")
	wantErr(t, err, storage.ErrNotFound)
}

func lease(user, replica string, now time.Time) storage.Lease {
	return storage.Lease{ShellID: id("shell"), UserID: user, TenantID: "t", ReplicaID: replica, ClientAddr: "198.51.100.7",
		CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
}

func testLease(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	l1 := lease("u1", "r1", base)
	must(t, s.AcquireLease(ctx, l1, 2))
	wantErr(t, s.AcquireLease(ctx, l1, 2), storage.ErrAlreadyExists)
	got, err := s.GetLease(ctx, l1.ShellID)
	must(t, err)
	if !reflect.DeepEqual(got, l1) {
		t.Fatalf("got %+v\nwant %+v", got, l1)
	}
	l2 := lease("u1", "r2", base)
	must(t, s.AcquireLease(ctx, l2, 2))
	wantErr(t, s.AcquireLease(ctx, lease("u1", "r1", base), 2), storage.ErrLeaseLimit)
	must(t, s.AcquireLease(ctx, lease("u2", "r1", base), 2)) // other users unaffected
	n, err := s.CountLeases(ctx, "u1", base)
	must(t, err)
	if n != 2 {
		t.Fatalf("count %d", n)
	}
	// Renew only the replica's own leases.
	until := base.Add(10 * time.Minute)
	c, err := s.RenewLeases(ctx, "r1", []string{l1.ShellID, l2.ShellID}, until)
	must(t, err)
	if c != 1 {
		t.Fatalf("renewed %d, want 1", c)
	}
	got, _ = s.GetLease(ctx, l1.ShellID)
	if !got.ExpiresAt.Equal(until) || got.RenewedAt.IsZero() {
		t.Fatalf("renewed lease %+v", got)
	}
	// After l2 expires, the user may open another shell.
	later := base.Add(2 * time.Minute)
	n, _ = s.CountLeases(ctx, "u1", later)
	if n != 1 {
		t.Fatalf("count after expiry %d", n)
	}
	must(t, s.AcquireLease(ctx, lease("u1", "r1", later), 2))
	ls, err := s.ListUserLeases(ctx, "u1", later)
	must(t, err)
	if len(ls) != 2 || ls[0].ShellID != l1.ShellID {
		t.Fatalf("user leases %+v", ls)
	}
	c, err = s.ExpireLeases(ctx, later)
	must(t, err)
	if c != 2 { // l2 and u2's
		t.Fatalf("expired %d", c)
	}
	c, err = s.ExpireReplicaLeases(ctx, "r1")
	must(t, err)
	if c != 2 {
		t.Fatalf("replica leases expired %d", c)
	}
	must(t, s.AcquireLease(ctx, lease("u1", "r1", later), 0)) // 0: unlimited
	wantErr(t, s.ReleaseLease(ctx, l1.ShellID), storage.ErrNotFound)
	ls, _ = s.ListUserLeases(ctx, "u1", later)
	must(t, s.ReleaseLease(ctx, ls[0].ShellID))
}

// acquireRace has n goroutines, alternating between the given handles,
// acquire a lease for one user with limit max; exactly max must win.
func acquireRace(t *testing.T, handles []storage.Storage, n, max int) {
	t.Helper()
	ctx := context.Background()
	user := id("user")
	errs := race(n, func(i int) error {
		return handles[i%len(handles)].AcquireLease(ctx, lease(user, fmt.Sprintf("r%d", i%len(handles)), base), max)
	})
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, storage.ErrLeaseLimit):
			t.Fatalf("unexpected error %v", err)
		}
	}
	if won != max {
		t.Fatalf("%d acquisitions succeeded, want %d", won, max)
	}
	c, err := handles[0].CountLeases(ctx, user, base)
	must(t, err)
	if c != max {
		t.Fatalf("%d leases stored, want %d", c, max)
	}
}

func testLeaseConcurrent(t *testing.T, s storage.Storage) {
	for range 3 {
		acquireRace(t, []storage.Storage{s}, 20, 5)
	}
}

func testLeaseAcrossHandles(t *testing.T, a, b storage.Storage) {
	for range 3 {
		acquireRace(t, []storage.Storage{a, b}, 20, 5)
	}
}
