package psrp

import (
	"errors"
	"testing"
)

func TestClientPipelineInputRules(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	p.open()
	req := simpleCmd("x")
	req.NoInput = true
	cp, err := p.cli.CreatePipeline(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := cp.SendInput("x"); !errors.Is(err, ErrPipelineDone) {
		t.Fatalf("input on NoInput pipeline: %v", err)
	}
	if err := cp.EndInput(); !errors.Is(err, ErrPipelineDone) {
		t.Fatalf("end on NoInput pipeline: %v", err)
	}
	if cp.ID() != targetKey(cp.PID().String()) {
		t.Fatalf("ID %s", cp.ID())
	}
	if cp.State() != PipelineRunning {
		t.Fatalf("state %v", cp.State())
	}
	// The server refuses input for a NoInput pipeline.
	p.up(cp.ID())
	drain(p.srv)
	p.cli.mu.Lock()
	_ = p.cli.enqueueLocked(cp.ID(), MsgPipelineInput, cp.PID(), rawData("<S>x</S>"))
	p.cli.mu.Unlock()
	d, _ := p.cli.DataToSend(cp.ID(), 1<<16)
	var ue *UnexpectedMessageError
	if err := p.srv.ReceiveData(cp.ID(), StreamStdin, d); !errors.As(err, &ue) {
		t.Fatalf("server accepted input: %v", err)
	}
}

func TestClientRemovePipeline(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	p.open()
	cp, _ := p.cli.CreatePipeline(simpleCmd("x"))
	p.cli.RemovePipeline(cp.ID())
	if p.cli.Pending(cp.ID()) {
		t.Fatal("queue kept")
	}
	if err := cp.SendInput("x"); !errors.Is(err, ErrPipelineDone) {
		t.Fatalf("input after remove: %v", err)
	}
}
