package wsman

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// Captured is_alive fault for a closed shell: generic text nested in a
// ProviderFault (pypsrp test_psrp_is_alive_invalid_selectors.yml).
const windowsClosedShell = `<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Header><a:Action>http://schemas.dmtf.org/wbem/wsman/1/wsman/fault</a:Action><a:RelatesTo>uuid:877294B2-0B63-493A-9A91-DD6A4D68B0B3</a:RelatesTo></s:Header><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:InvalidSelectors</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot process the request because the request contained invalid selectors for the resource. </s:Text></s:Reason><s:Detail><w:FaultDetail>http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors</w:FaultDetail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858843" Machine="127.0.0.1"><f:Message><f:ProviderFault provider="Shell provider" path="%systemroot%\system32\WsmSvc.dll"><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858843" Machine="127.0.0.1"><f:Message>The WS-Management service cannot process the request because the request contained invalid selectors for the resource. </f:Message></f:WSManFault></f:ProviderFault></f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`

func TestParseWindowsFaults(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		sentinel error
		code     uint32
		provider string
	}{
		{"timed out", windowsTimedOut, ErrTimedOut, CodeOperationTimedOut, ""},
		{"bad command", windowsBadCommand, ErrCommandNotFound, CodeUnexpectedSelectors, ""},
		{"closed shell", windowsClosedShell, ErrShellNotFound, CodeUnexpectedSelectors, "Shell provider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := ParseResponse([]byte(tt.doc), Limits{}, "uuid:not-checked-for-faults")
			var f *Fault
			if !errors.As(err, &f) || !errors.Is(err, tt.sentinel) {
				t.Fatalf("err = %v, want fault matching %v", err, tt.sentinel)
			}
			if resp == nil || resp.Action != ActionFault || f.WSManCode != tt.code || f.Subcode.Space != NSWSMan {
				t.Fatalf("resp %+v fault %+v", resp, f)
			}
			if tt.provider != "" && (f.Provider == nil || f.Provider.Provider != tt.provider || f.Provider.Text == "") {
				t.Fatalf("provider %+v", f.Provider)
			}
		})
	}
}

func TestFaultRoundTrip(t *testing.T) {
	for _, f := range []*Fault{TimedOut(), ShellNotFound("S1"), CommandNotFound(), DestinationUnreachable("u"),
		InvalidHeader(nil), QuotaLimit(3), AccessDenied(), InternalError("[FailureCategory=X] boom"), MustUnderstand(addrName("X"))} {
		f.Machine = "host"
		_, err := ParseResponse(MarshalFault(Reply{RelatesTo: "r"}, f), Limits{}, "r")
		var got *Fault
		if !errors.As(err, &got) {
			t.Fatalf("%v: %v", f, err)
		}
		want := *f
		want.Err = nil // never marshaled
		if want.Message == "" && want.Provider == nil {
			want.Message = want.Reason
		}
		if want.Provider != nil {
			want.Message = want.Provider.Text
		}
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("round trip\n got %+v\nwant %+v", got, want)
		}
	}
}

func TestParseResponseRoundTrip(t *testing.T) {
	shell := ShellInfo{ShellID: testShellID, ResourceURI: ResourceExchange, Owner: "admin@contoso.test", ClientIP: "10.0.0.1",
		IdleTimeOut: 15 * time.Minute, InputStreams: "stdin pr", OutputStreams: "stdout", CompressionMode: CompressionNone, State: ShellStateConnected}
	for _, b := range []ResponseBody{
		&CreateResponse{Address: "https://ps.example.test/PowerShell", Shell: shell},
		&CommandResponse{CommandID: testCmdID},
		&SendResponse{}, &SignalResponse{}, &DeleteResponse{},
		&GetResponse{Shell: shell},
		&ReceiveResponse{SequenceID: "3", Streams: []Stream{{Name: "stdout", CommandID: testCmdID, Data: []byte("abc")}, {Name: "stdout", Data: []byte{0xff}}},
			State: &CommandState{CommandID: testCmdID, State: CommandStateDone, ExitCode: 0}},
	} {
		resp, err := ParseResponse(MarshalResponse(testReply, b), Limits{}, testMsgID)
		if err != nil {
			t.Fatalf("%T: %v", b, err)
		}
		if !reflect.DeepEqual(resp.Body, b) || resp.Action != b.Action() || resp.RelatesTo != testMsgID {
			t.Fatalf("%T round trip\n got %+v\nwant %+v", b, resp.Body, b)
		}
	}
}

