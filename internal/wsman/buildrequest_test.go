package wsman

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func clientHeader() Header {
	return Header{To: "https://ps.example.test/PowerShell-LiveID?BasicAuthToOAuthConversion=true", ResourceURI: ResourceExchange,
		MaxEnvelopeSize: 512000, OperationTimeout: 180 * time.Second, Locale: "en-US", DataLocale: "en-US",
		SessionID: "uuid:11111111-2222-3333-4444-555555555555", MessageID: testMsgID,
		Selectors: map[string]string{SelectorShellID: testShellID}}
}

func TestMarshalRequestGoldenReceive(t *testing.T) {
	data, id, err := MarshalRequest(clientHeader(), &Receive{SequenceID: "0", DesiredStream: "stdout", CommandID: testCmdID})
	if err != nil || id != testMsgID {
		t.Fatal(id, err)
	}
	want := `<s:Envelope xmlns:s="` + NSSoap + `" xmlns:a="` + NSAddressing + `" xmlns:w="` + NSWSMan + `" xmlns:p="` + NSWSMV + `" xmlns:rsp="` + NSShell + `"><s:Header>` +
		`<a:To>https://ps.example.test/PowerShell-LiveID?BasicAuthToOAuthConversion=true</a:To>` +
		`<w:ResourceURI s:mustUnderstand="true">` + ResourceExchange + `</w:ResourceURI>` +
		`<a:ReplyTo><a:Address s:mustUnderstand="true">` + AddressAnonymous + `</a:Address></a:ReplyTo>` +
		`<a:Action s:mustUnderstand="true">` + ActionReceive + `</a:Action>` +
		`<w:MaxEnvelopeSize s:mustUnderstand="true">512000</w:MaxEnvelopeSize><a:MessageID>` + testMsgID + `</a:MessageID>` +
		`<w:Locale xml:lang="en-US" s:mustUnderstand="false"/><p:DataLocale xml:lang="en-US" s:mustUnderstand="false"/>` +
		`<p:SessionId s:mustUnderstand="false">uuid:11111111-2222-3333-4444-555555555555</p:SessionId>` +
		`<w:OperationTimeout>PT180.000S</w:OperationTimeout>` +
		`<w:SelectorSet><w:Selector Name="ShellId">` + testShellID + `</w:Selector></w:SelectorSet>` +
		`<w:OptionSet s:mustUnderstand="true"><w:Option Name="WSMAN_CMDSHELL_OPTION_KEEPALIVE">TRUE</w:Option></w:OptionSet>` +
		`</s:Header><s:Body><rsp:Receive SequenceId="0"><rsp:DesiredStream CommandId="` + testCmdID + `">stdout</rsp:DesiredStream></rsp:Receive></s:Body></s:Envelope>`
	if string(data) != want {
		t.Fatalf("\n got %s\nwant %s", data, want)
	}
}

func TestMarshalRequestRoundTrip(t *testing.T) {
	tests := []struct {
		body    Body
		wantOpt []Option
	}{
		{&Create{ShellID: testShellID, InputStreams: "stdin pr", OutputStreams: "stdout", IdleTimeOut: time.Hour, CreationXML: []byte("\x00frag")},
			[]Option{{Name: OptionProtocolVersion, Value: "2.3", MustComply: true}}},
		{&Command{CommandID: testCmdID, Command: "Get-Mailbox", Arguments: []byte("args")}, nil},
		{&Send{Streams: []Stream{{Name: "stdin", CommandID: testCmdID, Data: []byte("1")}, {Name: "pr", End: true, Data: []byte("2")}}}, nil},
		{&Receive{DesiredStream: "stdout"}, []Option{{Name: OptionKeepAlive, Value: "TRUE"}}},
		{&Signal{CommandID: testCmdID, Code: SignalPSCtrlC}, nil},
		{&Signal{CommandID: testCmdID, Code: SignalTerminate}, nil},
		{&Delete{}, nil},
		{&Get{}, nil},
	}
	for _, tt := range tests {
		h := clientHeader()
		h.MessageID = ""
		if _, ok := tt.body.(*Create); ok {
			h.Selectors = nil
			h.CompressionType = "xpress"
		}
		data, id, err := MarshalRequest(h, tt.body)
		if err != nil {
			t.Fatalf("%T: %v", tt.body, err)
		}
		req, err := ParseRequest(data, Limits{})
		if err != nil {
			t.Fatalf("%T: server parse: %v\n%s", tt.body, err, data)
		}
		h.Action, h.MessageID, h.ReplyTo, h.Options = tt.body.Action(), id, AddressAnonymous, tt.wantOpt
		if !reflect.DeepEqual(req.Header, h) {
			t.Fatalf("%T header\n got %+v\nwant %+v", tt.body, req.Header, h)
		}
		if !reflect.DeepEqual(req.Body, tt.body) {
			t.Fatalf("%T body\n got %+v\nwant %+v", tt.body, req.Body, tt.body)
		}
	}
}

func TestMarshalRequestKeepsCallerOptions(t *testing.T) {
	h := clientHeader()
	h.Selectors = nil
	h.Options = []Option{{Name: OptionProtocolVersion, Value: "2.4", MustComply: true}}
	data, _, err := MarshalRequest(h, &Create{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(data), "protocolversion") != 1 || !strings.Contains(string(data), ">2.4<") {
		t.Fatalf("options: %s", data)
	}
}

func TestMarshalRequestErrors(t *testing.T) {
	h := clientHeader()
	h.Selectors = nil
	if _, _, err := MarshalRequest(h, &Receive{}); !errors.Is(err, ErrNoShellID) {
		t.Fatalf("err = %v", err)
	}
	if _, _, err := MarshalRequest(h, nil); err == nil {
		t.Fatal("nil body accepted")
	}
}
