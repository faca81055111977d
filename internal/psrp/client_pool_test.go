package psrp

import (
	"errors"
	"testing"

	"github.com/ipps/ipps/internal/psrp/fragment"
)

func TestClientAcceptsZeroRPIDCapability(t *testing.T) {
	cli, err := NewClientPool(ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	// A Windows server's SESSION_CAPABILITY carries an all-zero RPID.
	var stream []byte
	var ids fragment.ObjectIDs
	for _, m := range []Message{
		{Destination: DestinationClient, Type: MsgSessionCapability, Data: mustEncode(DefaultSessionCapability().Marshal())},
		{Destination: DestinationClient, Type: MsgApplicationPrivateData, RPID: cli.RPID(), Data: mustEncode(ApplicationPrivateData{PSVersionTable: DefaultPSVersionTable()}.Marshal())},
		{Destination: DestinationClient, Type: MsgRunspacePoolState, RPID: cli.RPID(), Data: mustEncode(RunspacePoolStateInfo{State: PoolOpened}.Marshal())},
	} {
		stream = fragment.Split(stream, ids.Next(), append([]byte(nil), m.Encode()...), 1<<16)
	}
	if err := cli.ReceiveData(PoolTarget, StreamStdin, stream); err != nil {
		t.Fatal(err)
	}
	if cli.State() != PoolOpened {
		t.Fatalf("state %v", cli.State())
	}
	evs := drain(cli)
	if len(evs) != 3 {
		t.Fatalf("%#v", evs)
	}
	if _, ok := evs[0].(SessionCapabilityEvent); !ok {
		t.Fatalf("%T", evs[0])
	}
}

func TestClientCreationDataSplit(t *testing.T) {
	cli, err := NewClientPool(ClientConfig{Config: Config{MaxFragmentSize: 100}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cli.ShellID()) != 36 || cli.ShellID() != targetKey(cli.RPID().String()) {
		t.Fatalf("ShellID %q", cli.ShellID())
	}
	// A small creationXml budget: the rest goes out in later Sends.
	first, _ := cli.DataToSend(PoolTarget, 300)
	if len(first) > 300 || len(first) == 0 {
		t.Fatalf("first chunk %d bytes", len(first))
	}
	frags, err := fragment.ParseAll(first)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frags {
		if len(f.Data) > 100 {
			t.Fatalf("fragment blob %d > MaxFragmentSize", len(f.Data))
		}
	}
	if frags[0].ObjectID != 1 || !frags[0].Start {
		t.Fatalf("first fragment %+v", frags[0])
	}
	srv, _ := NewServerPool(ServerConfig{})
	if err := srv.ReceiveData(PoolTarget, StreamStdin, first); err != nil {
		t.Fatal(err)
	}
	for cli.Pending(PoolTarget) {
		d, _ := cli.DataToSend(PoolTarget, 300)
		if err := srv.ReceiveData(PoolTarget, StreamStdin, d); err != nil {
			t.Fatal(err)
		}
	}
	if srv.State() != PoolOpened {
		t.Fatalf("server state %v", srv.State())
	}
}

func TestClientRequiresOpen(t *testing.T) {
	cli, _ := NewClientPool(ClientConfig{})
	if _, err := cli.CreatePipeline(simpleCmd("x")); !errors.Is(err, ErrNotOpened) {
		t.Fatalf("create: %v", err)
	}
	if _, err := cli.SetMaxRunspaces(2); !errors.Is(err, ErrNotOpened) {
		t.Fatalf("set max: %v", err)
	}
	if err := cli.StartKeyExchange(); !errors.Is(err, ErrNotOpened) {
		t.Fatalf("key exchange: %v", err)
	}
	cli.Close()
	if err := cli.ReceiveData(PoolTarget, StreamStdin, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed: %v", err)
	}
}

func TestClientUnknownPipeline(t *testing.T) {
	p := newMempipe(t, ClientConfig{}, ServerConfig{}, 1<<16)
	p.open()
	m := Message{Destination: DestinationClient, Type: MsgPipelineOutput, RPID: p.cli.RPID(), PID: NewRandomWireGUID(), Data: []byte("<S>x</S>")}
	err := p.cli.ReceiveData("NOPE", StreamStdin, fragment.Split(nil, 500, m.Encode(), 1<<16))
	if !errors.Is(err, ErrUnknownPipeline) {
		t.Fatalf("%v", err)
	}
}
