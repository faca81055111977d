package remoting

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/psrp/fragment"
	"github.com/ipps/ipps/internal/wsman/xpress"
)

// TestRawHuffmanCompressedSend sends pipeline input the way a Windows
// client with compression on does: Send stream data in MS-WSMV chunks
// compressed with LZ77+Huffman (not just stored chunks). The server must
// decode it and echo every object.
func TestRawHuffmanCompressedSend(t *testing.T) {
	e := newEnv(t, false, nil)
	c := e.raw("carol")
	shellID := strings.ToUpper(uuid.NewString())
	rpid := wireID(t, shellID)
	create := rawEnv{style: styleWindows, to: e.url, action: actCreate, messageID: newMsgID(),
		extra: `<rsp:CompressionType xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" s:mustUnderstand="true">xpress</rsp:CompressionType><w:OptionSet s:mustUnderstand="true"><w:Option Name="protocolversion" MustComply="true">2.3</w:Option></w:OptionSet>`,
		body: `<rsp:Shell xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" ShellId="` + shellID + `"><rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams><creationXml xmlns="http://schemas.microsoft.com/powershell">` +
			psrpBlob(1,
				psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgSessionCapability, RPID: rpid, Data: []byte(winSessionCapability)},
				psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgInitRunspacePool, RPID: rpid, Data: []byte(winInitRunspacePool)},
			) + `</creationXml></rsp:Shell>`}
	mustOK(t, c, create)
	env := rawEnv{style: styleWindows, to: e.url, shellID: shellID}

	cmdID := strings.ToUpper(uuid.NewString())
	env.action, env.messageID = actCommand, newMsgID()
	env.body = `<rsp:CommandLine xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" CommandId="` + cmdID + `"><rsp:Command> </rsp:Command><rsp:Arguments>` +
		psrpBlob(3, psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgCreatePipeline, RPID: rpid, PID: wireID(t, cmdID), Data: []byte(createPipelineXML("Echo-Input", false))}) +
		`</rsp:Arguments></rsp:CommandLine>`
	mustOK(t, c, env)

	const n = 200
	msgs := make([]psrp.Message, 0, n+1)
	for i := range n {
		msgs = append(msgs, psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgPipelineInput, RPID: rpid, PID: wireID(t, cmdID),
			Data: []byte(fmt.Sprintf("<S>compressed input object number %04d</S>", i))})
	}
	msgs = append(msgs, psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgEndOfPipelineInput, RPID: rpid, PID: wireID(t, cmdID)})
	plain := mustDecodeB64(t, psrpBlob(4, msgs...))
	framed := xpress.Compress(plain)
	if len(framed) >= len(plain)*3/4 {
		t.Fatalf("test data did not compress (%d → %d bytes)", len(plain), len(framed))
	}
	env.action, env.messageID = actSend, newMsgID()
	env.body = `<rsp:Send xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><rsp:Stream Name="stdin" CommandId="` + cmdID + `">` +
		base64.StdEncoding.EncodeToString(framed) + `</rsp:Stream></rsp:Send>`
	mustOK(t, c, env)

	var d fragment.Defragmenter
	echoed, done := 0, false
	for !done {
		env.action, env.messageID = actReceive, newMsgID()
		env.body = `<rsp:Receive xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><rsp:DesiredStream CommandId="` + cmdID + `">stdout</rsp:DesiredStream></rsp:Receive>`
		body := mustOK(t, c, env)
		for _, b := range streamBlobs(t, body) {
			out, err := xpress.Decompress(b, 1<<22)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := d.Write(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range raw {
				m, err := psrp.DecodeMessage(r)
				if err != nil {
					t.Fatal(err)
				}
				switch m.Type {
				case psrp.MsgPipelineOutput:
					if want := fmt.Sprintf("<S>compressed input object number %04d</S>", echoed); string(m.Data) != want {
						t.Fatalf("output %d = %s, want %s", echoed, m.Data, want)
					}
					echoed++
				case psrp.MsgPipelineState:
					done = true
				}
			}
		}
	}
	if echoed != n {
		t.Fatalf("echoed %d of %d compressed input objects", echoed, n)
	}
}
