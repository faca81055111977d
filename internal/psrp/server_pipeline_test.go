package psrp

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp/fragment"
)

func createOne(t *testing.T, p *mempipe, req CreatePipeline) (*ClientPipeline, *ServerPipeline, CreatePipeline) {
	t.Helper()
	cp, err := p.cli.CreatePipeline(req)
	if err != nil {
		t.Fatal(err)
	}
	p.up(cp.ID())
	evs := drain(p.srv)
	if len(evs) != 1 {
		t.Fatalf("events %#v", evs)
	}
	ce, ok := evs[0].(CreatePipelineEvent)
	if !ok {
		t.Fatalf("event %T", evs[0])
	}
	if ce.Pipeline.ID() != cp.ID() || ce.Pipeline.PID() != cp.PID() {
		t.Fatalf("ids %s/%s", ce.Pipeline.ID(), cp.ID())
	}
	return cp, ce.Pipeline, ce.Request
}

func simpleCmd(name string) CreatePipeline {
	return CreatePipeline{Host: NullHost, Statements: []Statement{{Commands: []Command{{Name: name}}}}}
}

// TestPipelineInputAndManyOutputs runs a pipeline with input and 1,000
// output objects through 200-byte fragments and a 4 KiB queue bound, so
// that fragmentation and back-pressure both engage.
func TestPipelineInputAndManyOutputs(t *testing.T) {
	cfg := Config{MaxFragmentSize: 200, MaxQueuedBytes: 4096}
	p := newMempipe(t, ClientConfig{Config: cfg}, ServerConfig{Config: cfg}, 1500)
	p.open()
	cp, sp, req := createOne(t, p, simpleCmd("Get-Thing"))
	if req.NoInput || req.Statements[0].Commands[0].Name != "Get-Thing" {
		t.Fatalf("request %+v", req)
	}
	for i := range 3 {
		if err := cp.SendInput(fmt.Sprintf("in%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := cp.EndInput(); err != nil {
		t.Fatal(err)
	}
	if err := cp.SendInput("late"); !errors.Is(err, ErrPipelineDone) {
		t.Fatalf("input after end: %v", err)
	}
	p.up(cp.ID())
	var inputs []clixml.Value
	ended := false
	for _, ev := range drain(p.srv) {
		switch ev := ev.(type) {
		case PipelineInputEvent:
			inputs = append(inputs, ev.Value)
		case EndOfPipelineInputEvent:
			ended = true
		default:
			t.Fatalf("event %T", ev)
		}
	}
	if len(inputs) != 3 || inputs[2] != "in2" || !ended {
		t.Fatalf("inputs %v ended %v", inputs, ended)
	}

	const n = 1000
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range n {
			obj := clixml.NewPSCustomObject(clixml.Property{Name: "Index", Value: int32(i)}, clixml.Property{Name: "Name", Value: fmt.Sprintf("object number %d with some padding text", i)})
			if err := sp.WriteOutput(obj); err != nil {
				t.Errorf("WriteOutput %d: %v", i, err)
				return
			}
		}
		_ = sp.WriteOutput(nil)
		_ = sp.WriteError(&ErrorRecord{Message: "non-terminating"})
		_ = sp.WriteInformational(InformationalRecord{Kind: Verbose, Message: "v"})
		_ = sp.WriteProgress(ProgressRecord{Activity: "a", ParentActivityID: -1, PercentComplete: -1, SecondsRemaining: -1})
		_ = sp.WriteInformation(InformationRecord{MessageData: "i", Source: "s"})
		if err := sp.Complete(); err != nil {
			t.Error(err)
		}
	}()
	p.downUntilFinal(cp.ID())
	wg.Wait()
	var outs []clixml.Value
	var kinds []string
	for _, ev := range drain(p.cli) {
		switch ev := ev.(type) {
		case OutputEvent:
			outs = append(outs, ev.Value)
		case PipelineStateEvent:
			kinds = append(kinds, "state:"+ev.State.State.String())
		default:
			kinds = append(kinds, fmt.Sprintf("%T", ev))
		}
	}
	if len(outs) != n+1 || outs[n] != nil {
		t.Fatalf("%d outputs", len(outs))
	}
	for i, v := range outs[:n] {
		idx, _ := v.(*clixml.Object).Get("Index")
		if idx != int32(i) {
			t.Fatalf("output %d has Index %v", i, idx)
		}
	}
	wantKinds := []string{"psrp.ErrorRecordEvent", "psrp.InformationalEvent", "psrp.ProgressEvent", "psrp.InformationEvent", "state:Completed"}
	if fmt.Sprint(kinds) != fmt.Sprint(wantKinds) {
		t.Fatalf("events %v", kinds)
	}
	if cp.State() != PipelineCompleted || sp.State() != PipelineCompleted {
		t.Fatalf("states %v %v", cp.State(), sp.State())
	}
	if err := sp.WriteOutput("after"); !errors.Is(err, ErrPipelineDone) {
		t.Fatalf("write after complete: %v", err)
	}
}

// TestCompleteHeldUntilEndOfInput checks MS-PSRP 3.7's rule: no terminal
// state before END_OF_PIPELINE_INPUT when NoInput is false.
func TestCompleteHeldUntilEndOfInput(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	p.open()
	cp, sp, _ := createOne(t, p, simpleCmd("Get-Thing"))
	if err := sp.WriteOutput("early"); err != nil {
		t.Fatal(err)
	}
	if err := sp.Complete(); err != nil {
		t.Fatal(err)
	}
	if err := sp.Complete(); !errors.Is(err, ErrPipelineDone) {
		t.Fatalf("second Complete: %v", err)
	}
	if p.down(cp.ID()) || sp.State() != PipelineRunning {
		t.Fatal("terminal state sent before end of input")
	}
	if err := cp.EndInput(); err != nil {
		t.Fatal(err)
	}
	p.up(cp.ID())
	if !p.down(cp.ID()) {
		t.Fatal("no terminal state after end of input")
	}
	evs := drain(p.cli)
	if len(evs) != 2 || evs[1].(PipelineStateEvent).State.State != PipelineCompleted {
		t.Fatalf("%#v", evs)
	}
}

func TestPipelineFailAndScriptsNotAllowed(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	p.open()
	req := CreatePipeline{NoInput: true, Host: NullHost, Statements: []Statement{{Commands: []Command{{Name: "Get-Date; rm *", IsScript: true}}}}}
	cp, sp, got := createOne(t, p, req)
	if !got.Statements[0].Commands[0].IsScript {
		t.Fatal("IsScript lost")
	}
	if err := sp.Fail(ScriptsNotAllowedRecord(got.Statements[0].Commands[0].Name)); err != nil {
		t.Fatal(err)
	}
	if !p.down(cp.ID()) {
		t.Fatal("no final")
	}
	evs := drain(p.cli)
	st := evs[0].(PipelineStateEvent).State
	if st.State != PipelineFailed || st.Error.FullyQualifiedErrorID != "ScriptsNotAllowed" || st.Error.Category != CategoryParserError || st.Error.TargetObject != "Get-Date; rm *" {
		t.Fatalf("%+v", st.Error)
	}
}

// TestPipelineStopUnblocksWriter stops a pipeline whose writer is blocked
// on a full queue.
func TestPipelineStopUnblocksWriter(t *testing.T) {
	cfg := Config{MaxQueuedBytes: 1024}
	p := newMempipe(t, ClientConfig{Config: cfg}, ServerConfig{Config: cfg}, 1<<16)
	p.open()
	cp, sp, _ := createOne(t, p, simpleCmd("Get-Forever"))
	errc := make(chan error, 1)
	go func() {
		for {
			if err := sp.WriteOutput("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"); err != nil {
				errc <- err
				return
			}
		}
	}()
	// Wait until the writer has filled the queue past its bound.
	for full := false; !full; {
		p.srv.mu.Lock()
		full = sp.q.bytes > cfg.MaxQueuedBytes
		p.srv.mu.Unlock()
		runtime.Gosched()
	}
	sp.Stop()
	if err := <-errc; !errors.Is(err, ErrPipelineDone) {
		t.Fatalf("blocked writer returned %v", err)
	}
	sp.Stop() // idempotent
	p.downUntilFinal(cp.ID())
	evs := drain(p.cli)
	st := evs[len(evs)-1].(PipelineStateEvent).State
	if st.State != PipelineStopped || st.Error.Message != PipelineStoppedMessage || st.Error.HResult != -2146233087 || st.Error.Category != CategoryOperationStopped {
		t.Fatalf("%+v", st)
	}
	// Input racing the stop is refused by the client and dropped by the
	// server.
	if err := cp.SendInput("late"); !errors.Is(err, ErrPipelineDone) {
		t.Fatalf("client input after stop: %v", err)
	}
	late := Message{Destination: DestinationServer, Type: MsgPipelineInput, RPID: p.cli.RPID(), PID: cp.PID(), Data: []byte("<S>late</S>")}
	if err := p.srv.ReceiveData(cp.ID(), StreamStdin, fragment.Split(nil, 1000, late.Encode(), 1<<10)); err != nil {
		t.Fatalf("server input after stop: %v", err)
	}
	if evs := drain(p.srv); len(evs) != 0 {
		t.Fatalf("late input produced %#v", evs)
	}
	p.srv.RemovePipeline(cp.ID())
	if p.srv.Pipeline(cp.ID()) != nil {
		t.Fatal("pipeline not removed")
	}
}

func TestGetCommandMetadataEndToEnd(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	p.open()
	cp, err := p.cli.GetCommandMetadata(GetCommandMetadata{Names: []string{"*"}, CommandType: CommandTypeImportDefault})
	if err != nil {
		t.Fatal(err)
	}
	p.up(cp.ID())
	evs := drain(p.srv)
	me, ok := evs[0].(GetCommandMetadataEvent)
	if !ok || !me.Pipeline.IsMetadata() || me.Request.Names[0] != "*" || me.Request.CommandType != 271 {
		t.Fatalf("%#v", evs)
	}
	cmds := []CommandMetadata{
		{Name: "Get-Mailbox", Namespace: "m", CommandType: CommandTypeCmdlet, Parameters: append([]ParameterMetadata{{Name: "Identity", Type: "System.String"}}, CommonParameters()...)},
		{Name: "Set-Mailbox", Namespace: "m", CommandType: CommandTypeCmdlet, Parameters: CommonParameters()},
	}
	sp := me.Pipeline
	if err := sp.WriteOutput(CommandCountObject(len(cmds))); err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		if err := sp.WriteOutput(c.Object()); err != nil {
			t.Fatal(err)
		}
	}
	if err := sp.Complete(); err != nil { // NoInput: not held
		t.Fatal(err)
	}
	if !p.down(cp.ID()) {
		t.Fatal("no final")
	}
	out := drain(p.cli)
	if len(out) != 4 {
		t.Fatalf("%d events", len(out))
	}
	if n, ok := DecodeCommandCount(out[0].(OutputEvent).Value); !ok || n != 2 {
		t.Fatalf("count %v", n)
	}
	for i, c := range cmds {
		got, err := DecodeCommandMetadata(out[i+1].(OutputEvent).Value)
		if err != nil || got.Name != c.Name || len(got.Parameters) != len(c.Parameters) {
			t.Fatalf("command %d: %+v %v", i, got, err)
		}
	}
}

