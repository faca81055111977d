package remoting

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/psrp/fragment"
)

// This file writes envelopes by hand, the way Windows PowerShell 5.1 and
// pypsrp 0.9 write them, so the server is tested against real client
// shapes rather than against our own wsman builders.

const (
	actCreate  = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
	actDelete  = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
	actGet     = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
	actCommand = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command"
	actSend    = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send"
	actReceive = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"
	actSignal  = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"
)

// rawStyle selects the client whose envelope shape is imitated.
type rawStyle int

const (
	styleWindows rawStyle = iota
	stylePypsrp
)

// rawEnv builds one envelope. selectors is the inner XML of SelectorSet
// (empty for none); extra is additional header XML (OptionSet etc.).
type rawEnv struct {
	style       rawStyle
	to          string
	action      string
	messageID   string
	resourceURI string
	maxEnv      int
	timeout     string
	shellID     string
	extra       string
	body        string
}

func (e rawEnv) bytes() []byte {
	if e.resourceURI == "" {
		e.resourceURI = ExchangeResourceURI
	}
	sel := ""
	if e.shellID != "" {
		sel = `<w:SelectorSet><w:Selector Name="ShellId">` + e.shellID + `</w:Selector></w:SelectorSet>`
	}
	switch e.style {
	case styleWindows:
		if e.maxEnv == 0 {
			e.maxEnv = 512000
		}
		if e.timeout == "" {
			e.timeout = "PT180.000S"
		}
		return fmt.Appendf(nil, `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"><s:Header><a:To>%s</a:To><w:ResourceURI s:mustUnderstand="true">%s</w:ResourceURI><a:ReplyTo><a:Address s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo><a:Action s:mustUnderstand="true">%s</a:Action><w:MaxEnvelopeSize s:mustUnderstand="true">%d</w:MaxEnvelopeSize><a:MessageID>%s</a:MessageID><w:Locale xml:lang="en-US" s:mustUnderstand="false" /><p:DataLocale xml:lang="en-US" s:mustUnderstand="false" /><p:SessionId s:mustUnderstand="false">uuid:11A5F1E8-7A4F-4E39-9B5D-5B4D0C6A2E11</p:SessionId><p:OperationID s:mustUnderstand="false">uuid:%s</p:OperationID><p:SequenceId s:mustUnderstand="false">1</p:SequenceId>%s%s<w:OperationTimeout>%s</w:OperationTimeout></s:Header><s:Body>%s</s:Body></s:Envelope>`,
			e.to, e.resourceURI, e.action, e.maxEnv, e.messageID, strings.ToUpper(uuid.NewString()), sel, e.extra, e.timeout, e.body)
	default:
		if e.maxEnv == 0 {
			e.maxEnv = 153600
		}
		if e.timeout == "" {
			e.timeout = "PT20S"
		}
		return fmt.Appendf(nil, `<?xml version="1.0" encoding="utf-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsman="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:wsmv="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" xmlns:xml="http://www.w3.org/XML/1998/namespace"><env:Header><wsa:Action env:mustUnderstand="true">%s</wsa:Action><wsmv:DataLocale env:mustUnderstand="false" xml:lang="en-US" /><wsman:Locale env:mustUnderstand="false" xml:lang="en-US" /><wsman:MaxEnvelopeSize env:mustUnderstand="true">%d</wsman:MaxEnvelopeSize><wsa:MessageID>%s</wsa:MessageID><wsman:OperationTimeout>%s</wsman:OperationTimeout><wsa:ReplyTo><wsa:Address env:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:Address></wsa:ReplyTo><wsman:ResourceURI env:mustUnderstand="true">%s</wsman:ResourceURI><wsmv:SessionId env:mustUnderstand="false">uuid:%s</wsmv:SessionId><wsa:To>%s</wsa:To>%s%s</env:Header><env:Body>%s</env:Body></env:Envelope>`,
			e.action, e.maxEnv, e.messageID, e.timeout, e.resourceURI, uuid.NewString(), e.to,
			strings.ReplaceAll(strings.ReplaceAll(sel, "<w:", "<wsman:"), "</w:", "</wsman:"), e.extra, strings.ReplaceAll(strings.ReplaceAll(e.body, "<rsp:", "<rsp:"), "</rsp:", "</rsp:"))
	}
}

