package wsman

import (
	"bytes"
	"strings"
)

// Envelope fixtures in the shapes real clients and servers send. The
// benchmarks measure them and the fuzz targets are seeded with them (see
// requestFixtures and responseFixtures).

// createPipelineXML is a CREATE_PIPELINE CLIXML payload as Windows
// PowerShell 5.1 writes it for "Get-RetentionCompliancePolicy -Identity x"
// (MS-PSRP 2.2.2.10), about 1.9 KB.
const createPipelineXML = `<Obj RefId="0"><MS><B N="NoInput">true</B>` +
	`<Obj N="ApartmentState" RefId="1"><TN RefId="0"><T>System.Threading.ApartmentState</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Unknown</ToString><I32>2</I32></Obj>` +
	`<Obj N="RemoteStreamOptions" RefId="2"><TN RefId="1"><T>System.Management.Automation.RemoteStreamOptions</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>0</ToString><I32>0</I32></Obj>` +
	`<B N="AddToHistory">false</B><Obj N="HostInfo" RefId="3"><MS><B N="_isHostNull">true</B><B N="_isHostUINull">true</B><B N="_isHostRawUINull">true</B><B N="_useRunspaceHost">true</B></MS></Obj>` +
	`<Obj N="PowerShell" RefId="4"><MS><B N="IsNested">false</B><Nil N="ExtraCmds" /><Obj N="Cmds" RefId="5"><TN RefId="2"><T>System.Collections.Generic.List` + "`" +
	`1[[System.Management.Automation.PSObject, System.Management.Automation, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]</T><T>System.Object</T></TN>` +
	`<LST><Obj RefId="6"><MS><S N="Cmd">Get-RetentionCompliancePolicy</S><B N="IsScript">false</B><Nil N="UseLocalScope" />` +
	`<Obj N="MergeMyResult" RefId="7"><TN RefId="3"><T>System.Management.Automation.Runspaces.PipelineResultTypes</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>None</ToString><I32>0</I32></Obj>` +
	`<Obj N="MergeToResult" RefId="8"><TNRef RefId="3" /><ToString>None</ToString><I32>0</I32></Obj>` +
	`<Obj N="MergePreviousResults" RefId="9"><TNRef RefId="3" /><ToString>None</ToString><I32>0</I32></Obj>` +
	`<Obj N="Args" RefId="10"><TNRef RefId="2" /><LST><Obj RefId="11"><MS><S N="N">-Identity:</S><S N="V">Finance retention</S></MS></Obj></LST></Obj></MS></Obj></LST></Obj>` +
	`<Nil N="History" /><B N="RedirectShellErrorOutputPipe">true</B></MS></Obj><B N="IsNested">false</B></MS></Obj>`

// psrpMessage frames clixml like one PSRP fragment holding one message: a
// 21-byte fragment header, the 40-byte message header and the UTF-8 BOM.
func psrpMessage(clixml string) []byte {
	b := make([]byte, 21+40, 21+40+3+len(clixml))
	for i := range b {
		b[i] = byte(i * 7)
	}
	b = append(b, "\xef\xbb\xbf"...)
	return append(b, clixml...)
}

