package psrp

import (
	"errors"
	"testing"

	"github.com/ipps/ipps/internal/clixml"
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

// TestClientReceiveDataKeepsNothing checks the contract that lets the
// client pool handle one-fragment messages in place: after ReceiveData
// returns, overwriting the payload changes none of the events it made.
func TestClientReceiveDataKeepsNothing(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	p.open()
	cp, err := p.cli.CreatePipeline(simpleCmd("x"))
	if err != nil {
		t.Fatal(err)
	}
	p.up(cp.ID())
	var sp *ServerPipeline
	for _, ev := range drain(p.srv) {
		if c, ok := ev.(CreatePipelineEvent); ok {
			sp = c.Pipeline
		}
	}
	if sp == nil {
		t.Fatal("no CreatePipelineEvent")
	}
	want := clixml.NewPSCustomObject(clixml.Property{Name: "Name", Value: "policy-1"}, clixml.Property{Name: "Count", Value: int32(3)})
	if err := sp.WriteOutput(want); err != nil {
		t.Fatal(err)
	}
	data, _ := p.srv.DataToSend(cp.ID(), 1<<16)
	if err := p.cli.ReceiveData(cp.ID(), StreamStdin, data); err != nil {
		t.Fatal(err)
	}
	for i := range data {
		data[i] = 'X'
	}
	var got clixml.Value
	for _, ev := range drain(p.cli) {
		if o, ok := ev.(OutputEvent); ok {
			got = o.Value
		}
	}
	if !clixml.Equal(got, want) {
		t.Fatalf("output after the payload was overwritten: %#v, want %#v", got, want)
	}
}
