package remoting

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/psrp/fragment"
	"github.com/ipps/ipps/internal/wsman/xpress"
)

func newMsgID() string { return "uuid:" + strings.ToUpper(uuid.NewString()) }

func (e *testEnv) raw(user string) *rawClient {
	return &rawClient{t: e.t, url: e.url, authz: basicAuth(user+"@contoso.com", "tok-"+user), hc: e.hs.Client()}
}

// mustOK posts env and checks a 200 whose RelatesTo is the request's
// MessageID, byte for byte.
func mustOK(t *testing.T, c *rawClient, env rawEnv) string {
	t.Helper()
	status, body := c.post(env.bytes())
	if status != http.StatusOK {
		t.Fatalf("%s: HTTP %d: %s", env.action, status, body)
	}
	if got := elemText(body, "RelatesTo"); got != env.messageID {
		t.Fatalf("RelatesTo = %q, want %q", got, env.messageID)
	}
	return body
}

// mustFault posts env and checks HTTP 500, RelatesTo verbatim and the
// WSManFault code; it returns the body.
func mustFault(t *testing.T, c *rawClient, env rawEnv, code string) string {
	t.Helper()
	status, body := c.post(env.bytes())
	if status != http.StatusInternalServerError {
		t.Fatalf("%s: HTTP %d, want 500: %s", env.action, status, body)
	}
	if got := elemText(body, "RelatesTo"); got != env.messageID {
		t.Fatalf("fault RelatesTo = %q, want %q", got, env.messageID)
	}
	if !strings.Contains(body, `Code="`+code+`"`) {
		t.Fatalf("fault without Code=%s: %s", code, body)
	}
	return body
}

// receiveUntilDone polls a command until CommandState Done and returns the
// messages and the last response body.
func receiveUntilDone(t *testing.T, c *rawClient, base rawEnv, cmdID string) ([]psrp.Message, string) {
	t.Helper()
	var d fragment.Defragmenter
	var msgs []psrp.Message
	for range 50 {
		env := base
		env.action, env.messageID = actReceive, newMsgID()
		env.extra = `<w:OptionSet><w:Option Name="WSMAN_CMDSHELL_OPTION_KEEPALIVE">TRUE</w:Option></w:OptionSet>`
		env.body = `<rsp:Receive xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" SequenceId="0"><rsp:DesiredStream CommandId="` + cmdID + `">stdout</rsp:DesiredStream></rsp:Receive>`
		body := mustOK(t, c, env)
		msgs = append(msgs, decodeStreams(t, &d, body)...)
		if strings.Contains(body, "CommandState/Done") {
			return msgs, body
		}
	}
	t.Fatal("command never reported Done")
	return nil, ""
}

func poolReceive(t *testing.T, c *rawClient, base rawEnv, d *fragment.Defragmenter, want int) []psrp.Message {
	t.Helper()
	var msgs []psrp.Message
	for len(msgs) < want {
		env := base
		env.action, env.messageID = actReceive, newMsgID()
		env.body = `<rsp:Receive xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" SequenceId="0"><rsp:DesiredStream>stdout</rsp:DesiredStream></rsp:Receive>`
		msgs = append(msgs, decodeStreams(t, d, mustOK(t, c, env))...)
	}
	return msgs
}

