package wsman

import (
	"bytes"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	testShellID = "3A4B5C6D-0000-4E1F-9A8B-112233445566"
	testCmdID   = "F1E2D3C4-B5A6-4978-8695-A4B3C2D1E0F9"
	testMsgID   = "uuid:0B7B1E0A-5C2E-4E8B-9A64-0C2D9A7F1234"
)

// windowsHeader is a request header as Windows PowerShell 5.1 writes it
// (prefixes s a w p, OperationID/SequenceId, PT180.000S, 512000).
func windowsHeader(action, extra string) string {
	return `<s:Envelope xmlns:s="` + NSSoap + `" xmlns:a="` + NSAddressing + `" xmlns:w="` + NSWSMan + `" xmlns:p="` + NSWSMV + `">` +
		`<s:Header><a:To>https://ps.example.test/PowerShell-LiveID?BasicAuthToOAuthConversion=true;PSVersion=5.1.19041.4291</a:To>` +
		`<w:ResourceURI s:mustUnderstand="true">` + ResourceExchange + `</w:ResourceURI>` +
		`<a:ReplyTo><a:Address s:mustUnderstand="true">` + AddressAnonymous + `</a:Address></a:ReplyTo>` +
		`<a:Action s:mustUnderstand="true">` + action + `</a:Action>` +
		`<w:MaxEnvelopeSize s:mustUnderstand="true">512000</w:MaxEnvelopeSize>` +
		`<a:MessageID>` + testMsgID + `</a:MessageID>` +
		`<w:Locale xml:lang="en-US" s:mustUnderstand="false" /><p:DataLocale xml:lang="en-GB" s:mustUnderstand="false" />` +
		`<p:SessionId s:mustUnderstand="false">uuid:11111111-2222-3333-4444-555555555555</p:SessionId>` +
		`<p:OperationID s:mustUnderstand="false">uuid:AAAAAAAA-2222-3333-4444-555555555555</p:OperationID>` +
		`<p:SequenceId s:mustUnderstand="false">1</p:SequenceId>` + extra +
		`<w:OperationTimeout>PT180.000S</w:OperationTimeout></s:Header>`
}

const winSelector = `<w:SelectorSet><w:Selector Name="ShellId">` + testShellID + `</w:Selector></w:SelectorSet>`

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// pypsrpReceive is a Receive as pypsrp writes it (prefixes wsa/wsman/wsmv,
// PT20S, 153600, self-closing elements, headers in a different order).
var pypsrpReceive = `<s:Envelope xmlns:rsp="` + NSShell + `" xmlns:s="` + NSSoap + `" xmlns:wsa="` + NSAddressing +
	`" xmlns:wsman="` + NSWSMan + `" xmlns:wsmv="` + NSWSMV + `"><s:Header>` +
	`<wsa:Action s:mustUnderstand="true">` + ActionReceive + `</wsa:Action>` +
	`<wsmv:DataLocale s:mustUnderstand="false" xml:lang="en-US" /><wsman:Locale s:mustUnderstand="false" xml:lang="en-US" />` +
	`<wsman:MaxEnvelopeSize s:mustUnderstand="true">153600</wsman:MaxEnvelopeSize>` +
	`<wsa:MessageID>uuid:2F298496-AAD9-4D75-A8B3-32C0DE2064AC</wsa:MessageID><wsman:OperationTimeout>PT20S</wsman:OperationTimeout>` +
	`<wsa:ReplyTo><wsa:Address s:mustUnderstand="true">` + AddressAnonymous + `</wsa:Address></wsa:ReplyTo>` +
	`<wsman:ResourceURI s:mustUnderstand="true">http://schemas.microsoft.com/powershell/Microsoft.Exchange</wsman:ResourceURI>` +
	`<wsmv:SessionId s:mustUnderstand="false">uuid:00B78D41-F0E8-48F9-A424-C07045A58561</wsmv:SessionId>` +
	`<wsa:To>http://127.0.0.1:5985/wsman</wsa:To><wsman:OptionSet s:mustUnderstand="true">` +
	`<wsman:Option Name="WSMAN_CMDSHELL_OPTION_KEEPALIVE">True</wsman:Option></wsman:OptionSet>` +
	`<wsman:SelectorSet><wsman:Selector Name="ShellId">` + testShellID + `</wsman:Selector></wsman:SelectorSet>` +
	`</s:Header><s:Body><rsp:Receive><rsp:DesiredStream>stdout</rsp:DesiredStream></rsp:Receive></s:Body></s:Envelope>`

