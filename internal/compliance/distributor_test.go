package compliance

import (
	"context"
	"testing"
	"time"
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