func TestRawWindowsSession(t *testing.T) {
	e := newEnv(t, false, nil)
	c := e.raw("alice")
	shellID := strings.ToUpper(uuid.NewString())
	rpid := wireID(t, shellID)
	base := rawEnv{style: styleWindows, to: e.url, shellID: shellID}

	create := rawEnv{style: styleWindows, to: e.url, action: actCreate, messageID: newMsgID(),
		extra: `<w:OptionSet xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" s:mustUnderstand="true"><w:Option Name="protocolversion" MustComply="true">2.3</w:Option></w:OptionSet>`,
		body: `<rsp:Shell xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" ShellId="` + shellID + `"><rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams><creationXml xmlns="http://schemas.microsoft.com/powershell">` +
			psrpBlob(7,
				psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgSessionCapability, RPID: rpid, Data: []byte(utf8BOM + winSessionCapability)},
				psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgInitRunspacePool, RPID: rpid, Data: []byte(utf8BOM + winInitRunspacePool)},
			) + `</creationXml></rsp:Shell>`}
	body := mustOK(t, c, create)
	if !strings.Contains(body, `<w:SelectorSet><w:Selector Name="ShellId">`+shellID+`</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>`) {
		t.Fatalf("ShellId selector missing from ResourceCreated: %s", body)
	}
	if elemText(body, "CompressionMode") != "NoCompression" || elemText(body, "State") != "Connected" {
		t.Fatalf("Create shell info: %s", body)
	}

	var pd fragment.Defragmenter
	msgs := poolReceive(t, c, base, &pd, 3)
	if len(msgs) != 3 || msgs[0].Type != psrp.MsgSessionCapability || msgs[1].Type != psrp.MsgApplicationPrivateData || msgs[2].Type != psrp.MsgRunspacePoolState {
		t.Fatalf("opening sequence: %v", msgs)
	}
	for _, m := range msgs {
		if m.RPID != rpid || m.Destination != psrp.DestinationClient {
			t.Fatalf("reply RPID %v, want the client's %v", m.RPID, rpid)
		}
	}
	if st, _ := psrp.DecodeRunspacePoolState(msgs[2].Data); st.State != psrp.PoolOpened {
		t.Fatalf("pool state %v", st.State)
	}

	// Command: CREATE_PIPELINE with token-text args ("-Count:") and
	// NoInput=false, then END_OF_PIPELINE_INPUT via Send.
	cmdID := strings.ToUpper(uuid.NewString())
	pid := wireID(t, cmdID)
	cp := createPipelineXML("Get-Number", false, [2]string{"-Count:", `<I32>3</I32>`})
	env := base
	env.action, env.messageID = actCommand, newMsgID()
	env.body = `<rsp:CommandLine xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" CommandId="` + cmdID + `"><rsp:Command>Get-Number</rsp:Command><rsp:Arguments>` +
		psrpBlob(9, psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgCreatePipeline, RPID: rpid, PID: pid, Data: []byte(utf8BOM + cp)}) + `</rsp:Arguments></rsp:CommandLine>`
	if body := mustOK(t, c, env); elemText(body, "CommandId") != cmdID {
		t.Fatalf("CommandResponse: %s", body)
	}
	env.action, env.messageID = actSend, newMsgID()
	env.body = `<rsp:Send xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><rsp:Stream Name="stdin" CommandId="` + cmdID + `" End="true">` +
		psrpBlob(10, psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgEndOfPipelineInput, RPID: rpid, PID: pid}) + `</rsp:Stream></rsp:Send>`
	mustOK(t, c, env)

	msgs, last := receiveUntilDone(t, c, base, cmdID)
	if len(msgs) != 4 || msgs[3].Type != psrp.MsgPipelineState {
		t.Fatalf("pipeline messages: %v", msgs)
	}
	for i, m := range msgs[:3] {
		v, err := psrp.DecodeObject(m.Type, m.Data)
		if m.Type != psrp.MsgPipelineOutput || err != nil || v != int32(i) || m.PID != pid {
			t.Fatalf("output %d: %v %v %v", i, m.Type, v, err)
		}
	}
	if st, _ := psrp.DecodePipelineState(msgs[3].Data); st.State != psrp.PipelineCompleted {
		t.Fatalf("final state %v", st.State)
	}
	// Done and ExitCode 0 travel with the final PIPELINE_STATE.
	if !regexp.MustCompile(`CommandState CommandId="`+cmdID+`" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"><rsp:ExitCode>0</rsp:ExitCode>`).MatchString(last) || len(streamBlobs(t, last)) == 0 {
		t.Fatalf("final response lacks data + Done/ExitCode: %s", last)
	}

	// Terminate discards the command.
	env.action, env.messageID = actSignal, newMsgID()
	env.body = `<rsp:Signal xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" CommandId="` + cmdID + `"><rsp:Code>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/Terminate</rsp:Code></rsp:Signal>`
	mustOK(t, c, env)
	env.action, env.messageID = actReceive, newMsgID()
	env.body = `<rsp:Receive xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><rsp:DesiredStream CommandId="` + cmdID + `">stdout</rsp:DesiredStream></rsp:Receive>`
	if fb := mustFault(t, c, env, "2150858843"); !strings.Contains(fb, "command identifier that does not exist") {
		t.Fatalf("unknown command fault text: %s", fb)
	}

	env.action, env.messageID, env.body = actDelete, newMsgID(), ""
	mustOK(t, c, env)
	if e.prov.closed.Load() != 1 {
		t.Fatal("Delete did not close the runspace")
	}
}

