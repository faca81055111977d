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
