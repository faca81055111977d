package remoting

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/psrp/fragment"
	"github.com/ipps/ipps/internal/runspace"
)

// openRaw creates a shell for user with raw envelopes and returns the
// base envelope for further requests and the RPID.
func openRaw(t *testing.T, e *testEnv, c *rawClient) (rawEnv, psrp.WireGUID) {
	t.Helper()
	shellID := strings.ToUpper(uuid.NewString())
	rpid := wireID(t, shellID)
	create := rawEnv{style: styleWindows, to: e.url, action: actCreate, messageID: newMsgID(),
		extra: `<w:OptionSet s:mustUnderstand="true"><w:Option Name="protocolversion" MustComply="true">2.3</w:Option></w:OptionSet>`,
		body: `<rsp:Shell xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" ShellId="` + shellID + `"><rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams><creationXml xmlns="http://schemas.microsoft.com/powershell">` +
			psrpBlob(1,
				psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgSessionCapability, RPID: rpid, Data: []byte(winSessionCapability)},
				psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgInitRunspacePool, RPID: rpid, Data: []byte(winInitRunspacePool)},
			) + `</creationXml></rsp:Shell>`}
	mustOK(t, c, create)
	base := rawEnv{style: styleWindows, to: e.url, shellID: shellID}
	var d fragment.Defragmenter
	poolReceive(t, c, base, &d, 3)
	return base, rpid
}

func receiveEnv(base rawEnv, cmdID string) rawEnv {
	env := base
	env.action, env.messageID = actReceive, newMsgID()
	attr := ""
	if cmdID != "" {
		attr = ` CommandId="` + cmdID + `"`
	}
	env.body = `<rsp:Receive xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><rsp:DesiredStream` + attr + `>stdout</rsp:DesiredStream></rsp:Receive>`
	return env
}

func sendEnv(base rawEnv, cmdID, b64 string) rawEnv {
	env := base
	env.action, env.messageID = actSend, newMsgID()
	attr := ""
	if cmdID != "" {
		attr = ` CommandId="` + cmdID + `"`
	}
	env.body = `<rsp:Send xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><rsp:Stream Name="stdin"` + attr + `>` + b64 + `</rsp:Stream></rsp:Send>`
	return env
}

var idsRE = regexp.MustCompile(`<a:(MessageID|RelatesTo)>[^<]*</a:(MessageID|RelatesTo)>`)

func TestForeignShellLooksUnknown(t *testing.T) {
	e := newEnv(t, false, nil)
	alice, mallory := e.raw("alice"), e.raw("mallory")
	base, _ := openRaw(t, e, alice)

	// Mallory names alice's shell; then a shell that never existed with
	// the same id shape. The two faults must be identical but for ids.
	foreign := mustFault(t, mallory, receiveEnv(base, ""), "2150858843")
	missing := base
	missing.shellID = base.shellID // same id, after alice deletes below
	for _, act := range []string{actDelete, actGet, actSignal, actCommand} {
		env := base
		env.action, env.messageID = act, newMsgID()
		env.body = ""
		if act == actSignal {
			env.body = `<rsp:Signal xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" CommandId="X"><rsp:Code>powershell/signal/crtl_c</rsp:Code></rsp:Signal>`
		}
		if act == actCommand {
			env.body = `<rsp:CommandLine xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" CommandId="` + strings.ToUpper(uuid.NewString()) + `"><rsp:Command/><rsp:Arguments></rsp:Arguments></rsp:CommandLine>`
		}
		mustFault(t, mallory, env, "2150858843")
	}
	// Alice's shell survived mallory's Delete.
	env := base
	env.action, env.messageID, env.resourceURI = actGet, newMsgID(), "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
	mustOK(t, alice, env)
	env.action, env.messageID, env.resourceURI = actDelete, newMsgID(), ""
	mustOK(t, alice, env)
	gone := mustFault(t, alice, receiveEnv(missing, ""), "2150858843")
	if a, b := idsRE.ReplaceAllString(foreign, ""), idsRE.ReplaceAllString(gone, ""); a != b {
		t.Fatalf("foreign and missing shell faults differ:\n%s\n%s", a, b)
	}
	if !strings.Contains(foreign, "The request for the Windows Remote Shell with ShellId "+base.shellID+" failed because the shell was not found on the server.") {
		t.Fatalf("shell-not-found text: %s", foreign)
	}
}

