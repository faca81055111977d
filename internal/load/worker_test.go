package load

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

func TestWorkerPlanWritesOnlyOwnPolicies(t *testing.T) {
	w := &worker{prefix: "load-r-u1-s1", target: "t", rng: rand.New(rand.NewPCG(1, 1)), ledger: &Ledger{}}
	// Set and Remove without an own policy create one instead.
	for _, name := range []string{"Set-RetentionCompliancePolicy", "Remove-RetentionCompliancePolicy"} {
		cmd, write, ack, _ := w.plan(name)
		if cmd.Name != "New-RetentionCompliancePolicy" || !write || ack == nil {
			t.Fatalf("%s with no own policy planned %+v", name, cmd)
		}
	}
	cmd, _, ack, _ := w.plan("New-RetentionCompliancePolicy")
	if cmd.Args[0].Value != "load-r-u1-s1-3" {
		t.Fatalf("name %v", cmd.Args[0].Value)
	}
	if len(w.own) != 0 {
		t.Fatal("unacknowledged create remembered")
	}
	ack()
	cmd, _, ack, _ = w.plan("Set-RetentionCompliancePolicy")
	if cmd.Args[0].Value != "load-r-u1-s1-3" || cmd.Args[1].Name != "Comment" {
		t.Fatalf("set planned %+v", cmd)
	}
	ack()
	if p := w.ledger.policies["load-r-u1-s1-3"]; p == nil || p.comment != cmd.Args[1].Value || w.ledger.acks != 2 {
		t.Fatalf("ledger %+v", w.ledger.policies)
	}
	if cmd, write, _, _ := w.plan("Get-RetentionCompliancePolicy"); write || len(cmd.Args) != 1 || cmd.Args[0].Value != "load-r-u1-s1-3" {
		t.Fatalf("get planned %+v", cmd)
	}
	// Remove keeps the last own policy (so Gets stay point reads): it
	// creates a second one instead, and then removes the oldest.
	cmd, _, ack, _ = w.plan("Remove-RetentionCompliancePolicy")
	if cmd.Name != "New-RetentionCompliancePolicy" {
		t.Fatalf("remove of the only own policy planned %+v", cmd)
	}
	ack()
	cmd, _, ack, _ = w.plan("Remove-RetentionCompliancePolicy")
	if len(cmd.Args) != 2 || cmd.Args[0].Value != "load-r-u1-s1-3" || cmd.Args[1].Name != "Confirm" || cmd.Args[1].Value != false {
		t.Fatalf("remove planned %+v", cmd)
	}
	ack()
	if len(w.own) != 1 || !w.ledger.policies["load-r-u1-s1-3"].removed {
		t.Fatal("removal not recorded")
	}
	if live := w.ledger.Live(); len(live) != 1 || live[0] != "load-r-u1-s1-5" {
		t.Fatalf("live policies %v", live)
	}
	if cmd, write, _, _ := w.plan("Get-ComplianceTag"); write || len(cmd.Args) != 0 {
		t.Fatalf("other cmdlet planned %+v", cmd)
	}
}

// A paced worker starts calls on a fixed schedule and reports the
// scheduled time (not the moment it got round to it) as the start.
func TestWorkerDuePacesCalls(t *testing.T) {
	w := &worker{rng: rand.New(rand.NewPCG(1, 2)), interval: 20 * time.Millisecond}
	ctx := context.Background()
	first, ok := w.due(ctx)
	if !ok {
		t.Fatal("due refused")
	}
	second, _ := w.due(ctx)
	if got := second.Sub(first); got != w.interval {
		t.Fatalf("second call scheduled %v after the first, want %v", got, w.interval)
	}
	// A worker that fell behind starts at once but is charged from its
	// schedule.
	time.Sleep(3 * w.interval)
	third, _ := w.due(ctx)
	if time.Since(third) < 2*w.interval {
		t.Fatalf("late call reported start %v ago; want its scheduled time", time.Since(third))
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	w.next = time.Now().Add(time.Hour)
	if _, ok := w.due(cctx); ok {
		t.Fatal("due waited past a cancelled context")
	}
	// Closed loop: now, no waiting.
	if at, ok := (&worker{}).due(ctx); !ok || time.Since(at) > time.Second {
		t.Fatal("closed-loop due")
	}
}
