package scaleout

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/storage"
)

func TestSweep(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st := openStore(t, dsn)
		clk := newClock()
		now := clk.Now()
		r, err := NewReplica(ReplicaConfig{ID: "self", Address: "http://10.0.0.1", HeartbeatInterval: time.Second,
			TTL: 10 * time.Second, Now: clk.Now}, st, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		for id, age := range map[string]time.Duration{"self": time.Hour, "live": 9 * time.Second, "dead": 10 * time.Second, "ancient": 30 * 24 * time.Hour} {
			if err := st.RegisterReplica(ctx, storage.Replica{ID: id, Address: "http://" + id, StartedAt: now.Add(-age), HeartbeatAt: now.Add(-age)}); err != nil {
				t.Fatal(err)
			}
		}
		acquire(t, st, "L1", "u1", "live", now, time.Hour)
		acquire(t, st, "L2", "u1", "live", now.Add(-2*time.Hour), time.Hour) // expired
		acquire(t, st, "D1", "u1", "dead", now, time.Hour)
		acquire(t, st, "D2", "u2", "dead", now, time.Hour)
		acquire(t, st, "A1", "u1", "ancient", now, time.Hour)
		acquire(t, st, "S1", "u1", "self", now, time.Hour) // own row is stale, but never swept by itself

		res, err := r.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(res.DeadReplicas)
		if !slices.Equal(res.DeadReplicas, []string{"ancient", "dead"}) || res.ReplicaLeases != 3 || res.ExpiredLeases != 1 {
			t.Fatalf("Sweep = %+v", res)
		}
		for id, gone := range map[string]bool{"L1": false, "L2": true, "D1": true, "D2": true, "A1": true, "S1": false} {
			if _, err := st.GetLease(ctx, id); errors.Is(err, storage.ErrNotFound) != gone {
				t.Fatalf("lease %s: %v (want gone=%v)", id, err, gone)
			}
		}
		live, err := st.ListLiveReplicas(ctx, now, allReplicasTTL)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, x := range live {
			ids = append(ids, x.ID)
		}
		if !slices.Equal(ids, []string{"live", "self"}) {
			t.Fatalf("replicas after Sweep: %v", ids)
		}
		if n, err := st.CountLeases(ctx, "u2", now); err != nil || n != 0 {
			t.Fatalf("u2 still holds %d leases (%v)", n, err)
		}
		// Idempotent: a second sweep (or another replica's) finds nothing.
		if res, err := r.Sweep(ctx); err != nil || len(res.DeadReplicas) != 0 || res.ExpiredLeases != 0 {
			t.Fatalf("second Sweep = %+v, %v", res, err)
		}
	})
}

type fakeLister []remoting.ShellInfo

func (f fakeLister) Shells() []remoting.ShellInfo { return f }

func TestLocalShells(t *testing.T) {
	ids := LocalShells(fakeLister{{ID: "A"}, {ID: "B"}}, fakeLister{}, fakeLister{{ID: "C"}})()
	if !slices.Equal(ids, []string{"A", "B", "C"}) {
		t.Fatalf("LocalShells = %v", ids)
	}
}