// TestInterleavedPipelines runs two pipelines whose fragments alternate
// on the wire, in both directions.
func TestInterleavedPipelines(t *testing.T) {
	cfg := Config{MaxFragmentSize: 64}
	p := newMempipe(t, ClientConfig{Config: cfg}, ServerConfig{Config: cfg}, 100)
	p.open()
	a, err := p.cli.CreatePipeline(simpleCmd("A"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.cli.CreatePipeline(simpleCmd("B"))
	if err != nil {
		t.Fatal(err)
	}
	// Alternate single-fragment sends of the two CREATE_PIPELINEs.
	for a2, b2 := true, true; a2 || b2; {
		var d []byte
		if d, _ = p.cli.DataToSend(a.ID(), 100); d != nil {
			if err := p.srv.ReceiveData(a.ID(), StreamStdin, d); err != nil {
				t.Fatal(err)
			}
		}
		a2 = d != nil
		if d, _ = p.cli.DataToSend(b.ID(), 100); d != nil {
			if err := p.srv.ReceiveData(b.ID(), StreamStdin, d); err != nil {
				t.Fatal(err)
			}
		}
		b2 = d != nil
	}
	var sa, sb *ServerPipeline
	for _, ev := range drain(p.srv) {
		ce := ev.(CreatePipelineEvent)
		switch ce.Request.Statements[0].Commands[0].Name {
		case "A":
			sa = ce.Pipeline
		case "B":
			sb = ce.Pipeline
		}
	}
	if sa == nil || sb == nil || sa.ID() != a.ID() || sb.ID() != b.ID() {
		t.Fatal("pipelines not matched")
	}
	for i := range 5 {
		_ = sa.WriteOutput(fmt.Sprintf("a%d-long-enough-to-need-several-fragments", i))
		_ = sb.WriteOutput(fmt.Sprintf("b%d-long-enough-to-need-several-fragments", i))
	}
	_ = a.EndInput()
	_ = b.EndInput()
	p.up(a.ID())
	p.up(b.ID())
	drain(p.srv)
	_ = sa.Complete()
	_ = sb.Fail(&ErrorRecord{Message: "b failed"})
	for doneA, doneB := false, false; !doneA || !doneB; {
		d, f := p.srv.DataToSend(b.ID(), 100)
		if d != nil {
			if err := p.cli.ReceiveData(b.ID(), StreamStdin, d); err != nil {
				t.Fatal(err)
			}
		}
		doneB = doneB || f
		d, f = p.srv.DataToSend(a.ID(), 100)
		if d != nil {
			if err := p.cli.ReceiveData(a.ID(), StreamStdin, d); err != nil {
				t.Fatal(err)
			}
		}
		doneA = doneA || f
	}
	got := map[*ClientPipeline][]string{}
	for _, ev := range drain(p.cli) {
		switch ev := ev.(type) {
		case OutputEvent:
			got[ev.Pipeline] = append(got[ev.Pipeline], ev.Value.(string))
		case PipelineStateEvent:
			got[ev.Pipeline] = append(got[ev.Pipeline], ev.State.State.String())
		}
	}
	if len(got[a]) != 6 || got[a][5] != "Completed" || got[a][0] != "a0-long-enough-to-need-several-fragments" {
		t.Fatalf("a: %v", got[a])
	}
	if len(got[b]) != 6 || got[b][5] != "Failed" || got[b][4] != "b4-long-enough-to-need-several-fragments" {
		t.Fatalf("b: %v", got[b])
	}
}

// TestUnencodableValues: a value outside the clixml model fails the write
// (and nothing is queued), and a terminal error record carrying one is
// still delivered, without its TargetObject.
func TestUnencodableValues(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	p.open()
	req := simpleCmd("x")
	req.NoInput = true
	cp, sp, _ := createOne(t, p, req)
	if err := sp.WriteOutput(struct{}{}); !errors.Is(err, clixml.ErrUnsupportedType) {
		t.Fatalf("WriteOutput: %v", err)
	}
	if p.srv.Pending(cp.ID()) {
		t.Fatal("failed write queued data")
	}
	if err := sp.Fail(&ErrorRecord{Message: "bad", TargetObject: struct{}{}}); err != nil {
		t.Fatal(err)
	}
	if !p.down(cp.ID()) {
		t.Fatal("no final")
	}
	evs := drain(p.cli)
	st := evs[0].(PipelineStateEvent).State
	if st.State != PipelineFailed || st.Error.Message != "bad" || st.Error.TargetObject != nil {
		t.Fatalf("%+v", st.Error)
	}
}
