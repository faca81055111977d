package psrp

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/ipps/ipps/internal/psrp/fragment"
)

// FuzzMessageDecode: DecodeMessage never panics, and an accepted message
// re-encodes to its input minus any BOM.
func FuzzMessageDecode(f *testing.F) {
	rpid, _ := ParseWireGUID("846a0576-dc51-244f-9262-0123456789ab")
	for _, m := range []Message{
		{Destination: DestinationServer, Type: MsgSessionCapability, RPID: rpid, Data: mustEncode(DefaultSessionCapability().Marshal())},
		{Destination: DestinationClient, Type: MsgPipelineOutput, RPID: rpid, PID: rpid, Data: []byte("<S>x</S>")},
		{Destination: DestinationServer, Type: MsgEndOfPipelineInput},
	} {
		f.Add(m.Encode())
	}
	f.Add(append(mustHex(f, "02000000020001000000000000000000000000000000000000000000000000000000000000000000efbbbf"), "<S/>"...))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeMessage(b)
		if err != nil {
			return
		}
		re := m.Encode()
		in := b
		if bytes.HasPrefix(b[HeaderSize:], bom) {
			in = append(append([]byte(nil), b[:HeaderSize]...), b[HeaderSize+len(bom):]...)
		}
		if !bytes.Equal(re, in) {
			t.Fatalf("round trip differs")
		}
	})
}

// FuzzCreatePipelineDecode: DecodeCreatePipeline never panics, and what it
// accepts survives Marshal and a second decode unchanged.
func FuzzCreatePipelineDecode(f *testing.F) {
	f.Add([]byte(createWindows))
	f.Add([]byte(createPypsrp))
	f.Add(mustEncode(simpleCmd("Get-Date").Marshal()))
	f.Add([]byte(`<Obj RefId="0"><MS><Obj N="PowerShell" RefId="1"><MS><Obj N="Cmds" RefId="2"><LST><Ref RefId="1" /></LST></Obj></MS></Obj></MS></Obj>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeCreatePipeline(b)
		if err != nil {
			return
		}
		again, err := DecodeCreatePipeline(mustEncode(m.Marshal()))
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		// HostInfo DefaultData and argument values are opaque CLIXML; compare
		// the protocol-level shape.
		strip := func(c CreatePipeline) CreatePipeline {
			c.Host.DefaultData = nil
			for i := range c.Statements {
				for j := range c.Statements[i].Commands {
					for k := range c.Statements[i].Commands[j].Args {
						c.Statements[i].Commands[j].Args[k].Value = nil
					}
				}
			}
			return c
		}
		if !reflect.DeepEqual(strip(m), strip(again)) {
			t.Fatalf("round trip\n%+v\n%+v", m, again)
		}
	})
}

// FuzzServerReceive feeds arbitrary fragment streams to an opened server
// pool: it must never panic, and its inbound buffering stays within the
// configured caps.
func FuzzServerReceive(f *testing.F) {
	cp := Message{Destination: DestinationServer, Type: MsgCreatePipeline, Data: mustEncode(simpleCmd("x").Marshal())}
	f.Add(fragment.Split(nil, 10, cp.Encode(), 50))
	in := Message{Destination: DestinationServer, Type: MsgPipelineInput, Data: []byte("<S>x</S>")}
	f.Add(fragment.Split(nil, 11, in.Encode(), 1000))
	f.Add([]byte{0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		p := newMempipe(t, ClientConfig{}, ServerConfig{Config: Config{MaxMessageSize: 4096, MaxPendingSize: 8192}}, 1<<16)
		p.open()
		_ = p.srv.ReceiveData("ABC", StreamStdin, b)
		for {
			if _, ok := p.srv.NextEvent(); !ok {
				break
			}
		}
		if _, n := p.srv.defrag.Pending(); n > 8192 {
			t.Fatalf("pending %d", n)
		}
	})
}
