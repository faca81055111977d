package remoting

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/psrp"
)

// FuzzServeHTTP throws arbitrary envelopes at an authenticated server with
// one open shell: it must never panic, must answer 200 or a fault (500),
// and every fault must be a SOAP envelope. Run briefly:
//
//	go test -run '^$' -fuzz FuzzServeHTTP -fuzztime 20s ./internal/remoting
func FuzzServeHTTP(f *testing.F) {
	prov := &fakeProvider{}
	srv, err := NewServer(Config{}, testAuth{}, prov, testLogger(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.Close() })
	shellID := "0A2B0000-0000-4000-8000-000000000001"
	rpid, _ := psrp.ParseWireGUID(shellID)
	url := "http://127.0.0.1/powershell-liveid"
	create := rawEnv{style: styleWindows, to: url, action: actCreate, messageID: newMsgID(),
		extra: `<w:OptionSet><w:Option Name="protocolversion" MustComply="true">2.3</w:Option></w:OptionSet>`,
		body: `<rsp:Shell xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" ShellId="` + shellID + `"><rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams><creationXml xmlns="http://schemas.microsoft.com/powershell">` +
			psrpBlob(1,
				psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgSessionCapability, RPID: rpid, Data: []byte(winSessionCapability)},
				psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgInitRunspacePool, RPID: rpid, Data: []byte(winInitRunspacePool)},
			) + `</creationXml></rsp:Shell>`}
	serve := func(body []byte) *httptest.ResponseRecorder {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/powershell-liveid", bytes.NewReader(body))
		req.Header.Set("Authorization", basicAuth("alice@contoso.com", "tok-alice"))
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
	if rec := serve(create.bytes()); rec.Code != 200 {
		f.Fatalf("setup Create: %d %s", rec.Code, rec.Body)
	}
	base := rawEnv{style: styleWindows, to: url, shellID: shellID, timeout: "PT0.1S"}
	cmdID := "0A2B0000-0000-4000-8000-000000000002"
	cmdEnv := base
	cmdEnv.action, cmdEnv.messageID = actCommand, newMsgID()
	cmdEnv.body = `<rsp:CommandLine xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" CommandId="` + cmdID + `"><rsp:Command/><rsp:Arguments>` +
		psrpBlob(3, psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgCreatePipeline, RPID: rpid, PID: rpid, Data: []byte(createPipelineXML("Echo-Input", false))}) + `</rsp:Arguments></rsp:CommandLine>`
	f.Add(create.bytes())
	f.Add(cmdEnv.bytes())
	f.Add(receiveEnv(base, "").bytes())
	f.Add(receiveEnv(base, cmdID).bytes())
	f.Add(sendEnv(base, cmdID, psrpBlob(9, psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgPipelineInput, RPID: rpid, PID: rpid, Data: []byte("<S>x</S>")})).bytes())
	f.Add(sendEnv(base, "", "AAAA").bytes())
	f.Add([]byte("<s:Envelope"))
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := serve(body)
		switch rec.Code {
		case http.StatusOK:
		case http.StatusInternalServerError:
			if !strings.Contains(rec.Body.String(), "Fault>") {
				t.Fatalf("500 without a SOAP fault: %s", rec.Body)
			}
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
	})
}
