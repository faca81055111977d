package psrp

import (
	"testing"
	"time"

	"github.com/ipps/ipps/internal/psrp/fragment"
)

func TestDataToSendBudget(t *testing.T) {
	cfg := Config{MaxFragmentSize: fragment.MaxBlob}
	p := newMempipe(t, ClientConfig{Config: cfg}, ServerConfig{Config: cfg}, 1<<16)
	p.open()
	cp, sp, _ := createOne(t, p, simpleCmd("x"))
	for range 20 {
		if err := sp.WriteOutput("0123456789012345678901234567890123456789"); err != nil {
			t.Fatal(err)
		}
	}
	// Too small for a header plus one byte: nothing.
	if d, _ := p.srv.DataToSend(cp.ID(), fragment.HeaderSize); d != nil {
		t.Fatalf("got %d bytes for a header-only budget", len(d))
	}
	// Pool target has nothing: pipelines' data never leaks there.
	if d, _ := p.srv.DataToSend(PoolTarget, 1<<16); d != nil {
		t.Fatal("pipeline data on pool target")
	}
	var all []byte
	for _, budget := range []int{22, 50, 97, 200, 1 << 16} {
		d, final := p.srv.DataToSend(cp.ID(), budget)
		if len(d) > budget || final {
			t.Fatalf("budget %d: %d bytes final=%v", budget, len(d), final)
		}
		if _, err := fragment.ParseAll(d); err != nil {
			t.Fatalf("budget %d: not whole fragments: %v", budget, err)
		}
		all = append(all, d...)
	}
	if err := p.cli.ReceiveData(cp.ID(), StreamStdin, all); err != nil {
		t.Fatal(err)
	}
	if evs := drain(p.cli); len(evs) != 20 {
		t.Fatalf("%d events", len(evs))
	}
	_ = cp.EndInput()
	p.up(cp.ID())
	_ = sp.Complete()
	_, final := p.srv.DataToSend(cp.ID(), 1<<16)
	_, again := p.srv.DataToSend(cp.ID(), 1<<16)
	if !final || again {
		t.Fatalf("final %v then %v", final, again)
	}
}

func TestReadySignals(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	p.open()
	cp, sp, _ := createOne(t, p, simpleCmd("x"))
	ready := p.srv.Ready(cp.ID())
	select {
	case <-ready:
		t.Fatal("ready before data")
	default:
	}
	_ = sp.WriteOutput("x")
	_ = sp.WriteOutput("y")
	select {
	case <-ready:
	default:
		t.Fatal("no signal after write")
	}
	if !p.srv.Pending(cp.ID()) {
		t.Fatal("not pending")
	}
}

// TestReadyMadeLate checks that a Ready channel made after data was
// queued (queues make theirs on the first Ready) holds the signal an
// earlier one would, and that later signals still arrive.
func TestReadyMadeLate(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	p.open()
	cp, sp, _ := createOne(t, p, simpleCmd("x"))
	_ = sp.WriteOutput("x")
	ready := p.srv.Ready(cp.ID())
	select {
	case <-ready:
	default:
		t.Fatal("no signal for output queued before Ready")
	}
	if again := p.srv.Ready(cp.ID()); again != ready {
		t.Fatal("Ready returned a second channel")
	}
	p.down(cp.ID())
	_ = sp.WriteOutput("y")
	select {
	case <-ready:
	default:
		t.Fatal("no signal after a later write")
	}
	// A client pipeline's queue, never asked for Ready, has no channel.
	p.cli.mu.Lock()
	q := p.cli.lookupLocked(cp.ID())
	p.cli.mu.Unlock()
	if q != nil && q.ready != nil {
		t.Fatal("client pipeline queue made a Ready channel")
	}
}

// TestBackPressureBlocksWriter: a write waits while the pipeline queue is
// over MaxQueuedBytes and resumes when DataToSend drains it.
func TestBackPressureBlocksWriter(t *testing.T) {
	cfg := Config{MaxQueuedBytes: 100}
	p := newMempipe(t, ClientConfig{Config: cfg}, ServerConfig{Config: cfg}, 1<<16)
	p.open()
	cp, sp, _ := createOne(t, p, simpleCmd("x"))
	if err := sp.WriteOutput("first output: with its 40-byte header this message is longer than the 100-byte bound"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sp.WriteOutput("second") }()
	select {
	case err := <-done:
		t.Fatalf("second write did not block (err %v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	if d, _ := p.srv.DataToSend(cp.ID(), 1<<16); d == nil {
		t.Fatal("nothing to send")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("writer not woken by DataToSend")
	}
	// Unbounded queues never block.
	cfg.MaxQueuedBytes = -1
	q := newMempipe(t, ClientConfig{Config: cfg}, ServerConfig{Config: cfg}, 1<<16)
	q.open()
	_, sp2, _ := createOne(t, q, simpleCmd("y"))
	for range 100 {
		if err := sp2.WriteOutput("0123456789"); err != nil {
			t.Fatal(err)
		}
	}
}