var utf8BOM = "\xEF\xBB\xBF"

// psrpBlob encodes PSRP messages as fragments (one object each, ids from
// firstID) and returns the base64 text.
func psrpBlob(firstID uint64, msgs ...psrp.Message) string {
	var b []byte
	for i, m := range msgs {
		b = fragment.Split(b, firstID+uint64(i), m.Encode(), 1<<20)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func wireID(t testing.TB, s string) psrp.WireGUID {
	t.Helper()
	g, err := psrp.ParseWireGUID(s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// Windows 5.1 style SESSION_CAPABILITY (with BOM and a TimeZone blob) and
// INIT_RUNSPACEPOOL with a null host and its PSVersionTable.
const (
	winSessionCapability    = `<Obj RefId="0"><MS><Version N="protocolversion">2.3</Version><Version N="PSVersion">2.0</Version><Version N="SerializationVersion">1.1.0.1</Version><BA N="TimeZone">AAEAAAD/////AQAAAAAAAAAEAQAAABxTeXN0ZW0uQ3VycmVudFN5c3RlbVRpbWVab25lBAAAABdtX0NhY2hlZERheWxpZ2h0Q2hhbmdlcw==</BA></MS></Obj>`
	winInitRunspacePool     = `<Obj RefId="0"><MS><I32 N="MinRunspaces">1</I32><I32 N="MaxRunspaces">1</I32><Obj N="PSThreadOptions" RefId="1"><TN RefId="0"><T>System.Management.Automation.Runspaces.PSThreadOptions</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Default</ToString><I32>0</I32></Obj><Obj N="ApartmentState" RefId="2"><TN RefId="1"><T>System.Threading.ApartmentState</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Unknown</ToString><I32>2</I32></Obj><Obj N="HostInfo" RefId="3"><MS><B N="_isHostNull">true</B><B N="_isHostUINull">true</B><B N="_isHostRawUINull">true</B><B N="_useRunspaceHost">true</B></MS></Obj><Obj N="ApplicationArguments" RefId="4"><TN RefId="2"><T>System.Management.Automation.PSPrimitiveDictionary</T><T>System.Collections.Hashtable</T><T>System.Object</T></TN><DCT><En><S N="Key">PSVersionTable</S><Obj N="Value" RefId="5"><TNRef RefId="2" /><DCT><En><S N="Key">PSVersion</S><Version N="Value">5.1.19041.1</Version></En><En><S N="Key">PSEdition</S><S N="Value">Desktop</S></En></DCT></Obj></En></DCT></Obj></MS></Obj>`
	pypsrpSessionCapability = `<Obj RefId="0"><MS><Version N="protocolversion">2.3</Version><Version N="PSVersion">2.0</Version><Version N="SerializationVersion">1.1.0.1</Version></MS></Obj>`
	pypsrpInitRunspacePool  = `<Obj RefId="0"><MS><I32 N="MinRunspaces">1</I32><I32 N="MaxRunspaces">1</I32><Obj N="PSThreadOptions" RefId="1"><TN RefId="0"><T>System.Management.Automation.Runspaces.PSThreadOptions</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Default</ToString><I32>0</I32></Obj><Obj N="ApartmentState" RefId="2"><TN RefId="1"><T>System.Management.Automation.Runspaces.ApartmentState</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Unknown</ToString><I32>2</I32></Obj><Obj N="HostInfo" RefId="3"><MS><B N="_isHostNull">true</B><B N="_isHostUINull">true</B><B N="_isHostRawUINull">true</B><B N="_useRunspaceHost">true</B></MS></Obj><Nil N="ApplicationArguments" /></MS></Obj>`
)

// createPipelineXML is a CREATE_PIPELINE payload running cmd with args
// given as (name, valueXML) pairs; name "" is positional.
func createPipelineXML(cmd string, noInput bool, args ...[2]string) string {
	var a strings.Builder
	for i, kv := range args {
		n := `<Nil N="N" />`
		if kv[0] != "" {
			n = `<S N="N">` + kv[0] + `</S>`
		}
		fmt.Fprintf(&a, `<Obj RefId="%d"><MS>%s%s</MS></Obj>`, 20+i, n, strings.Replace(kv[1], ">", ` N="V">`, 1))
	}
	enum := func(n, tn string, ref int, s string, v int) string {
		return fmt.Sprintf(`<Obj N="%s" RefId="%d"><TN RefId="%d"><T>%s</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>%s</ToString><I32>%d</I32></Obj>`, n, ref, ref, tn, s, v)
	}
	return fmt.Sprintf(`<Obj RefId="0"><MS><B N="NoInput">%t</B>%s%s<B N="AddToHistory">false</B><Obj N="HostInfo" RefId="3"><MS><B N="_isHostNull">true</B><B N="_isHostUINull">true</B><B N="_isHostRawUINull">true</B><B N="_useRunspaceHost">true</B></MS></Obj><Obj N="PowerShell" RefId="4"><MS><B N="IsNested">false</B><Nil N="ExtraCmds" /><Obj N="Cmds" RefId="5"><TN RefId="5"><T>System.Collections.Generic.List`+"`"+`1[[System.Management.Automation.PSObject, System.Management.Automation, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]</T><T>System.Object</T></TN><LST><Obj RefId="6"><MS><S N="Cmd">%s</S><B N="IsScript">false</B><Nil N="UseLocalScope" />%s%s%s<Obj N="Args" RefId="10"><TNRef RefId="5" /><LST>%s</LST></Obj></MS></Obj></LST></Obj><Nil N="History" /><B N="RedirectShellErrorOutputPipe">true</B></MS></Obj><B N="IsNested">false</B></MS></Obj>`,
		noInput,
		enum("ApartmentState", "System.Threading.ApartmentState", 1, "Unknown", 2),
		enum("RemoteStreamOptions", "System.Management.Automation.RemoteStreamOptions", 2, "0", 0),
		cmd,
		enum("MergeMyResult", "System.Management.Automation.Runspaces.PipelineResultTypes", 7, "None", 0),
		enum("MergeToResult", "System.Management.Automation.Runspaces.PipelineResultTypes", 8, "None", 0),
		enum("MergePreviousResults", "System.Management.Automation.Runspaces.PipelineResultTypes", 9, "None", 0),
		a.String())
}

// rawClient posts raw envelopes to one endpoint URL with one principal.
type rawClient struct {
	t     testing.TB
	url   string
	authz string
	hc    *http.Client
}

func basicAuth(user, token string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":Bearer "+token))
}

func (c *rawClient) post(env []byte) (int, string) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(env))
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	if c.authz != "" {
		req.Header.Set("Authorization", c.authz)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// elemText returns the text of the first element with the given local
// name (any prefix) in an XML string.
func elemText(x, local string) string {
	re := regexp.MustCompile(`<(?:[A-Za-z0-9]+:)?` + local + `(?:\s[^>]*)?>([^<]*)</`)
	m := re.FindStringSubmatch(x)
	if m == nil {
		return ""
	}
	return m[1]
}

// streamBlobs returns the decoded rsp:Stream contents of a ReceiveResponse.
func streamBlobs(t testing.TB, x string) [][]byte {
	t.Helper()
	re := regexp.MustCompile(`<(?:[A-Za-z0-9]+:)?Stream\b[^>]*>([^<]*)</`)
	var out [][]byte
	for _, m := range re.FindAllStringSubmatch(x, -1) {
		b, err := base64.StdEncoding.DecodeString(m[1])
		if err != nil {
			t.Fatalf("bad base64 in stream: %v", err)
		}
		out = append(out, b)
	}
	return out
}

// decodeStreams reassembles the PSRP messages in a ReceiveResponse.
func decodeStreams(t testing.TB, d *fragment.Defragmenter, x string) []psrp.Message {
	t.Helper()
	var out []psrp.Message
	for _, b := range streamBlobs(t, x) {
		msgs, err := d.Write(b)
		if err != nil {
			t.Fatalf("defragment: %v", err)
		}
		for _, raw := range msgs {
			m, err := psrp.DecodeMessage(raw)
			if err != nil {
				t.Fatalf("decode message: %v", err)
			}
			out = append(out, m)
		}
	}
	return out
}

func psrpBlobRaw(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