// Request fixtures (server side).
var (
	winReceivePipeline = windowsHeader(ActionReceive, winSelector+`<w:OptionSet s:mustUnderstand="true"><w:Option Name="WSMAN_CMDSHELL_OPTION_KEEPALIVE">TRUE</w:Option></w:OptionSet>`) +
		`<s:Body><rsp:Receive xmlns:rsp="` + NSShell + `" SequenceId="0"><rsp:DesiredStream CommandId="` + testCmdID + `">stdout</rsp:DesiredStream></rsp:Receive></s:Body></s:Envelope>`
	winCommand = windowsHeader(ActionCommand, winSelector) +
		`<s:Body><rsp:CommandLine xmlns:rsp="` + NSShell + `" CommandId="` + testCmdID + `"><rsp:Command>Get-RetentionCompliancePolicy</rsp:Command>` +
		`<rsp:Arguments>` + b64(string(psrpMessage(createPipelineXML))) + `</rsp:Arguments></rsp:CommandLine></s:Body></s:Envelope>`
	winSend = windowsHeader(ActionSend, winSelector) +
		`<s:Body><rsp:Send xmlns:rsp="` + NSShell + `"><rsp:Stream xmlns:rsp="` + NSShell + `" Name="stdin" CommandId="` + testCmdID + `">` +
		b64(string(psrpMessage(`<Obj RefId="0"><MS><S N="Name">x</S></MS></Obj>`))) + `</rsp:Stream></rsp:Send></s:Body></s:Envelope>`
	winSignal = windowsHeader(ActionSignal, winSelector) +
		`<s:Body><rsp:Signal xmlns:rsp="` + NSShell + `" CommandId="` + testCmdID + `"><rsp:Code>` + SignalPSCtrlC + `</rsp:Code></rsp:Signal></s:Body></s:Envelope>`
	winCreate = windowsHeader(ActionCreate,
		`<rsp:CompressionType s:mustUnderstand="true" xmlns:rsp="`+NSShell+`">xpress</rsp:CompressionType>`+
			`<w:OptionSet xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" s:mustUnderstand="true">`+
			`<w:Option Name="protocolversion" MustComply="true">2.3</w:Option></w:OptionSet>`) +
		`<s:Body><rsp:Shell xmlns:rsp="` + NSShell + `" ShellId="` + testShellID + `" Name="WinRM1">` +
		`<rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams><rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut>` +
		`<creationXml xmlns="` + NSPowerShell + `">` + b64(string(psrpMessage(createPipelineXML))) + `</creationXml></rsp:Shell></s:Body></s:Envelope>`
	winDelete = windowsHeader(ActionDelete, winSelector) + `<s:Body></s:Body></s:Envelope>`
	// pypsrpSignal is pypsrp's shape: XML declaration, env/wsa/wsman/wsmv
	// prefixes, a line break after the declaration, single quotes.
	pypsrpSignal = "<?xml version='1.0' encoding='utf-8'?>\n" + `<env:Envelope xmlns:env="` + NSSoap + `" xmlns:wsa="` + NSAddressing +
		`" xmlns:wsman="` + NSWSMan + `" xmlns:wsmv="` + NSWSMV + `" xmlns:rsp="` + NSShell + `" xmlns:xml="` + NSXML + `"><env:Header>` +
		`<wsa:Action env:mustUnderstand="true">` + ActionSignal + `</wsa:Action><wsmv:DataLocale env:mustUnderstand="false" xml:lang="en-US" />` +
		`<wsman:Locale env:mustUnderstand="false" xml:lang="en-US" /><wsman:MaxEnvelopeSize env:mustUnderstand="true">153600</wsman:MaxEnvelopeSize>` +
		`<wsa:MessageID>uuid:7D5A1B4C-3E2F-4A1B-9C8D-7E6F5A4B3C2D</wsa:MessageID><wsman:OperationTimeout>PT20S</wsman:OperationTimeout>` +
		`<wsa:ReplyTo><wsa:Address env:mustUnderstand="true">` + AddressAnonymous + `</wsa:Address></wsa:ReplyTo>` +
		`<wsman:ResourceURI env:mustUnderstand="true">` + ResourceExchange + `</wsman:ResourceURI>` +
		`<wsmv:SessionId env:mustUnderstand="false">uuid:00B78D41-F0E8-48F9-A424-C07045A58561</wsmv:SessionId><wsa:To>http://127.0.0.1:5985/wsman</wsa:To>` +
		`<wsman:SelectorSet><wsman:Selector Name="ShellId">` + testShellID + `</wsman:Selector></wsman:SelectorSet></env:Header>` +
		`<env:Body><rsp:Signal CommandId="` + testCmdID + `"><rsp:Code>` + SignalTerminate + `</rsp:Code></rsp:Signal></env:Body></env:Envelope>`
	// prettyReceive is indented, with comments-free whitespace between
	// elements and entity references, as hand-written clients send.
	prettyReceive = "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<s:Envelope xmlns:s=\"" + NSSoap + "\"\n    xmlns:a=\"" + NSAddressing +
		"\" xmlns:w=\"" + NSWSMan + "\">\n  <s:Header>\n    <a:Action>" + ActionReceive + "</a:Action>\n" +
		"    <a:MessageID>uuid:a&amp;b</a:MessageID>\n    <a:To>https://h/p?a=1&amp;b=&quot;2&quot;</a:To>\n" +
		"    <w:SelectorSet>\n      <w:Selector Name='ShellId'>\n        " + testShellID + "\n      </w:Selector>\n    </w:SelectorSet>\n  </s:Header>\n" +
		"  <s:Body>\n    <Receive xmlns=\"" + NSShell + "\" SequenceId=\"1\">\n      <DesiredStream CommandId=\"" + testCmdID + "\">stdout</DesiredStream>\n    </Receive>\n  </s:Body>\n</s:Envelope>\n"
)