func mustParse(t testing.TB, doc string) *Request {
	t.Helper()
	req, err := ParseRequest([]byte(doc), Limits{})
	if err != nil {
		t.Fatalf("ParseRequest: %v", err)
	}
	return req
}

func TestParseWindowsCreate(t *testing.T) {
	doc := windowsHeader(ActionCreate,
		`<rsp:CompressionType s:mustUnderstand="true" xmlns:rsp="`+NSShell+`">xpress</rsp:CompressionType>`+
			`<w:OptionSet xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" s:mustUnderstand="true">`+
			`<w:Option Name="protocolversion" MustComply="true">2.3</w:Option></w:OptionSet>`) +
		`<s:Body><rsp:Shell xmlns:rsp="` + NSShell + `" ShellId="` + testShellID + `" Name="WinRM1">` +
		`<rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams>` +
		`<rsp:IdleTimeOut>PT900.000S</rsp:IdleTimeOut>` +
		`<creationXml xmlns="http://schemas.microsoft.com/powershell">` + b64("fragments\x00\x01") + "\n" + `</creationXml>` +
		`</rsp:Shell></s:Body></s:Envelope>`
	req := mustParse(t, doc)
	wantHdr := Header{
		Action: ActionCreate, To: "https://ps.example.test/PowerShell-LiveID?BasicAuthToOAuthConversion=true;PSVersion=5.1.19041.4291",
		MessageID: testMsgID, ReplyTo: AddressAnonymous, ResourceURI: ResourceExchange, MaxEnvelopeSize: 512000,
		OperationTimeout: 180 * time.Second, Locale: "en-US", DataLocale: "en-GB",
		SessionID: "uuid:11111111-2222-3333-4444-555555555555",
		Options:   []Option{{Name: "protocolversion", Value: "2.3", MustComply: true}}, CompressionType: "xpress",
	}
	if !reflect.DeepEqual(req.Header, wantHdr) {
		t.Fatalf("header:\n got %+v\nwant %+v", req.Header, wantHdr)
	}
	want := &Create{ShellID: testShellID, Name: "WinRM1", InputStreams: "stdin pr", OutputStreams: "stdout",
		IdleTimeOut: 900 * time.Second, CreationXML: []byte("fragments\x00\x01")}
	if !reflect.DeepEqual(req.Body, want) {
		t.Fatalf("body:\n got %+v\nwant %+v", req.Body, want)
	}
}

