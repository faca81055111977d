package scaleout

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

// fakeClock is a settable clock for ReplicaConfig.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newClock() *fakeClock { return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func TestReplicaConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  ReplicaConfig
		want string
	}{
		{"no id", ReplicaConfig{Address: "https://10.0.0.1:443"}, "replica ID is required"},
		{"no address", ReplicaConfig{ID: "r1"}, "http(s) URL"},
		{"relative address", ReplicaConfig{ID: "r1", Address: "10.0.0.1:443"}, "replica address"},
		{"ttl too short", ReplicaConfig{ID: "r1", Address: "http://10.0.0.1", HeartbeatInterval: time.Second, TTL: time.Second}, "must exceed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReplica(tc.cfg, &crashableStore{}, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewReplica: %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := NewReplica(ReplicaConfig{Address: "http://x"}, &crashableStore{}, nil); !errors.Is(err, ErrNoReplicaID) {
		t.Fatalf("missing ID: %v, want ErrNoReplicaID", err)
	}
	r, err := NewReplica(ReplicaConfig{ID: "r1", Address: "https://10.0.0.1:8443"}, &crashableStore{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.cfg.TTL != DefaultReplicaTTL || r.cfg.SweepInterval != DefaultReplicaTTL || r.cfg.LeaseTTL != DefaultLeaseTTL {
		t.Fatalf("defaults: %+v", r.cfg)
	}
}

func acquire(t testing.TB, st storage.LeaseStore, shell, user, replica string, now time.Time, ttl time.Duration) {
	t.Helper()
	if err := st.AcquireLease(context.Background(), storage.Lease{ShellID: shell, UserID: user, ReplicaID: replica,
		CreatedAt: now, RenewedAt: now, ExpiresAt: now.Add(ttl)}, 0); err != nil {
		t.Fatal(err)
	}
}

func TestReplicaHeartbeatRenewDeregister(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st := openStore(t, dsn)
		clk := newClock()
		local := []string{"S1", "S2"}
		r, err := NewReplica(ReplicaConfig{ID: "r1", Address: "https://10.0.0.1:8443", LeaseTTL: time.Hour,
			Shells: func() []string { return local }, Now: clk.Now}, st, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Register(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := st.GetReplica(ctx, "r1")
		if err != nil || got.Address != "https://10.0.0.1:8443" || !got.HeartbeatAt.Equal(clk.Now()) {
			t.Fatalf("GetReplica = %+v, %v", got, err)
		}
		clk.Add(5 * time.Second)
		if err := r.Heartbeat(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.GetReplica(ctx, "r1"); !got.HeartbeatAt.Equal(clk.Now()) {
			t.Fatalf("HeartbeatAt = %v, want %v", got.HeartbeatAt, clk.Now())
		}
		// Swept while paused: the heartbeat registers again.
		if err := st.DeleteReplica(ctx, "r1"); err != nil {
			t.Fatal(err)
		}
		if err := r.Heartbeat(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := st.GetReplica(ctx, "r1"); err != nil {
			t.Fatalf("not registered again: %v", err)
		}

		start := clk.Now()
		acquire(t, st, "S1", "u1", "r1", start, time.Minute)
		acquire(t, st, "S2", "u1", "r1", start, time.Minute)
		acquire(t, st, "S3", "u1", "r1", start, time.Minute) // closed locally: not listed
		acquire(t, st, "S4", "u1", "r2", start, time.Minute) // another replica's
		clk.Add(30 * time.Second)
		n, err := r.RenewLeases(ctx)
		if err != nil || n != 2 {
			t.Fatalf("RenewLeases = %d, %v; want 2", n, err)
		}
		for id, want := range map[string]time.Time{"S1": clk.Now().Add(time.Hour), "S2": clk.Now().Add(time.Hour),
			"S3": start.Add(time.Minute), "S4": start.Add(time.Minute)} {
			l, err := st.GetLease(ctx, id)
			if err != nil || !l.ExpiresAt.Equal(want) {
				t.Fatalf("lease %s expires %v (%v), want %v", id, l.ExpiresAt, err, want)
			}
		}

		if err := r.Deregister(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := st.GetReplica(ctx, "r1"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("after Deregister GetReplica: %v", err)
		}
		for id, gone := range map[string]bool{"S1": true, "S2": true, "S3": true, "S4": false} {
			if _, err := st.GetLease(ctx, id); errors.Is(err, storage.ErrNotFound) != gone {
				t.Fatalf("lease %s after Deregister: %v (want gone=%v)", id, err, gone)
			}
		}
	})
}

// TestReplicaRun: Run registers, heartbeats on its interval, renews the
// local leases and deregisters when ctx ends.
func TestReplicaRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := openStore(t, backends[0].dsn(t))
	now := time.Now().UTC()
	acquire(t, st, "S1", "u1", "r1", now, 2*time.Second)
	r, err := NewReplica(ReplicaConfig{ID: "r1", Address: "http://127.0.0.1:1", HeartbeatInterval: 20 * time.Millisecond,
		TTL: time.Second, LeaseTTL: time.Hour, Shells: func() []string { return []string{"S1"} }}, st, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var first time.Time
	waitFor(t, "registration", 5*time.Second, func() (bool, error) {
		rep, err := st.GetReplica(ctx, "r1")
		first = rep.HeartbeatAt
		return err == nil, nil
	})
	waitFor(t, "a heartbeat", 5*time.Second, func() (bool, error) {
		rep, err := st.GetReplica(ctx, "r1")
		return err == nil && rep.HeartbeatAt.After(first), err
	})
	// Renewal happens every max(LeaseTTL/3, heartbeat) = 20 min: not yet.
	if l, _ := st.GetLease(ctx, "S1"); l.ExpiresAt.After(now.Add(time.Minute)) {
		t.Fatalf("lease renewed too early: %v", l.ExpiresAt)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, err := st.GetReplica(context.Background(), "r1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Run did not deregister: %v", err)
	}
	if _, err := st.GetLease(context.Background(), "S1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Run left the lease behind: %v", err)
	}
}

// TestReplicaRunRenews: with a short LeaseTTL Run keeps a lease alive
// far past its original expiry.
func TestReplicaRunRenews(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := openStore(t, backends[0].dsn(t))
	now := time.Now().UTC()
	acquire(t, st, "S1", "u1", "r1", now, 150*time.Millisecond)
	r, err := NewReplica(ReplicaConfig{ID: "r1", Address: "http://127.0.0.1:1", HeartbeatInterval: 20 * time.Millisecond,
		TTL: time.Second, SweepInterval: 20 * time.Millisecond, LeaseTTL: 150 * time.Millisecond,
		Shells: func() []string { return []string{"S1"} }}, st, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	time.Sleep(600 * time.Millisecond) // four lease lifetimes, with sweeps
	if n, err := st.CountLeases(ctx, "u1", time.Now()); err != nil || n != 1 {
		t.Fatalf("CountLeases = %d, %v; the renewed lease expired", n, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