func TestRawPypsrpSession(t *testing.T) {
	e := newEnv(t, false, nil)
	c := e.raw("bob")
	shellID := strings.ToUpper(uuid.NewString())
	rpid := wireID(t, shellID)
	base := rawEnv{style: stylePypsrp, to: e.url, shellID: shellID}
	create := rawEnv{style: stylePypsrp, to: e.url, action: actCreate, messageID: newMsgID(),
		extra: `<wsman:OptionSet env:mustUnderstand="true"><wsman:Option MustComply="true" Name="protocolversion">2.3</wsman:Option></wsman:OptionSet>`,
		body: `<rsp:Shell ShellId="` + shellID + `"><rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams><creationXml xmlns="http://schemas.microsoft.com/powershell">` +
			psrpBlob(0,
				psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgSessionCapability, RPID: rpid, Data: []byte(pypsrpSessionCapability)},
				psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgInitRunspacePool, RPID: rpid, Data: []byte(pypsrpInitRunspacePool)},
			) + `</creationXml></rsp:Shell>`}
	mustOK(t, c, create)
	var pd fragment.Defragmenter
	poolReceive(t, c, base, &pd, 3)

	// SET_MAX_RUNSPACES with lowercase ci, pool-targeted Send.
	env := base
	env.action, env.messageID = actSend, newMsgID()
	env.body = `<rsp:Send><rsp:Stream Name="stdin">` + psrpBlob(2, psrp.Message{Destination: psrp.DestinationServer,
		Type: psrp.MsgSetMaxRunspaces, RPID: rpid, Data: []byte(`<Obj RefId="0"><MS><I32 N="MaxRunspaces">4</I32><I64 N="ci">1</I64></MS></Obj>`)}) + `</rsp:Stream></rsp:Send>`
	mustOK(t, c, env)
	msgs := poolReceive(t, c, base, &pd, 1)
	av, err := psrp.DecodeRunspaceAvailability(msgs[0].Data)
	if msgs[0].Type != psrp.MsgRunspaceAvailability || err != nil || av.CallID != 1 || !av.OK {
		t.Fatalf("availability: %v %+v %v", msgs[0].Type, av, err)
	}

	// A blocking pipeline stopped with pypsrp's ctrl_c spelling.
	cmdID := strings.ToUpper(uuid.NewString())
	pid := wireID(t, cmdID)
	env.action, env.messageID = actCommand, newMsgID()
	env.extra = `<wsman:OptionSet><wsman:Option Name="WINRS_SKIP_CMD_SHELL">False</wsman:Option></wsman:OptionSet>`
	env.body = `<rsp:CommandLine CommandId="` + cmdID + `"><rsp:Command /><rsp:Arguments>` +
		psrpBlob(3, psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgCreatePipeline, RPID: rpid, PID: pid, Data: []byte(createPipelineXML("Wait-Cancel", true))}) + `</rsp:Arguments></rsp:CommandLine>`
	mustOK(t, c, env)
	env.extra = ""
	env.action, env.messageID = actSignal, newMsgID()
	env.body = `<rsp:Signal CommandId="` + cmdID + `"><rsp:Code>powershell/signal/ctrl_c</rsp:Code></rsp:Signal>`
	mustOK(t, c, env)
	msgs, _ = receiveUntilDone(t, c, base, cmdID)
	st, err := psrp.DecodePipelineState(msgs[len(msgs)-1].Data)
	if err != nil || st.State != psrp.PipelineStopped || st.Error == nil || st.Error.FullyQualifiedErrorID != "PipelineStopped" {
		t.Fatalf("stopped state: %+v %v", st, err)
	}

	// is_alive: Get on the generic shell URI.
	env.action, env.messageID, env.body = actGet, newMsgID(), ""
	env.resourceURI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
	if body := mustOK(t, c, env); elemText(body, "State") != "Connected" || elemText(body, "ShellId") != shellID {
		t.Fatalf("Get: %s", body)
	}
	env.resourceURI = ""
	env.action, env.messageID = actDelete, newMsgID()
	mustOK(t, c, env)
}

