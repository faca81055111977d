package psrp

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ipps/ipps/internal/psrp/fragment"
)

func decodeStream(t *testing.T, data []byte) []Message {
	t.Helper()
	var d fragment.Defragmenter
	raw, err := d.Write(data)
	if err != nil {
		t.Fatal(err)
	}
	var out []Message
	for _, b := range raw {
		m, err := DecodeMessage(b)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestServerOpeningSequence(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	creation, _ := p.cli.DataToSend(PoolTarget, 1<<16)
	sent := decodeStream(t, creation)
	if len(sent) != 2 || sent[0].Type != MsgSessionCapability || sent[1].Type != MsgInitRunspacePool || sent[0].Destination != DestinationServer {
		t.Fatalf("creationXml messages %+v", sent)
	}
	if err := p.srv.ReceiveData(PoolTarget, StreamStdin, creation); err != nil {
		t.Fatal(err)
	}
	evs := drain(p.srv)
	if len(evs) != 2 {
		t.Fatalf("events %#v", evs)
	}
	if _, ok := evs[0].(SessionCapabilityEvent); !ok {
		t.Fatalf("first event %T", evs[0])
	}
	if ie, ok := evs[1].(InitRunspacePoolEvent); !ok || ie.Init.MaxRunspaces != 1 || !ie.Init.Host.IsHostNull {
		t.Fatalf("second event %#v", evs[1])
	}
	// All three replies are ready for the first pool Receive, in order,
	// echoing the client's exact RPID bytes.
	reply, final := p.srv.DataToSend(PoolTarget, 1<<16)
	if final {
		t.Fatal("pool data reported final")
	}
	got := decodeStream(t, reply)
	want := []MessageType{MsgSessionCapability, MsgApplicationPrivateData, MsgRunspacePoolState}
	if len(got) != len(want) {
		t.Fatalf("%d replies", len(got))
	}
	for i, m := range got {
		if m.Type != want[i] || m.RPID != p.cli.RPID() || m.Destination != DestinationClient || !m.PID.IsZero() {
			t.Fatalf("reply %d: %v rpid %v", i, m.Type, m.RPID)
		}
	}
	if s, _ := DecodeRunspacePoolState(got[2].Data); s.State != PoolOpened {
		t.Fatalf("state %v", s.State)
	}
	if err := p.cli.ReceiveData(PoolTarget, StreamStdin, reply); err != nil {
		t.Fatal(err)
	}
	if p.cli.State() != PoolOpened || p.cli.ApplicationPrivateData().PSVersionTable.PSVersion != DefaultPSVersionTable().PSVersion {
		t.Fatalf("client state %v", p.cli.State())
	}
	// Object ids count from 1 on each side.
	frags, _ := fragment.ParseAll(reply)
	if frags[0].ObjectID != 1 {
		t.Fatalf("first server ObjectId %d", frags[0].ObjectID)
	}
}

func TestServerEchoesOddRPID(t *testing.T) {
	// pypsrp <= 0.3 wrote big-endian ids; the server must echo, not fix.
	odd := WireGUID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	p := newMempipe(t, ClientConfig{RPID: odd}, ServerConfig{}, 1<<16)
	p.up(PoolTarget)
	if p.srv.RPID() != odd {
		t.Fatalf("rpid %v", p.srv.RPID())
	}
	reply, _ := p.srv.DataToSend(PoolTarget, 1<<16)
	for _, m := range decodeStream(t, reply) {
		if m.RPID != odd {
			t.Fatalf("%v rpid %v", m.Type, m.RPID)
		}
	}
}

func TestServerRejectsBadVersion(t *testing.T) {
	c := DefaultSessionCapability()
	c.ProtocolVersion = "3.0"
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	m := Message{Destination: DestinationServer, Type: MsgSessionCapability, Data: mustEncode(c.Marshal())}
	err := p.srv.ReceiveData(PoolTarget, StreamStdin, fragment.Split(nil, 1, m.Encode(), 1<<16))
	var pve *ProtocolVersionError
	if !errors.As(err, &pve) || pve.PeerVersion != "3.0" {
		t.Fatalf("err %v", err)
	}
	if p.srv.State() != PoolBeforeOpen {
		t.Fatalf("state %v", p.srv.State())
	}
}

func TestServerRejectsBeforeOpen(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	m := Message{Destination: DestinationServer, Type: MsgCreatePipeline, Data: mustEncode(CreatePipeline{}.Marshal())}
	err := p.srv.ReceiveData("ABC", StreamStdin, fragment.Split(nil, 1, m.Encode(), 1<<16))
	var ue *UnexpectedMessageError
	if !errors.As(err, &ue) || ue.Type != MsgCreatePipeline {
		t.Fatalf("err %v", err)
	}
	// A message addressed to the client is refused too.
	m = Message{Destination: DestinationClient, Type: MsgSessionCapability, Data: mustEncode(DefaultSessionCapability().Marshal())}
	if err := p.srv.ReceiveData(PoolTarget, StreamStdin, fragment.Split(nil, 2, m.Encode(), 1<<16)); !errors.As(err, &ue) {
		t.Fatalf("wrong destination: %v", err)
	}
}

func TestServerPoolControl(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	p.open()
	ciMax, _ := p.cli.SetMaxRunspaces(3)
	ciMin, _ := p.cli.SetMinRunspaces(5) // above max: refused
	ciAvail, _ := p.cli.GetAvailableRunspaces()
	ciReset, _ := p.cli.ResetRunspaceState()
	p.up(PoolTarget)
	p.down(PoolTarget)
	sevs := drain(p.srv)
	if len(sevs) != 4 {
		t.Fatalf("server events %#v", sevs)
	}
	if se := sevs[0].(SetRunspacesEvent); !se.Request.Max || se.Request.Count != 3 || !se.Accepted {
		t.Fatalf("%+v", se)
	}
	if se := sevs[1].(SetRunspacesEvent); se.Request.Max || se.Request.Count != 5 || se.Accepted {
		t.Fatalf("%+v", se)
	}
	want := map[int64]RunspaceAvailability{
		ciMax:   {CallID: ciMax, OK: true},
		ciMin:   {CallID: ciMin, OK: false},
		ciAvail: {CallID: ciAvail, IsCount: true, Available: 3},
		ciReset: {CallID: ciReset, OK: true},
	}
	cevs := drain(p.cli)
	if len(cevs) != 4 {
		t.Fatalf("client events %#v", cevs)
	}
	for _, ev := range cevs {
		a := ev.(RunspaceAvailabilityEvent).Availability
		if want[a.CallID] != a {
			t.Errorf("availability %+v, want %+v", a, want[a.CallID])
		}
	}
}

func TestKeyExchangeEndToEnd(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	p.open()
	if _, err := p.cli.EncryptSecureString("x"); !errors.Is(err, ErrNoSessionKey) {
		t.Fatalf("before exchange: %v", err)
	}
	// The server asks; the client answers PUBLIC_KEY_REQUEST by itself.
	if err := p.srv.RequestPublicKey(); err != nil {
		t.Fatal(err)
	}
	p.down(PoolTarget)
	p.up(PoolTarget)
	p.down(PoolTarget)
	if evs := drain(p.srv); len(evs) != 1 {
		t.Fatalf("server events %#v", evs)
	} else if _, ok := evs[0].(KeyExchangeEvent); !ok {
		t.Fatalf("server event %T", evs[0])
	}
	if evs := drain(p.cli); len(evs) != 1 {
		t.Fatalf("client events %#v", evs)
	}
	ss, err := p.cli.EncryptSecureString("P@ssw0rd")
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.srv.DecryptSecureString(ss)
	if err != nil || got != "P@ssw0rd" {
		t.Fatalf("%q %v", got, err)
	}
}

func TestServerIgnoresHostResponses(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	p.open()
	m := Message{Destination: DestinationServer, Type: MsgRunspacePoolHostResponse, RPID: p.cli.RPID(), Data: []byte(`<Obj RefId="0"><MS><I64 N="ci">1</I64></MS></Obj>`)}
	if err := p.srv.ReceiveData(PoolTarget, StreamPR, fragment.Split(nil, 99, m.Encode(), 1<<16)); err != nil {
		t.Fatal(err)
	}
	if evs := drain(p.srv); len(evs) != 0 || p.srv.Pending(PoolTarget) {
		t.Fatalf("host response produced %v", evs)
	}
}

func TestServerSetBrokenAndClose(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	p.open()
	p.srv.SetBroken(&ErrorRecord{Message: "runspace died"})
	p.down(PoolTarget)
	evs := drain(p.cli)
	if len(evs) != 1 {
		t.Fatalf("%#v", evs)
	}
	st := evs[0].(RunspacePoolStateEvent).State
	if st.State != PoolBroken || st.Error == nil || st.Error.FullyQualifiedErrorID != "RemoteRunspaceStateInfoReason" || p.cli.State() != PoolBroken {
		t.Fatalf("%+v", st)
	}
	p.srv.Close()
	if err := p.srv.ReceiveData(PoolTarget, StreamStdin, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

// TestServerConnectRunspacePool: SESSION_CAPABILITY + CONNECT_RUNSPACEPOOL
// (connectXml) is answered with RUNSPACEPOOL_INIT_DATA, private data and
// the Opened state (MS-PSRP 3.2.5.3.x, the digest's §3.10).
func TestServerConnectRunspacePool(t *testing.T) {
	srv, err := NewServerPool(ServerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	rpid := NewRandomWireGUID()
	var stream []byte
	for i, m := range []Message{
		{Destination: DestinationServer, Type: MsgSessionCapability, RPID: rpid, Data: mustEncode(DefaultSessionCapability().Marshal())},
		{Destination: DestinationServer, Type: MsgConnectRunspacePool, RPID: rpid, Data: mustEncode(RunspacePoolInitData{MinRunspaces: 1, MaxRunspaces: 2}.Marshal())},
	} {
		stream = fragment.Split(stream, uint64(i+1), m.Encode(), 1<<10)
	}
	if err := srv.ReceiveData(PoolTarget, StreamStdin, stream); err != nil {
		t.Fatal(err)
	}
	evs := drain(srv)
	if len(evs) != 2 {
		t.Fatalf("%#v", evs)
	}
	if _, ok := evs[1].(ConnectRunspacePoolEvent); !ok {
		t.Fatalf("%T", evs[1])
	}
	reply, _ := srv.DataToSend(PoolTarget, 1<<16)
	got := decodeStream(t, reply)
	want := []MessageType{MsgSessionCapability, MsgRunspacePoolInitData, MsgApplicationPrivateData, MsgRunspacePoolState}
	if len(got) != len(want) {
		t.Fatalf("%d replies", len(got))
	}
	for i := range want {
		if got[i].Type != want[i] {
			t.Fatalf("reply %d = %v, want %v", i, got[i].Type, want[i])
		}
	}
	d, ok, err := DecodeRunspacePoolInitData(MsgRunspacePoolInitData, got[1].Data)
	if err != nil || !ok || d.MaxRunspaces != 2 {
		t.Fatalf("init data %+v %v %v", d, ok, err)
	}
}

func TestServerMaxRunningPipelines(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{MaxRunningPipelines: 2}, 1<<16)
	p.open()
	_, sp1, _ := createOne(t, p, simpleCmd("a"))
	createOne(t, p, simpleCmd("b"))
	third, err := p.cli.CreatePipeline(simpleCmd("c"))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := p.cli.DataToSend(third.ID(), 1<<16)
	if err := p.srv.ReceiveData(third.ID(), StreamStdin, d); !errors.Is(err, ErrTooManyPipelines) {
		t.Fatalf("third pipeline: %v", err)
	}
	// A finished pipeline no longer counts.
	sp1.Stop()
	fourth, _ := p.cli.CreatePipeline(simpleCmd("d"))
	d, _ = p.cli.DataToSend(fourth.ID(), 1<<16)
	if err := p.srv.ReceiveData(fourth.ID(), StreamStdin, d); err != nil {
		t.Fatalf("after stop: %v", err)
	}
}

// idleHoldings reports what an endpoint holds beyond its fixed fields.
func idleHoldings(e *endpoint) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var held []string
	if e.queues != nil {
		held = append(held, fmt.Sprintf("%d pipeline queues", len(e.queues)))
	}
	if e.events != nil {
		held = append(held, fmt.Sprintf("%d events", len(e.events)))
	}
	if e.poolQ.msgs != nil {
		held = append(held, "a pool queue array")
	}
	return strings.Join(held, ", ")
}

// TestServerPoolIdleHoldsNothing: once its queues are drained, its events
// taken and its pipelines removed, an open pool holds no maps or slices
// (a server keeps one per idle shell), and the pool queue keeps working
// with the same Ready channel.
func TestServerPoolIdleHoldsNothing(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	p.open()
	if h := idleHoldings(&p.srv.endpoint); h != "" || p.srv.pipelines != nil {
		t.Fatalf("opened pool holds %s (pipelines %v)", h, p.srv.pipelines)
	}
	ready := p.srv.Ready(PoolTarget)
	select { // the opening replies' signal
	case <-ready:
	default:
	}
	for range 2 {
		req := simpleCmd("Get-X")
		req.NoInput = true
		cp, err := p.cli.CreatePipeline(req)
		if err != nil {
			t.Fatal(err)
		}
		p.up(cp.ID())
		ev := drain(p.srv)[0].(CreatePipelineEvent)
		if err := ev.Pipeline.WriteOutput("x"); err != nil {
			t.Fatal(err)
		}
		if err := ev.Pipeline.Complete(); err != nil {
			t.Fatal(err)
		}
		p.downUntilFinal(cp.ID())
		drain(p.cli)
		p.srv.RemovePipeline(cp.ID())
		p.cli.RemovePipeline(cp.ID())
		if h := idleHoldings(&p.srv.endpoint); h != "" || p.srv.pipelines != nil {
			t.Fatalf("pool holds %s (pipelines %v) after its pipeline", h, p.srv.pipelines)
		}
	}
	p.srv.RemovePipeline(PoolTarget) // not a pipeline: the pool queue stays
	if _, err := p.cli.GetAvailableRunspaces(); err != nil {
		t.Fatal(err)
	}
	p.up(PoolTarget)
	select {
	case <-ready:
	default:
		t.Fatal("pool Ready channel not signalled")
	}
	p.down(PoolTarget)
	if evs := drain(p.cli); len(evs) != 1 || evs[0].(RunspaceAvailabilityEvent).Availability.Available != 1 {
		t.Fatalf("client events %#v", evs)
	}
	drain(p.srv)
	if h := idleHoldings(&p.srv.endpoint); h != "" {
		t.Fatalf("pool holds %s after a pool request", h)
	}
}