// requestFixtures returns every request envelope of the package tests.
func requestFixtures() [][]byte {
	recv := func(extraHdr string) string {
		return windowsHeader(ActionReceive, winSelector+extraHdr) +
			`<s:Body><rsp:Receive xmlns:rsp="` + NSShell + `"><rsp:DesiredStream>stdout</rsp:DesiredStream></rsp:Receive></s:Body></s:Envelope>`
	}
	docs := []string{pypsrpReceive, winReceivePipeline, winCommand, winSend, winSignal, winCreate, winDelete, pypsrpSignal, prettyReceive,
		`<s:Envelope xmlns:s="` + NSSoap + `"><s:Header/></s:Envelope>`,
		// Well-formed envelopes the header and body checks refuse.
		recv(`<x:Foo xmlns:x="urn:x" s:mustUnderstand="true">1</x:Foo>`),
		strings.Replace(recv(""), "PT180.000S", "PT-1S", 1),
		strings.Replace(recv(""), ">512000<", ">-5<", 1),
		strings.Replace(recv(""), `Name="ShellId"`, "", 1),
		strings.Replace(recv(""), testMsgID, "", 1),
		strings.Replace(winSend, b64(string(psrpMessage(`<Obj RefId="0"><MS><S N="Name">x</S></MS></Obj>`))), "@@@=", 1),
		windowsHeader(ActionReceive, winSelector) + `<s:Body><rsp:Receive xmlns:rsp="` + NSShell + `"/></s:Body></s:Envelope>`,
	}
	out := make([][]byte, 0, len(docs)+8)
	for _, d := range docs {
		out = append(out, []byte(d))
	}
	for _, b := range []Body{
		&Create{ShellID: testShellID, InputStreams: "stdin pr", OutputStreams: "stdout", CreationXML: []byte("x")},
		&Command{CommandID: testCmdID, Arguments: []byte("y")},
		&Send{Streams: []Stream{{Name: "stdin", Data: []byte("z")}, {Name: "pr", End: true, CommandID: testCmdID}}},
		&Receive{SequenceID: "1", DesiredStream: "stdout", CommandID: testCmdID},
		&Signal{CommandID: testCmdID, Code: SignalTerminate},
		&Delete{}, &Get{}, &Enumerate{},
	} {
		data, _, err := MarshalRequest(Header{ResourceURI: ResourceExchange, Selectors: map[string]string{SelectorShellID: testShellID},
			OperationTimeout: 60e9, MaxEnvelopeSize: 512000, Locale: "en-US"}, b)
		if err != nil {
			panic(err)
		}
		out = append(out, data)
	}
	return out
}

// Response fixtures (client side).
var (
	recvData1 = psrpMessage(`<Obj RefId="0"><MS><I32 N="PipelineState">4</I32></MS></Obj>`)
	recvData2 = psrpMessage(`<Obj RefId="0"><TN RefId="0"><T>Deserialized.Microsoft.Exchange.Data.Directory.Management.RetentionPolicy</T>` +
		`<T>System.Object</T></TN><ToString>Finance retention</ToString><Props><S N="Name">Finance retention</S><B N="Enabled">true</B>` +
		`<S N="Guid">1a2b3c4d-0000-4e1f-9a8b-112233445566</S></Props></Obj>`)
	recvResp1 = &ReceiveResponse{Streams: []Stream{{Name: "stdout", CommandID: testCmdID, Data: recvData2}}}
	recvResp3 = &ReceiveResponse{SequenceID: "3", Streams: []Stream{
		{Name: "stdout", CommandID: testCmdID, Data: recvData2}, {Name: "stdout", CommandID: testCmdID, Data: recvData2},
		{Name: "stdout", CommandID: testCmdID, Data: recvData1}},
		State: &CommandState{CommandID: testCmdID, State: CommandStateDone}}
)

// responseFixtures returns every response envelope of the package tests.
func responseFixtures() [][]byte {
	shell := ShellInfo{ShellID: testShellID, ResourceURI: ResourceExchange, Owner: "admin@contoso.test", ClientIP: "10.0.0.1"}
	out := [][]byte{[]byte(windowsTimedOut), []byte(windowsBadCommand), []byte(windowsClosedShell)}
	for _, b := range []ResponseBody{
		recvResp1, recvResp3, &ReceiveResponse{},
		&CommandResponse{CommandID: testCmdID}, &SignalResponse{}, &SendResponse{}, &DeleteResponse{},
		&CreateResponse{Address: "https://ps.example.test/PowerShell", Shell: shell}, &GetResponse{Shell: shell},
	} {
		out = append(out, MarshalResponse(testReply, b))
	}
	for _, f := range []*Fault{TimedOut(), ShellNotFound(testShellID), InternalError("[FailureCategory=A&B] <boom>"), ProtocolVersion("2.3", "10.0"),
		DestinationUnreachable("u"), MustUnderstand(addrName("X"))} {
		f.Machine = "host"
		out = append(out, MarshalFault(testReply, f))
	}
	// A pretty-printed variant exercises text between elements.
	out = append(out, bytes.ReplaceAll(MarshalResponse(testReply, recvResp3), []byte("><"), []byte(">\n  <")))
	out = append(out, []byte(strings.ReplaceAll(windowsTimedOut, "><", ">\r\n<")))
	return out
}