func TestParseResponseErrors(t *testing.T) {
	ok := MarshalResponse(testReply, &CommandResponse{CommandID: "C"})
	_, err := ParseResponse(ok, Limits{}, "uuid:other")
	var rte *RelatesToError
	if !errors.As(err, &rte) || !errors.Is(err, ErrRelatesToMismatch) || rte.Got != testMsgID {
		t.Fatalf("err = %v, want RelatesToError", err)
	}
	noSel := MarshalResponse(testReply, &CreateResponse{Shell: ShellInfo{ResourceURI: "u"}})
	var re *ResponseError
	if _, err := ParseResponse(noSel, Limits{}, ""); !errors.As(err, &re) {
		t.Fatalf("missing selector: %v", err)
	}
	// No w:SelectorSet at all (it used to panic; found by FuzzFastPath).
	noSet := bytes.Replace(noSel, []byte("<w:SelectorSet>"), []byte("<w:SelectorSex>"), 1)
	noSet = bytes.Replace(noSet, []byte("</w:SelectorSet>"), []byte("</w:SelectorSex>"), 1)
	if _, err := ParseResponse(noSet, Limits{}, ""); !errors.As(err, &re) {
		t.Fatalf("missing selector set: %v", err)
	}
	if _, err := ParseResponse([]byte("<nope"), Limits{}, ""); !errors.Is(err, ErrMalformedXML) {
		t.Fatalf("malformed: %v", err)
	}
	if _, err := ParseResponse(ok, Limits{MaxEnvelopeSize: 10}, ""); !errors.Is(err, ErrEnvelopeTooLarge) {
		t.Fatalf("too large: %v", err)
	}
}

func FuzzParseResponse(f *testing.F) {
	f.Add([]byte(windowsTimedOut))
	f.Add([]byte(windowsBadCommand))
	f.Add([]byte(windowsClosedShell))
	f.Add(MarshalResponse(testReply, &CreateResponse{Address: "a", Shell: ShellInfo{ShellID: "S"}}))
	f.Add(MarshalResponse(testReply, &ReceiveResponse{Streams: []Stream{{Name: "stdout", Data: []byte("x")}},
		State: &CommandState{CommandID: "C", State: CommandStateDone}}))
	f.Add(MarshalFault(testReply, InternalError("x")))
	f.Fuzz(func(t *testing.T, data []byte) {
		resp, err := ParseResponse(data, Limits{MaxEnvelopeSize: 64 << 10}, "")
		if err != nil {
			return
		}
		// Accepted success bodies re-marshal and re-parse identically.
		again, err := ParseResponse(MarshalResponse(Reply{RelatesTo: "r"}, resp.Body), Limits{MaxEnvelopeSize: 1 << 20}, "r")
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if b, ok := resp.Body.(*ReceiveResponse); ok {
			for i := range b.Streams {
				if len(b.Streams[i].Data) == 0 {
					b.Streams[i].Data = again.Body.(*ReceiveResponse).Streams[i].Data
				}
			}
		}
		if !reflect.DeepEqual(again.Body, resp.Body) {
			t.Fatalf("round trip\n got %#v\nwant %#v", again.Body, resp.Body)
		}
	})
}

// TestParseResponseBodyMatchesParseResponse checks that the client's
// body-only parse returns what ParseResponse does, errors included, with
// the RelatesTo check on and off.
func TestParseResponseBodyMatchesParseResponse(t *testing.T) {
	docs := responseFixtures()
	docs = append(docs, MarshalFault(Reply{RelatesTo: "r"}, ShellNotFound("S")), []byte("<nope"),
		MarshalResponse(Reply{RelatesTo: " " + testMsgID + "\n"}, &SignalResponse{}))
	for i, doc := range docs {
		for _, want := range []string{"", testMsgID, "uuid:other"} {
			resp, err := ParseResponse(doc, Limits{}, want)
			body, berr := ParseResponseBody(doc, Limits{}, want)
			if fmt.Sprint(err) != fmt.Sprint(berr) {
				t.Fatalf("doc %d want %q: ParseResponseBody error %v, ParseResponse %v", i, want, berr, err)
			}
			var wantBody ResponseBody
			if resp != nil {
				wantBody = resp.Body
			}
			if !reflect.DeepEqual(body, wantBody) {
				t.Fatalf("doc %d want %q: body %#v, ParseResponse %#v", i, want, body, wantBody)
			}
		}
	}
}
