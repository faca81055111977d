package wsman

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

var testReply = Reply{RelatesTo: testMsgID, MessageID: "uuid:AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE"}

func hdr(action string, ns ...string) string {
	s := `<s:Envelope xml:lang="en-US"`
	for _, p := range ns {
		s += ` xmlns:` + p + `="` + prefixNS[p] + `"`
	}
	return s + `><s:Header><a:Action>` + action + `</a:Action><a:MessageID>uuid:AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE</a:MessageID>` +
		`<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To><a:RelatesTo>` + testMsgID + `</a:RelatesTo></s:Header><s:Body>`
}

func TestMarshalResponseGolden(t *testing.T) {
	shell := ShellInfo{ShellID: testShellID, ResourceURI: ResourceExchange}
	shellXML := `<rsp:Shell xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><rsp:ShellId>` + testShellID +
		`</rsp:ShellId><rsp:ResourceUri>` + ResourceExchange + `</rsp:ResourceUri><rsp:Owner/><rsp:ClientIP/><rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut>` +
		`<rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams><rsp:CompressionMode>NoCompression</rsp:CompressionMode><rsp:State>Connected</rsp:State></rsp:Shell>`
	const end = `</s:Body></s:Envelope>`
	tests := []struct {
		name string
		body ResponseBody
		want string
	}{
		{"create", &CreateResponse{Address: "https://ps.example.test/PowerShell-LiveID", Shell: shell},
			hdr("http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse", nsCreate...) +
				`<x:ResourceCreated><a:Address>https://ps.example.test/PowerShell-LiveID</a:Address><a:ReferenceParameters><w:ResourceURI>` + ResourceExchange +
				`</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">` + testShellID + `</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>` + shellXML + end},
		{"command", &CommandResponse{CommandID: testCmdID},
			hdr("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandResponse", nsCreate...) +
				`<rsp:CommandResponse><rsp:CommandId>` + testCmdID + `</rsp:CommandId></rsp:CommandResponse>` + end},
		{"send", &SendResponse{}, hdr("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SendResponse", nsCreate...) + `<rsp:SendResponse/>` + end},
		{"signal", &SignalResponse{}, hdr("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SignalResponse", nsCreate...) + `<rsp:SignalResponse/>` + end},
		{"delete", &DeleteResponse{}, hdr("http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse", "s", "a", "w", "p") + end},
		{"get", &GetResponse{Shell: shell}, hdr("http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse", "s", "a", "x", "w", "p") + shellXML + end},
		{"receive empty", &ReceiveResponse{}, hdr("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse", "s", "a", "w", "rsp", "p") + `<rsp:ReceiveResponse></rsp:ReceiveResponse>` + end},
		{"receive done", &ReceiveResponse{SequenceID: "0", Streams: []Stream{
			{Name: "stdout", CommandID: testCmdID, Data: []byte("hi")}, {Name: "stdout", CommandID: testCmdID, Data: []byte("\n")}},
			State: &CommandState{CommandID: testCmdID, State: CommandStateDone}},
			hdr("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse", "s", "a", "w", "rsp", "p") +
				`<rsp:ReceiveResponse SequenceId="0"><rsp:Stream Name="stdout" CommandId="` + testCmdID + `">aGk=</rsp:Stream><rsp:Stream Name="stdout" CommandId="` + testCmdID + `">Cg==</rsp:Stream>` +
				`<rsp:CommandState CommandId="` + testCmdID + `" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"><rsp:ExitCode>0</rsp:ExitCode></rsp:CommandState></rsp:ReceiveResponse>` + end},
		{"receive pool", &ReceiveResponse{Streams: []Stream{{Name: "stdout", Data: []byte{0, 1, 2}}}},
			hdr("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse", "s", "a", "w", "rsp", "p") +
				`<rsp:ReceiveResponse><rsp:Stream Name="stdout">AAEC</rsp:Stream></rsp:ReceiveResponse>` + end},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(MarshalResponse(testReply, tt.body)); got != tt.want {
				t.Fatalf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestMarshalResponseFreshMessageID(t *testing.T) {
	a := MarshalResponse(Reply{RelatesTo: "r"}, &SendResponse{})
	b := MarshalResponse(Reply{RelatesTo: "r"}, &SendResponse{})
	if bytes.Equal(a, b) {
		t.Fatal("MessageID not fresh")
	}
	r, err := ParseResponse(a, Limits{}, "r")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.MessageID) != len(messageIDPlaceholder) || !strings.HasPrefix(r.MessageID, "uuid:") || strings.ToUpper(r.MessageID) != "UUID:"+r.MessageID[5:] {
		t.Fatalf("MessageID %q", r.MessageID)
	}
}

func TestMaxReceivePayload(t *testing.T) {
	for _, maxEnv := range []int{2048, 8192, 153600, 512000} {
		for k := 1; k <= 4; k++ {
			shape := ReceiveResponse{SequenceID: "7", State: &CommandState{CommandID: testCmdID, State: CommandStateDone}}
			for i := 0; i < k; i++ {
				shape.Streams = append(shape.Streams, Stream{Name: "stdout", CommandID: testCmdID})
			}
			rp := Reply{RelatesTo: testMsgID}
			n := MaxReceivePayload(maxEnv, rp, shape)
			if n <= 0 {
				t.Fatalf("max %d k %d: no room", maxEnv, k)
			}
			// Every split of n bytes over k streams fits.
			for _, split := range [][]int{evenSplit(n, k), oddSplit(n, k)} {
				r := shape
				r.Streams = append([]Stream(nil), shape.Streams...)
				for i := range r.Streams {
					r.Streams[i].Data = make([]byte, split[i])
				}
				if got := len(MarshalResponse(rp, &r)); got > maxEnv {
					t.Fatalf("max %d k %d split %v: envelope %d bytes", maxEnv, k, split, got)
				}
			}
			// With one stream the bound is tight: 3 more bytes do not fit.
			if k == 1 {
				r := shape
				r.Streams = []Stream{{Name: "stdout", CommandID: testCmdID, Data: make([]byte, n+3)}}
				if got := len(MarshalResponse(rp, &r)); got <= maxEnv {
					t.Fatalf("max %d: bound not tight (%d bytes with n+3)", maxEnv, got)
				}
			}
		}
	}
	if MaxReceivePayload(100, Reply{}, ReceiveResponse{Streams: []Stream{{Name: "stdout"}}}) != 0 {
		t.Fatal("tiny envelope must give 0")
	}
	if MaxReceivePayload(512000, Reply{}, ReceiveResponse{}) != 0 {
		t.Fatal("no streams must give 0")
	}
}

// evenSplit and oddSplit divide n over k streams; oddSplit makes each part
// ≡ 1 (mod 3) where possible, the worst case for base64 padding.
func evenSplit(n, k int) []int {
	s := make([]int, k)
	for i := range s {
		s[i] = n / k
	}
	s[k-1] += n % k
	return s
}

func oddSplit(n, k int) []int {
	s := make([]int, k)
	rest := n
	for i := 0; i < k-1; i++ {
		s[i] = 1
		rest--
	}
	s[k-1] = rest
	return s
}

func BenchmarkMarshalReceiveResponse64K(b *testing.B) {
	data := bytes.Repeat([]byte("PSRP fragment "), 64<<10/14+1)[:64<<10]
	body := &ReceiveResponse{SequenceID: "0", Streams: []Stream{{Name: "stdout", CommandID: testCmdID, Data: data}},
		State: &CommandState{CommandID: testCmdID, State: CommandStateDone}}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		MarshalResponse(testReply, body)
	}
}

func ExampleMaxReceivePayload() {
	shape := ReceiveResponse{Streams: []Stream{{Name: "stdout", CommandID: testCmdID}}}
	n := MaxReceivePayload(153600, Reply{RelatesTo: testMsgID}, shape)
	fmt.Println(n > 110000 && n < 115200, time.Duration(0))
	// Output: true 0s
}
