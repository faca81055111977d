package wsman

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/marshal.golden")

// odd is a field value with everything the writer must escape or replace:
// markup characters, quotes, white space attribute normalisation would
// change, a control character, invalid UTF-8, a non-character and
// multi-byte text.
const odd = "a&b<c>d\"e'f\tg\nh\ri\x01j\xffk\uFFFEl é 😀"

// marshalCases returns named envelopes covering every builder, with plain
// and odd field values. testdata/marshal.golden holds their bytes as the
// builders wrote them before the fast paths (commit 9f6505d), so that the
// rewrite provably emits the same bytes.
func marshalCases() []struct {
	name string
	out  []byte
} {
	type c = struct {
		name string
		out  []byte
	}
	var out []c
	add := func(name string, b []byte) { out = append(out, c{name, b}) }
	for _, rp := range []Reply{testReply, {MessageID: "uuid:M"}, {RelatesTo: odd, MessageID: odd}} {
		shell := ShellInfo{ShellID: testShellID, ResourceURI: ResourceExchange}
		oddShell := ShellInfo{ShellID: odd, ResourceURI: odd, Owner: odd, ClientIP: odd, IdleTimeOut: 1234567 * time.Microsecond,
			InputStreams: odd, OutputStreams: odd, CompressionMode: odd, State: odd}
		for i, b := range []ResponseBody{
			&CreateResponse{Address: "https://h/p", Shell: shell}, &CreateResponse{Address: odd, Shell: oddShell},
			&GetResponse{Shell: shell}, &GetResponse{Shell: oddShell},
			&CommandResponse{CommandID: testCmdID}, &CommandResponse{CommandID: odd},
			&SendResponse{}, &SignalResponse{}, &DeleteResponse{}, &ReceiveResponse{},
			recvResp1, recvResp3,
			&ReceiveResponse{SequenceID: odd, Streams: []Stream{{Name: odd, CommandID: odd, End: true, Data: []byte(odd)}, {}},
				State: &CommandState{CommandID: odd, State: odd, ExitCode: -3}},
			&ReceiveResponse{State: &CommandState{CommandID: testCmdID, State: CommandStateDone, ExitCode: 42}},
		} {
			add(fmt.Sprintf("response %T %d reply %q", b, i, rp.RelatesTo), MarshalResponse(rp, b))
		}
		if rp.MessageID == "uuid:M" {
			continue // faults share the header code with responses
		}
		for i, f := range []*Fault{TimedOut(), ShellNotFound(odd), CommandNotFound(), InvalidSelectors(), DestinationUnreachable(odd),
			InvalidHeader(nil), MissingHeader(nil), ActionNotSupported(odd), MustUnderstand(addrName(odd)),
			MaxEnvelopeSizeExceeded(nil), EncodingLimit(nil), InvalidXML(nil), InvalidXMLValues(nil), InvalidBody(nil),
			QuotaLimit(5), AccessDenied(), InternalError(odd), ProtocolVersion(odd, odd),
			{Code: "", Subcode: addrName(""), Reason: odd, Machine: odd, Detail: odd, Message: odd},
			{Code: odd, Subcode: wsmanName(odd), Reason: "r", Provider: &ProviderFault{Provider: odd, Path: odd, Text: odd}},
			{Code: CodeSender, Subcode: xml.Name{Space: "urn:vendor", Local: "Odd"}, WSManCode: 1},
		} {
			add(fmt.Sprintf("fault %d reply %q", i, rp.RelatesTo), MarshalFault(rp, f))
		}
	}
	headers, bodies := requestCases()
	for _, h := range headers {
		for i, b := range bodies {
			data, id, err := MarshalRequest(h, b)
			add(fmt.Sprintf("request %T %d to %q: id %q err %v", b, i, h.To, id, err), data)
		}
	}
	var durations []byte
	for _, d := range []time.Duration{-time.Second, 0, time.Millisecond, 1500 * time.Millisecond, 7200 * time.Second, 1<<63 - 1} {
		durations = append(durations, FormatDuration(d)+" "...)
	}
	add("durations", durations)
	var payloads []byte
	for _, maxEnv := range []int{100, 2048, 153600, 512000} {
		for _, rp := range []Reply{{}, testReply, {RelatesTo: odd}} {
			for _, shape := range []ReceiveResponse{*recvResp1, *recvResp3, {SequenceID: odd, Streams: []Stream{{Name: odd, CommandID: odd}}}} {
				payloads = strconv.AppendInt(payloads, int64(MaxReceivePayload(maxEnv, rp, shape)), 10)
				payloads = append(payloads, ' ')
			}
		}
	}
	add("payloads", payloads)
	return out
}

// requestCases returns the request headers and bodies of the golden
// request envelopes, with plain and odd field values.
func requestCases() ([]Header, []Body) {
	full := Header{To: odd, ResourceURI: odd, ReplyTo: odd, MaxEnvelopeSize: 153600, MessageID: odd, Locale: odd, DataLocale: odd,
		SessionID: odd, OperationTimeout: 20500 * time.Millisecond, CompressionType: odd,
		Selectors: map[string]string{SelectorShellID: odd, "b": "2", "a": "1", odd: odd},
		Options:   []Option{{Name: odd, Value: odd, MustComply: true}, {Name: "x", Value: ""}}}
	headers := []Header{clientHeader(), full, {MessageID: "uuid:M", Selectors: map[string]string{SelectorShellID: "S"}}}
	bodies := []Body{
		&Create{ShellID: testShellID, Name: "n", InputStreams: "stdin pr", OutputStreams: "stdout", IdleTimeOut: time.Hour, CreationXML: []byte("x")},
		&Create{ShellID: odd, Name: odd, InputStreams: odd, OutputStreams: odd, CreationXML: []byte{}},
		&Create{},
		&Command{CommandID: testCmdID, Command: "Get-X", Arguments: psrpMessage(createPipelineXML)},
		&Command{CommandID: odd, Command: odd},
		&Send{Streams: []Stream{{Name: "stdin", CommandID: testCmdID, Data: []byte("1")}, {Name: odd, End: true}}},
		&Send{},
		&Receive{SequenceID: "0", DesiredStream: "stdout", CommandID: testCmdID}, &Receive{SequenceID: odd, DesiredStream: odd, CommandID: odd},
		&Signal{CommandID: testCmdID, Code: SignalPSCtrlC}, &Signal{Code: odd},
		&Delete{}, &Get{}, &Enumerate{},
	}
	return headers, bodies
}

// TestMarshalGolden checks every builder against testdata/marshal.golden.
func TestMarshalGolden(t *testing.T) {
	var got bytes.Buffer
	for _, c := range marshalCases() {
		fmt.Fprintf(&got, "== %s\n%s\n", c.name, c.out)
	}
	const path = "testdata/marshal.golden"
	if *update {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		g, w := bytes.Split(got.Bytes(), []byte("\n== ")), bytes.Split(want, []byte("\n== "))
		for i := range min(len(g), len(w)) {
			if !bytes.Equal(g[i], w[i]) {
				t.Fatalf("section %d differs:\n got %q\nwant %q", i, g[i], w[i])
			}
		}
		t.Fatalf("output has %d sections, golden %d", len(g), len(w))
	}
}