func TestParseWindowsOperations(t *testing.T) {
	rsp := `xmlns:rsp="` + NSShell + `"`
	tests := []struct {
		name   string
		action string
		body   string
		want   Body
	}{
		{"command", ActionCommand,
			`<rsp:CommandLine ` + rsp + ` CommandId="` + testCmdID + `"><rsp:Command>Get-Mailbox</rsp:Command><rsp:Arguments>` + b64("args") + `</rsp:Arguments></rsp:CommandLine>`,
			&Command{CommandID: testCmdID, Command: "Get-Mailbox", Arguments: []byte("args")}},
		{"send two streams", ActionSend,
			`<rsp:Send ` + rsp + `><rsp:Stream Name="stdin" CommandId="` + testCmdID + `">` + b64("one") + `</rsp:Stream>` +
				`<rsp:Stream Name="pr" End="true">` + b64("two") + `</rsp:Stream></rsp:Send>`,
			&Send{Streams: []Stream{{Name: "stdin", CommandID: testCmdID, Data: []byte("one")}, {Name: "pr", End: true, Data: []byte("two")}}}},
		{"receive command", ActionReceive,
			`<rsp:Receive ` + rsp + ` SequenceId="0"><rsp:DesiredStream CommandId="` + testCmdID + `">stdout</rsp:DesiredStream></rsp:Receive>`,
			&Receive{SequenceID: "0", DesiredStream: "stdout", CommandID: testCmdID}},
		{"signal", ActionSignal,
			`<rsp:Signal ` + rsp + ` CommandId="` + testCmdID + `"><rsp:Code>powershell/signal/crtl_c</rsp:Code></rsp:Signal>`,
			&Signal{CommandID: testCmdID, Code: SignalPSCtrlC}},
		{"delete", ActionDelete, ``, &Delete{}},
		{"get", ActionGet, ``, &Get{}},
		{"enumerate", ActionEnumerate, `<n:Enumerate xmlns:n="` + NSEnumeration + `"/>`, &Enumerate{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := mustParse(t, windowsHeader(tt.action, winSelector)+`<s:Body>`+tt.body+`</s:Body></s:Envelope>`)
			if req.Header.ShellID() != testShellID {
				t.Fatalf("ShellID = %q", req.Header.ShellID())
			}
			if !reflect.DeepEqual(req.Body, tt.want) {
				t.Fatalf("got %+v, want %+v", req.Body, tt.want)
			}
		})
	}
}

func TestParsePypsrpReceive(t *testing.T) {
	req := mustParse(t, pypsrpReceive)
	h := req.Header
	if h.MaxEnvelopeSize != 153600 || h.OperationTimeout != 20*time.Second || h.MessageID != "uuid:2F298496-AAD9-4D75-A8B3-32C0DE2064AC" ||
		h.ShellID() != testShellID || h.Locale != "en-US" || h.To != "http://127.0.0.1:5985/wsman" {
		t.Fatalf("header %+v", h)
	}
	if o, ok := h.Option(OptionKeepAlive); !ok || o.Value != "True" || o.MustComply {
		t.Fatalf("keepalive option %+v %v", o, ok)
	}
	if r := req.Body.(*Receive); r.CommandID != "" || r.DesiredStream != "stdout" || r.SequenceID != "" {
		t.Fatalf("body %+v", r)
	}
}

// faultOf asserts err is a *Fault with the given code and subcode.
func faultOf(t *testing.T, err error, code uint32, subcode string) *Fault {
	t.Helper()
	var f *Fault
	if !errors.As(err, &f) {
		t.Fatalf("err = %v, want *Fault", err)
	}
	if f.WSManCode != code || f.Subcode.Local != subcode {
		t.Fatalf("fault %d %q (%v), want %d %q", f.WSManCode, f.Subcode.Local, f, code, subcode)
	}
	return f
}