func TestRawCompressedSession(t *testing.T) {
	e := newEnv(t, false, nil)
	c := e.raw("carol")
	shellID := strings.ToUpper(uuid.NewString())
	rpid := wireID(t, shellID)
	base := rawEnv{style: styleWindows, to: e.url, shellID: shellID}
	create := rawEnv{style: styleWindows, to: e.url, action: actCreate, messageID: newMsgID(),
		extra: `<rsp:CompressionType xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" s:mustUnderstand="true">xpress</rsp:CompressionType><w:OptionSet s:mustUnderstand="true"><w:Option Name="protocolversion" MustComply="true">2.3</w:Option></w:OptionSet>`,
		body: `<rsp:Shell xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" ShellId="` + shellID + `"><rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams><creationXml xmlns="http://schemas.microsoft.com/powershell">` +
			psrpBlob(1,
				psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgSessionCapability, RPID: rpid, Data: []byte(winSessionCapability)},
				psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgInitRunspacePool, RPID: rpid, Data: []byte(winInitRunspacePool)},
			) + `</creationXml></rsp:Shell>`}
	if body := mustOK(t, c, create); elemText(body, "CompressionMode") != "XpressCompression" {
		t.Fatalf("CompressionMode: %s", body)
	}
	// Pool output arrives framed; decode it the way a Windows client does.
	env := base
	env.action, env.messageID = actReceive, newMsgID()
	env.body = `<rsp:Receive xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><rsp:DesiredStream>stdout</rsp:DesiredStream></rsp:Receive>`
	body := mustOK(t, c, env)
	var d fragment.Defragmenter
	n := 0
	for _, b := range streamBlobs(t, body) {
		plain, err := xpress.Decompress(b, 1<<20)
		if err != nil {
			t.Fatalf("server stream is not in xpress framing: %v", err)
		}
		msgs, err := d.Write(plain)
		if err != nil {
			t.Fatal(err)
		}
		n += len(msgs)
	}
	if n != 3 {
		t.Fatalf("decoded %d opening messages, want 3", n)
	}
	// A Send in the framing is decoded.
	cmdID := strings.ToUpper(uuid.NewString())
	env.action, env.messageID = actCommand, newMsgID()
	env.body = `<rsp:CommandLine xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" CommandId="` + cmdID + `"><rsp:Command> </rsp:Command><rsp:Arguments>` +
		base64.StdEncoding.EncodeToString(xpress.AppendRaw(nil, mustDecodeB64(t, psrpBlob(3, psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgCreatePipeline, RPID: rpid, PID: wireID(t, cmdID), Data: []byte(createPipelineXML("Get-Number", true))})))) +
		`</rsp:Arguments></rsp:CommandLine>`
	// Command Arguments are not compressed by Windows; only Send/Receive
	// stream data is. Sending framed bytes here must therefore fail
	// cleanly rather than crash.
	mustFault(t, c, env, "2152992672")
	env.messageID = newMsgID()
	env.body = `<rsp:CommandLine xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" CommandId="` + cmdID + `"><rsp:Command> </rsp:Command><rsp:Arguments>` +
		psrpBlob(4, psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgCreatePipeline, RPID: rpid, PID: wireID(t, cmdID), Data: []byte(createPipelineXML("Echo-Input", false))}) +
		`</rsp:Arguments></rsp:CommandLine>`
	mustOK(t, c, env)
	env.action, env.messageID = actSend, newMsgID()
	env.body = `<rsp:Send xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><rsp:Stream Name="stdin" CommandId="` + cmdID + `">` +
		base64.StdEncoding.EncodeToString(xpress.AppendRaw(nil, mustDecodeB64(t, psrpBlob(5,
			psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgPipelineInput, RPID: rpid, PID: wireID(t, cmdID), Data: []byte(`<S>zipped</S>`)},
			psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgEndOfPipelineInput, RPID: rpid, PID: wireID(t, cmdID)})))) +
		`</rsp:Stream></rsp:Send>`
	mustOK(t, c, env)
	env.action, env.messageID = actReceive, newMsgID()
	env.body = `<rsp:Receive xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><rsp:DesiredStream CommandId="` + cmdID + `">stdout</rsp:DesiredStream></rsp:Receive>`
	body = mustOK(t, c, env)
	var cd fragment.Defragmenter
	var got []psrp.Message
	for _, b := range streamBlobs(t, body) {
		plain, err := xpress.Decompress(b, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := cd.Write(plain)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range raw {
			m, _ := psrp.DecodeMessage(r)
			got = append(got, m)
		}
	}
	if len(got) == 0 || got[0].Type != psrp.MsgPipelineOutput || string(got[0].Data) != "<S>zipped</S>" {
		t.Fatalf("echoed input: %v", got)
	}
}

func mustDecodeB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var _ = time.Second

