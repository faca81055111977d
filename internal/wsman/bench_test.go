package wsman

import "testing"

// The benchmarks below measure one cmdlet's round trips in the shapes real
// clients send: the server parses Command, Receive(s) and Signal and builds
// their responses; the client does the reverse.

func BenchmarkParseRequestSmall(b *testing.B) {
	for _, c := range []struct{ name, doc string }{
		{"Receive", winReceivePipeline},
		{"ReceivePypsrp", pypsrpReceive},
		{"Command", winCommand},
		{"Send", winSend},
		{"Signal", winSignal},
		{"SignalPypsrp", pypsrpSignal},
		{"Create", winCreate},
	} {
		doc := []byte(c.doc)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseRequest(doc, Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseResponseSmall(b *testing.B) {
	for _, c := range []struct {
		name string
		body ResponseBody
	}{
		{"Receive1", recvResp1},
		{"Receive3", recvResp3},
		{"Command", &CommandResponse{CommandID: testCmdID}},
		{"Signal", &SignalResponse{}},
	} {
		doc := MarshalResponse(testReply, c.body)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseResponse(doc, Limits{}, testMsgID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("TimedOut", func(b *testing.B) {
		doc := []byte(windowsTimedOut)
		b.SetBytes(int64(len(doc)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseResponse(doc, Limits{}, ""); err == nil {
				b.Fatal("no fault")
			}
		}
	})
}

func BenchmarkMarshalResponseSmall(b *testing.B) {
	for _, c := range []struct {
		name string
		body ResponseBody
	}{
		{"Receive1", recvResp1},
		{"Receive3", recvResp3},
		{"Command", &CommandResponse{CommandID: testCmdID}},
		{"Signal", &SignalResponse{}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				// An empty MessageID, as the server sends: a fresh one each time.
				MarshalResponse(Reply{RelatesTo: testMsgID}, c.body)
			}
		})
	}
	b.Run("TimedOut", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			MarshalFault(Reply{RelatesTo: testMsgID}, TimedOut())
		}
	})
	b.Run("MaxReceivePayload", func(b *testing.B) {
		shape := ReceiveResponse{SequenceID: "0", Streams: []Stream{{Name: "stdout", CommandID: testCmdID}},
			State: &CommandState{CommandID: testCmdID, State: CommandStateDone}}
		b.ReportAllocs()
		for b.Loop() {
			MaxReceivePayload(512000, Reply{RelatesTo: testMsgID}, shape)
		}
	})
}

func BenchmarkMarshalRequestSmall(b *testing.B) {
	h := Header{To: "https://ps.example.test/PowerShell-LiveID?BasicAuthToOAuthConversion=true", ResourceURI: ResourceExchange,
		MaxEnvelopeSize: 512000, OperationTimeout: 180e9, Locale: "en-US", DataLocale: "en-US",
		SessionID: "uuid:11111111-2222-3333-4444-555555555555", Selectors: map[string]string{SelectorShellID: testShellID}}
	for _, c := range []struct {
		name string
		body Body
	}{
		{"Receive", &Receive{SequenceID: "0", DesiredStream: "stdout", CommandID: testCmdID}},
		{"Command", &Command{CommandID: testCmdID, Arguments: psrpMessage(createPipelineXML)}},
		{"Signal", &Signal{CommandID: testCmdID, Code: SignalPSCtrlC}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := MarshalRequest(h, c.body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/prepared", func(b *testing.B) {
			p := NewRequestHeader(h)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := p.Marshal(c.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