func TestRequestFaults(t *testing.T) {
	e := newEnv(t, false, func(c *Config) { c.MaxEnvelopeSize = 64 << 10 })
	c := e.raw("alice")
	base, rpid := openRaw(t, e, c)

	t.Run("unauthenticated", func(t *testing.T) {
		for _, authz := range []string{"", "Basic " + "bm9wZTpub3Bl", "Bearer xyz"} {
			rc := &rawClient{t: t, url: e.url, authz: authz, hc: e.hs.Client()}
			req, _ := http.NewRequest(http.MethodPost, rc.url, strings.NewReader(string(receiveEnv(base, "").bytes())))
			if authz != "" {
				req.Header.Set("Authorization", authz)
			}
			resp, err := rc.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Basic realm="ipps"` {
				t.Fatalf("authz %q: %d %q", authz, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
		}
	})
	t.Run("bad XML", func(t *testing.T) {
		status, body := c.post([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>`))
		if status != 500 || !strings.Contains(body, `Code="2150858819"`) {
			t.Fatalf("%d %s", status, body)
		}
	})
	t.Run("deep nesting", func(t *testing.T) {
		env := receiveEnv(base, "")
		env.body = strings.Repeat("<x>", 200) + strings.Repeat("</x>", 200)
		mustFault(t, c, env, "2150858805")
	})
	t.Run("oversized", func(t *testing.T) {
		env := sendEnv(base, "", strings.Repeat("QUFB", 20000))
		mustFault(t, c, env, "2150858824")
		env = sendEnv(base, "", strings.Repeat("QUFB", 200000)) // past the body cap
		status, body := c.post(env.bytes())
		if status != 500 || !strings.Contains(body, `Code="2150858824"`) {
			t.Fatalf("%d %s", status, body)
		}
	})
	t.Run("bad base64", func(t *testing.T) {
		mustFault(t, c, sendEnv(base, "", "!!!not base64!!!"), "2150858838")
	})
	t.Run("bad fragments", func(t *testing.T) {
		// A middle fragment with no start, then a truncated one.
		var b []byte
		b = fragment.Fragment{ObjectID: 50, FragmentID: 3, Data: []byte("xx")}.Append(b)
		fb := mustFault(t, c, sendEnv(base, "", b64(b)), "2152992672")
		if !strings.Contains(fb, "start fragment") {
			t.Fatalf("text: %s", fb)
		}
		b = fragment.Fragment{ObjectID: 51, Start: true, End: true, Data: []byte("abcdef")}.Append(nil)
		mustFault(t, c, sendEnv(base, "", b64(b[:len(b)-2])), "2152992672")
	})
	t.Run("unknown message type", func(t *testing.T) {
		m := psrp.Message{Destination: psrp.DestinationServer, Type: 0x00099999, RPID: rpid, Data: []byte("<S/>")}
		fb := mustFault(t, c, sendEnv(base, "", psrpBlob(60, m)), "2152992672")
		if !strings.Contains(strings.ToLower(fb), "unknown") {
			t.Fatalf("text: %s", fb)
		}
	})
	t.Run("unknown command", func(t *testing.T) {
		mustFault(t, c, receiveEnv(base, strings.ToUpper(uuid.NewString())), "2150858843")
	})
	t.Run("wrong resource URI", func(t *testing.T) {
		env := receiveEnv(base, "")
		env.resourceURI = "http://schemas.microsoft.com/powershell/Microsoft.PowerShell"
		mustFault(t, c, env, "2150858811")
	})
	t.Run("protocol version", func(t *testing.T) {
		env := rawEnv{style: styleWindows, to: e.url, action: actCreate, messageID: newMsgID(),
			extra: `<w:OptionSet><w:Option Name="protocolversion" MustComply="true">3.0</w:Option></w:OptionSet>`,
			body:  `<rsp:Shell xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams><creationXml xmlns="http://schemas.microsoft.com/powershell"></creationXml></rsp:Shell>`}
		mustFault(t, c, env, "2152991685")
	})
	t.Run("timed out", func(t *testing.T) {
		env := receiveEnv(base, "")
		env.timeout = "PT1.000S"
		start := time.Now()
		fb := mustFault(t, c, env, "2150858793")
		if d := time.Since(start); d < 300*time.Millisecond || d >= time.Second {
			t.Fatalf("TimedOut after %v; want shortly before the 1s OperationTimeout", d)
		}
		if !strings.Contains(fb, "w:TimedOut") {
			t.Fatalf("subcode: %s", fb)
		}
	})
	// After all that, the shell still works.
	mustFault(t, c, func() rawEnv { e := receiveEnv(base, ""); e.timeout = "PT0.4S"; return e }(), "2150858793")
	env := base
	env.action, env.messageID, env.resourceURI = actGet, newMsgID(), "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
	mustOK(t, c, env)
}

func b64(b []byte) string { return psrpBlobRaw(b) }