// GET_COMMAND_METADATA as Import-PSSession sends it: the reply starts with
// the Count object, then one object per command.
func TestRawCommandMetadata(t *testing.T) {
	e := newEnv(t, false, nil)
	c := e.raw("alice")
	base, rpid := openRaw(t, e, c)
	cmdID := strings.ToUpper(uuid.NewString())
	query := `<Obj RefId="0"><MS><Obj N="Name" RefId="1"><TN RefId="0"><T>System.String[]</T><T>System.Array</T><T>System.Object</T></TN><LST><S>Get-*</S></LST></Obj><Obj N="CommandType" RefId="2"><TN RefId="1"><T>System.Management.Automation.CommandTypes</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Alias, Function, Filter, Cmdlet, Configuration</ToString><I32>271</I32></Obj><Nil N="Namespace" /><Nil N="ArgumentList" /></MS></Obj>`
	env := base
	env.action, env.messageID = actCommand, newMsgID()
	env.body = `<rsp:CommandLine xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" CommandId="` + cmdID + `"><rsp:Command>Get-Command</rsp:Command><rsp:Arguments>` +
		psrpBlob(40, psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgGetCommandMetadata, RPID: rpid, PID: wireID(t, cmdID), Data: []byte(utf8BOM + query)}) +
		`</rsp:Arguments></rsp:CommandLine>`
	mustOK(t, c, env)
	msgs, _ := receiveUntilDone(t, c, base, cmdID)
	if len(msgs) != 4 {
		t.Fatalf("%d messages, want count + 2 commands + state", len(msgs))
	}
	first := string(msgs[0].Data)
	if msgs[0].Type != psrp.MsgPipelineOutput || !strings.Contains(first, "<T>Selected.Microsoft.PowerShell.Commands.GenericMeasureInfo</T>") || !strings.Contains(first, `<I32 N="Count">2</I32>`) {
		t.Fatalf("first reply is not the Count object: %s", first)
	}
	for _, m := range msgs[1:3] {
		d := string(m.Data)
		if !strings.Contains(d, "<T>Selected.System.Management.Automation.CmdletInfo</T>") || !strings.Contains(d, `<S N="Name">Get-`) || !strings.Contains(d, "ErrorAction") {
			t.Fatalf("command object: %s", d)
		}
	}
	if st, _ := psrp.DecodePipelineState(msgs[3].Data); st.State != psrp.PipelineCompleted {
		t.Fatalf("state %v", st.State)
	}
}

// One Send may carry several Stream elements (stdin and pr); each is fed
// in order, and a host response on pr is ignored by a host-less endpoint.
func TestRawSendSeveralStreams(t *testing.T) {
	e := newEnv(t, false, nil)
	c := e.raw("alice")
	base, rpid := openRaw(t, e, c)
	cmdID := strings.ToUpper(uuid.NewString())
	pid := wireID(t, cmdID)
	env := base
	env.action, env.messageID = actCommand, newMsgID()
	env.body = `<rsp:CommandLine xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" CommandId="` + cmdID + `"><rsp:Command/><rsp:Arguments>` +
		psrpBlob(50, psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgCreatePipeline, RPID: rpid, PID: pid, Data: []byte(createPipelineXML("Echo-Input", false))}) +
		`</rsp:Arguments></rsp:CommandLine>`
	mustOK(t, c, env)
	in := func(id uint64, s string) string {
		return psrpBlob(id, psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgPipelineInput, RPID: rpid, PID: pid, Data: []byte("<S>" + s + "</S>")})
	}
	env.action, env.messageID = actSend, newMsgID()
	env.body = `<rsp:Send xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell">` +
		`<rsp:Stream Name="stdin" CommandId="` + cmdID + `">` + in(51, "one") + `</rsp:Stream>` +
		`<rsp:Stream Name="pr" CommandId="` + cmdID + `">` + psrpBlob(52, psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgPipelineHostResponse, RPID: rpid, PID: pid, Data: []byte(`<Obj RefId="0"><MS><I64 N="ci">1</I64></MS></Obj>`)}) + `</rsp:Stream>` +
		`<rsp:Stream Name="stdin" CommandId="` + cmdID + `">` + psrpBlob(53,
		psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgPipelineInput, RPID: rpid, PID: pid, Data: []byte("<S>two</S>")},
		psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgEndOfPipelineInput, RPID: rpid, PID: pid}) + `</rsp:Stream>` +
		`</rsp:Send>`
	mustOK(t, c, env)
	msgs, _ := receiveUntilDone(t, c, base, cmdID)
	if len(msgs) != 3 || string(msgs[0].Data) != "<S>one</S>" || string(msgs[1].Data) != "<S>two</S>" {
		t.Fatalf("echo: %v", msgs)
	}
}