func TestParseRequestFaults(t *testing.T) {
	receive := func(extraHdr, body string) string {
		return windowsHeader(ActionReceive, winSelector+extraHdr) + `<s:Body>` + body + `</s:Body></s:Envelope>`
	}
	okBody := `<rsp:Receive xmlns:rsp="` + NSShell + `"><rsp:DesiredStream>stdout</rsp:DesiredStream></rsp:Receive>`
	tests := []struct {
		name      string
		doc       string
		code      uint32
		subcode   string
		relatesTo bool // MessageID readable despite the fault
		cause     error
	}{
		{"oversized", receive("", okBody+strings.Repeat(" ", DefaultMaxEnvelopeSize)), CodeMaxEnvelopeSizeExceeded, "EncodingLimit", false, ErrEnvelopeTooLarge},
		{"malformed", receive("", "<rsp:Receive>"), CodeInvalidXML, "SchemaValidationError", false, ErrMalformedXML},
		{"not soap", `<Envelope/>`, CodeInvalidXML, "SchemaValidationError", false, ErrNotEnvelope},
		{"too deep", receive("", strings.Repeat("<x>", 40)+strings.Repeat("</x>", 40)), CodeEncodingLimit, "EncodingLimit", false, ErrTooDeep},
		{"unknown mustUnderstand", receive(`<x:Foo xmlns:x="urn:x" s:mustUnderstand="true">1</x:Foo>`, okBody), CodeSOAPMustUnderstand, "", true, nil},
		{"negative timeout", strings.Replace(receive("", okBody), "PT180.000S", "PT-1S", 1), CodeInvalidMessageInformationHeader, "InvalidMessageInformationHeader", true, ErrBadDuration},
		{"garbage timeout", strings.Replace(receive("", okBody), "PT180.000S", "soon", 1), CodeInvalidMessageInformationHeader, "InvalidMessageInformationHeader", true, ErrBadDuration},
		{"bad max envelope", strings.Replace(receive("", okBody), ">512000<", ">-5<", 1), CodeInvalidMessageInformationHeader, "InvalidMessageInformationHeader", true, nil},
		{"no action", strings.Replace(receive("", okBody), ActionReceive, "", 1), CodeMessageInformationHeaderRequired, "MessageInformationHeaderRequired", true, nil},
		{"no message id", strings.Replace(receive("", okBody), testMsgID, "", 1), CodeMessageInformationHeaderRequired, "MessageInformationHeaderRequired", false, nil},
		{"unknown action", strings.Replace(receive("", okBody), ActionReceive, ActionSend+"X", 1), CodeActionNotSupported, "ActionNotSupported", true, nil},
		{"receive without desired stream", receive("", `<rsp:Receive xmlns:rsp="`+NSShell+`"/>`), CodeInvalidSOAPBody, "InvalidBody", true, nil},
		{"bad base64", windowsHeader(ActionSend, winSelector) + `<s:Body><rsp:Send xmlns:rsp="` + NSShell + `"><rsp:Stream Name="stdin">@@@=</rsp:Stream></rsp:Send></s:Body></s:Envelope>`,
			CodeInvalidXMLValues, "SchemaValidationError", true, ErrBadBase64},
		{"bad creationXml", windowsHeader(ActionCreate, "") + `<s:Body><rsp:Shell xmlns:rsp="` + NSShell + `"><creationXml xmlns="` + NSPowerShell + `">AAA</creationXml></rsp:Shell></s:Body></s:Envelope>`,
			CodeInvalidXMLValues, "SchemaValidationError", true, ErrBadBase64},
		{"selector without name", strings.Replace(receive("", okBody), `Name="ShellId"`, "", 1), CodeInvalidSelectors, "InvalidSelectors", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := ParseRequest([]byte(tt.doc), Limits{})
			f := faultOf(t, err, tt.code, tt.subcode)
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Fatalf("fault %v does not wrap %v", f, tt.cause)
			}
			if tt.relatesTo != (req != nil && req.Header.MessageID == testMsgID) {
				t.Fatalf("MessageID availability: req=%+v", req)
			}
			if f.HTTPStatus() != 500 {
				t.Fatal("faults are HTTP 500")
			}
		})
	}
}

func TestParseIgnoresUnknownOptionalHeaders(t *testing.T) {
	doc := windowsHeader(ActionReceive, winSelector+`<x:Trace xmlns:x="urn:x" s:mustUnderstand="false">1</x:Trace><x:Other xmlns:x="urn:x">2</x:Other>`) +
		`<s:Body><rsp:Receive xmlns:rsp="` + NSShell + `"><rsp:DesiredStream>stdout</rsp:DesiredStream></rsp:Receive></s:Body></s:Envelope>`
	mustParse(t, doc)
}

