package compliance

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

func TestDistributorRunStops(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	rs := e.open(e.scc, e.admin)
	must(t, rs, "New-RetentionCompliancePolicy", A("", "D"), A("SharePointLocation", "All"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- NewDistributor(e.st, DistributorConfig{Interval: 10 * time.Millisecond}, testLogger(t)).Run(ctx)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if got := must(t, rs, "Get-RetentionCompliancePolicy", A("", "D")); propStr(got[0], "DistributionStatus") == StatusSuccess {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("distributor never distributed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Run returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}

// txCounter counts transactions on the real store beneath it.
type txCounter struct {
	storage.Storage
	txs int
}

func (c *txCounter) Tx(ctx context.Context, fn func(context.Context, storage.Storage) error) error {
	c.txs++
	return c.Storage.Tx(ctx, fn)
}

// One Step distributes pending policies and deletes removed ones in one
// transaction per distributeChunk changes, not one per policy, and leaves
// each in its final state.
func TestDistributorCommitsAPageAtOnce(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	rs := e.open(e.scc, e.admin)
	for i := range distributeChunk {
		must(t, rs, "New-RetentionCompliancePolicy", A("", fmt.Sprint("B", i)), A("SharePointLocation", "All"))
	}
	must(t, rs, "Remove-RetentionCompliancePolicy", A("", "B0"), noConfirm())
	st := &txCounter{Storage: e.st}
	n, err := NewDistributor(st, DistributorConfig{}, testLogger(t)).Step(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != distributeChunk || st.txs != 1 {
		t.Fatalf("Step distributed %d policies in %d transactions, want %d in 1", n, st.txs, distributeChunk)
	}
	for i := 1; i < distributeChunk; i++ {
		if got := must(t, rs, "Get-RetentionCompliancePolicy", A("", fmt.Sprint("B", i))); propStr(got[0], "DistributionStatus") != StatusSuccess {
			t.Fatalf("B%d is %s", i, propStr(got[0], "DistributionStatus"))
		}
	}
	if _, err := e.st.GetObjectByName(context.Background(), e.admin.TenantID, KindPolicy, "B0"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("removed policy still stored: %v", err)
	}
}

// lateStore serves ListObjects as a replica would see it before other
// replicas' commits land: a policy in late is listed as the stale
// version held there, or not at all when that is the zero Object.
type lateStore struct {
	storage.Storage
	late map[string]storage.Object // by ID
}

func (s *lateStore) ListObjects(ctx context.Context, q storage.ObjectQuery) ([]storage.Object, string, error) {
	objs, next, err := s.Storage.ListObjects(ctx, q)
	out := objs[:0]
	for _, o := range objs {
		if stale, ok := s.late[o.ID]; ok {
			if stale.ID == "" {
				continue
			}
			o = stale
		}
		out = append(out, o)
	}
	return out, next, err
}

// getPolicyObject reads a policy as stored.
func getPolicyObject(t *testing.T, e *env, name string) storage.Object {
	t.Helper()
	o, err := e.st.GetObjectByName(context.Background(), e.admin.TenantID, KindPolicy, name)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func step(t *testing.T, d *Distributor, want int) {
	t.Helper()
	if n, err := d.Step(context.Background()); err != nil || n != want {
		t.Fatalf("Step = %d, %v; want %d", n, err, want)
	}
}

// A pending policy whose commit becomes visible only after a pass saw
// newer changes is still distributed, whether it is new or a later
// version of a policy the distributor already judged settled.
func TestDistributorLateCommitInLagWindow(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	rs := e.open(e.scc, e.admin)
	must(t, rs, "New-RetentionCompliancePolicy", A("", "Seen"), A("SharePointLocation", "All"))
	st := &lateStore{Storage: e.st, late: map[string]storage.Object{}}
	d := NewDistributor(st, DistributorConfig{}, testLogger(t))
	step(t, d, 1) // Seen is Success, remembered at its new version
	settled := getPolicyObject(t, e, "Seen")

	// Seen is modified again and New is created, but neither commit is
	// visible yet; Newer, modified after both, is.
	must(t, rs, "Set-RetentionCompliancePolicy", A("", "Seen"), A("Comment", "again"))
	must(t, rs, "New-RetentionCompliancePolicy", A("", "New"), A("SharePointLocation", "All"))
	must(t, rs, "New-RetentionCompliancePolicy", A("", "Newer"), A("SharePointLocation", "All"))
	st.late[settled.ID] = settled
	st.late[getPolicyObject(t, e, "New").ID] = storage.Object{}
	step(t, d, 1) // Newer only
	if newer := getPolicyObject(t, e, "Newer"); !newer.ModifiedAt.After(getPolicyObject(t, e, "New").ModifiedAt) {
		t.Fatal("Newer is not the newest change")
	}

	clear(st.late) // the late commits land, older than the newest seen
	step(t, d, 2)
	for _, name := range []string{"Seen", "New", "Newer"} {
		if got := must(t, rs, "Get-RetentionCompliancePolicy", A("", name)); propStr(got[0], "DistributionStatus") != StatusSuccess {
			t.Errorf("%s is %s", name, propStr(got[0], "DistributionStatus"))
		}
	}
}

// callCounter counts the writes made through the real store beneath it.
type callCounter struct {
	storage.Storage
	lists, updates, deletes int
}

func (c *callCounter) ListObjects(ctx context.Context, q storage.ObjectQuery) ([]storage.Object, string, error) {
	c.lists++
	return c.Storage.ListObjects(ctx, q)
}

func (c *callCounter) UpdateObject(ctx context.Context, tenant, kind, id string, fn func(storage.Object) (storage.Object, error)) (storage.Object, error) {
	c.updates++
	return c.Storage.UpdateObject(ctx, tenant, kind, id, fn)
}

func (c *callCounter) DeleteObject(ctx context.Context, tenant, kind, id string) error {
	c.deletes++
	return c.Storage.DeleteObject(ctx, tenant, kind, id)
}

// Tx counts through the same counter, so writes inside it are counted.
func (c *callCounter) Tx(ctx context.Context, fn func(context.Context, storage.Storage) error) error {
	return c.Storage.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
		return fn(ctx, &callCounter{Storage: tx})
	})
}

// In steady state a pass lists the lag window again but decodes only
// what changed since it was judged: unchanged policies, including those
// the distributor itself moved to Success, cost no decode and no write.
func TestDistributorSkipsSettledPolicies(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	rs := e.open(e.scc, e.admin)
	const policies = 20
	for i := range policies {
		must(t, rs, "New-RetentionCompliancePolicy", A("", fmt.Sprint("S", i)), A("SharePointLocation", "All"))
	}
	st := &callCounter{Storage: e.st}
	d := NewDistributor(st, DistributorConfig{Lag: time.Hour}, testLogger(t))
	step(t, d, policies)
	if d.decoded != policies || d.window.len() != policies {
		t.Fatalf("first pass decoded %d and remembers %d, want %d", d.decoded, d.window.len(), policies)
	}
	check := func(what string, decoded int) {
		t.Helper()
		d.decoded = 0
		lists := st.lists
		if n, err := d.Step(context.Background()); err != nil || n != 0 {
			t.Fatalf("%s: Step = %d, %v", what, n, err)
		}
		if d.decoded != decoded || st.lists != lists+1 {
			t.Fatalf("%s: decoded %d bodies in %d lists, want %d in 1", what, d.decoded, st.lists-lists, decoded)
		}
	}
	check("unchanged", 0)
	check("unchanged again", 0)

	must(t, rs, "Set-RetentionCompliancePolicy", A("", "S3"), A("Comment", "changed"))
	d.decoded = 0
	step(t, d, 1)
	if d.decoded != 1 {
		t.Fatalf("one change: decoded %d bodies, want 1", d.decoded)
	}
	check("after the change", 0)
}

// Two replicas distribute the same policies idempotently, and one that
// remembers a policy settled still sees the other's later version.
func TestDistributorTwoReplicas(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	rs := e.open(e.scc, e.admin)
	must(t, rs, "New-RetentionCompliancePolicy", A("", "R"), A("SharePointLocation", "All"))
	d1 := NewDistributor(e.st, DistributorConfig{}, testLogger(t))
	d2 := NewDistributor(e.reopen(), DistributorConfig{}, testLogger(t))
	step(t, d1, 1)
	step(t, d2, 0)
	must(t, rs, "Set-RetentionCompliancePolicy", A("", "R"), A("Comment", "again"))
	step(t, d2, 1)
	d1.decoded = 0
	step(t, d1, 0)
	if d1.decoded != 1 {
		t.Fatalf("replica 1 decoded %d bodies, want R's new version", d1.decoded)
	}
	if got := must(t, rs, "Get-RetentionCompliancePolicy", A("", "R")); propStr(got[0], "DistributionStatus") != StatusSuccess {
		t.Fatalf("R is %s", propStr(got[0], "DistributionStatus"))
	}
}