func TestRefusals(t *testing.T) {
	e := newEnv(t, false, nil)
	for _, tc := range []struct {
		refusal *runspace.RefusedError
		code    string
		is      error
	}{
		{&runspace.RefusedError{Kind: runspace.RefusedQuota, Message: "Fail to create a runspace because you have exceeded the maximum number of connections allowed : 3 for the policy party : MaxConcurrency."}, "2150859173", ErrQuotaExceeded},
		{&runspace.RefusedError{Kind: runspace.RefusedAccess, Message: "[AuthZRequestId=1][FailureCategory=AuthZ-AuthorizationException] User 'x' isn't assigned to any management roles."}, "2152992672", ErrAccessDenied},
	} {
		e.prov.refuse = tc.refusal
		_, err := Dial(context.Background(), e.clientConfig("alice"))
		var re *RemoteError
		if !errors.As(err, &re) || !errors.Is(err, tc.is) || re.Message() != tc.refusal.Message {
			t.Fatalf("Dial refused: %v (message %q)", err, func() string {
				if re != nil {
					return re.Message()
				}
				return ""
			}())
		}
		if !strings.Contains(re.Fault.Error(), tc.code) {
			t.Fatalf("fault code: %v, want %s", re.Fault, tc.code)
		}
	}
	e.prov.refuse = nil
	// A refusal by the Authenticator reaches the client as the access
	// fault with its message.
	_, err := Dial(context.Background(), e.clientConfig("disabled"))
	var re *RemoteError
	if !errors.As(err, &re) || !errors.Is(err, ErrAccessDenied) || !strings.HasSuffix(re.Message(), "Remote PowerShell is disabled for this user.") {
		t.Fatalf("Authenticator refusal: %v", err)
	}
	cfg := e.clientConfig("alice")
	cfg.Password = "Bearer wrong"
	if _, err := Dial(context.Background(), cfg); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("401: %v", err)
	}
}

// A NoInput=false pipeline is not reported finished before
// END_OF_PIPELINE_INPUT, even when its command ignores input (MS-PSRP 3.7).
func TestCompletionWaitsForEndOfInput(t *testing.T) {
	e := newEnv(t, false, nil)
	c := e.raw("alice")
	base, rpid := openRaw(t, e, c)
	cmdID := strings.ToUpper(uuid.NewString())
	pid := wireID(t, cmdID)
	env := base
	env.action, env.messageID = actCommand, newMsgID()
	env.body = `<rsp:CommandLine xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" CommandId="` + cmdID + `"><rsp:Command/><rsp:Arguments>` +
		psrpBlob(20, psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgCreatePipeline, RPID: rpid, PID: pid,
			Data: []byte(createPipelineXML("Get-Number", false, [2]string{"Count", `<I32>2</I32>`}))}) + `</rsp:Arguments></rsp:CommandLine>`
	mustOK(t, c, env)
	var d fragment.Defragmenter
	var msgs []psrp.Message
	for len(msgs) < 2 {
		body := mustOK(t, c, receiveEnv(base, cmdID))
		if strings.Contains(body, "CommandState") {
			t.Fatalf("Done before END_OF_PIPELINE_INPUT: %s", body)
		}
		msgs = append(msgs, decodeStreams(t, &d, body)...)
	}
	held := receiveEnv(base, cmdID)
	held.timeout = "PT0.6S"
	mustFault(t, c, held, "2150858793")
	mustOK(t, c, sendEnv(base, cmdID, psrpBlob(21, psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgEndOfPipelineInput, RPID: rpid, PID: pid})))
	rest, last := receiveUntilDone(t, c, base, cmdID)
	if len(rest) != 1 || rest[0].Type != psrp.MsgPipelineState || !strings.Contains(last, "CommandState/Done") {
		t.Fatalf("after END_OF_PIPELINE_INPUT: %v", rest)
	}
}

// Terminate wakes a Receive parked on the command it discards.
func TestTerminateWakesParkedReceive(t *testing.T) {
	e := newEnv(t, false, nil)
	c := e.raw("alice")
	base, rpid := openRaw(t, e, c)
	cmdID := strings.ToUpper(uuid.NewString())
	env := base
	env.action, env.messageID = actCommand, newMsgID()
	env.body = `<rsp:CommandLine xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" CommandId="` + cmdID + `"><rsp:Command/><rsp:Arguments>` +
		psrpBlob(30, psrp.Message{Destination: psrp.DestinationServer, Type: psrp.MsgCreatePipeline, RPID: rpid, PID: wireID(t, cmdID),
			Data: []byte(createPipelineXML("Wait-Cancel", true))}) + `</rsp:Arguments></rsp:CommandLine>`
	mustOK(t, c, env)
	parked := make(chan string, 1)
	go func() {
		_, body := c.post(receiveEnv(base, cmdID).bytes())
		parked <- body
	}()
	time.Sleep(100 * time.Millisecond)
	env.action, env.messageID = actSignal, newMsgID()
	env.body = `<rsp:Signal xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" CommandId="` + cmdID + `"><rsp:Code>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/Terminate</rsp:Code></rsp:Signal>`
	mustOK(t, c, env)
	select {
	case body := <-parked:
		if !strings.Contains(body, "command identifier that does not exist") {
			t.Fatalf("parked Receive: %s", body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Terminate left the Receive parked")
	}
}