func FuzzParseRequest(f *testing.F) {
	f.Add([]byte(pypsrpReceive))
	for _, b := range []Body{
		&Create{ShellID: testShellID, InputStreams: "stdin pr", OutputStreams: "stdout", CreationXML: []byte("x")},
		&Command{CommandID: testCmdID, Arguments: []byte("y")},
		&Send{Streams: []Stream{{Name: "stdin", Data: []byte("z")}}},
		&Signal{CommandID: testCmdID, Code: SignalTerminate},
		&Delete{},
	} {
		data, _, err := MarshalRequest(Header{ResourceURI: ResourceExchange, Selectors: map[string]string{SelectorShellID: testShellID}}, b)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`<s:Envelope xmlns:s="` + NSSoap + `"><s:Header/></s:Envelope>`))
	lim := Limits{MaxEnvelopeSize: 64 << 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := ParseRequest(data, lim)
		if err != nil {
			var fl *Fault
			if !errors.As(err, &fl) {
				t.Fatalf("non-fault error %v", err)
			}
			if out := MarshalFault(Reply{RelatesTo: "x"}, fl); !bytes.Contains(out, []byte("<s:Fault>")) {
				t.Fatal("fault does not marshal")
			}
			return
		}
		// What parses must re-marshal and re-parse to the same body.
		h := req.Header
		if h.ShellID() == "" {
			h.Selectors = map[string]string{SelectorShellID: "S"}
		}
		again, _, err := MarshalRequest(h, req.Body)
		if err != nil {
			return
		}
		req2, err := ParseRequest(again, Limits{MaxEnvelopeSize: 1 << 20})
		if err != nil {
			t.Fatalf("re-parse of %q: %v", again, err)
		}
		if !reflect.DeepEqual(normalize(req2.Body), normalize(req.Body)) {
			t.Fatalf("round trip body\n got %#v\nwant %#v", req2.Body, req.Body)
		}
	})
}

// normalize maps nil and empty byte slices together for comparison.
func normalize(b Body) Body {
	switch x := b.(type) {
	case *Create:
		c := *x
		if len(c.CreationXML) == 0 {
			c.CreationXML = nil
		}
		return &c
	case *Command:
		c := *x
		if len(c.Arguments) == 0 {
			c.Arguments = nil
		}
		return &c
	case *Send:
		s := &Send{}
		for _, st := range x.Streams {
			if len(st.Data) == 0 {
				st.Data = nil
			}
			s.Streams = append(s.Streams, st)
		}
		return s
	}
	return b
}

func BenchmarkParseReceive(b *testing.B) {
	doc := []byte(windowsHeader(ActionReceive, winSelector+`<w:OptionSet s:mustUnderstand="true"><w:Option Name="WSMAN_CMDSHELL_OPTION_KEEPALIVE">TRUE</w:Option></w:OptionSet>`) +
		`<s:Body><rsp:Receive xmlns:rsp="` + NSShell + `" SequenceId="0"><rsp:DesiredStream CommandId="` + testCmdID + `">stdout</rsp:DesiredStream></rsp:Receive></s:Body></s:Envelope>`)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRequest(doc, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseRequest64K measures near-limit envelopes of the shapes that
// cost the decoder most per byte (many small elements, many base64
// streams), to keep ParseRequest's cost linear in MaxEnvelopeSize.
func BenchmarkParseRequest64K(b *testing.B) {
	env := func(hdr, body string) []byte {
		return []byte(`<s:Envelope xmlns:s="` + NSSoap + `" xmlns:a="` + NSAddressing + `" xmlns:w="` + NSWSMan + `" xmlns:rsp="` + NSShell +
			`"><s:Header><a:Action>` + ActionSend + `</a:Action><a:MessageID>uuid:1</a:MessageID>` + hdr +
			`</s:Header><s:Body>` + body + `</s:Body></s:Envelope>`)
	}
	for _, c := range []struct {
		name string
		doc  []byte
	}{
		{"Elements", env(strings.Repeat("<w:X/>", 8000), "")},
		{"Streams", env("", `<rsp:Send>`+strings.Repeat(`<rsp:Stream Name="stdin">QUJD</rsp:Stream>`, 1400)+`</rsp:Send>`)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.doc)))
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ParseRequest(c.doc, Limits{MaxEnvelopeSize: 64 << 10})
			}
		})
	}
}
