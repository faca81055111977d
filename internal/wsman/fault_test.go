package wsman

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Captured from Windows Server (pypsrp test_winrs_operation_timeout.yml),
// Machine and ids substituted.
const windowsTimedOut = `<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:e="http://schemas.xmlsoap.org/ws/2004/08/eventing" xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"><s:Header><a:Action>http://schemas.dmtf.org/wbem/wsman/1/wsman/fault</a:Action><a:MessageID>uuid:0D4B0250-D011-45CB-B33F-612745F6BEC5</a:MessageID><a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To><a:RelatesTo>uuid:9BE5F54A-6B47-487D-9ACD-65201E650446</a:RelatesTo></s:Header><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:TimedOut</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  </s:Text></s:Reason><s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858793" Machine="192.168.56.11"><f:Message>The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  </f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`

// Captured unknown-CommandId fault (pypsrp test_winrs_bad_cmd_id.yml).
const windowsBadCommand = `<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:e="http://schemas.xmlsoap.org/ws/2004/08/eventing" xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"><s:Header><a:Action>http://schemas.dmtf.org/wbem/wsman/1/wsman/fault</a:Action><a:MessageID>uuid:7B834235-F8A2-4A77-BBA1-72FE4BEE97C8</a:MessageID><a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To><a:RelatesTo>uuid:1E4F574C-3C19-46E9-A544-B71D78C95E7B</a:RelatesTo></s:Header><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:InvalidSelectors</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot process the request because the request contained invalid selectors for the resource. </s:Text></s:Reason><s:Detail><w:FaultDetail>http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors</w:FaultDetail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858843" Machine="192.168.56.15"><f:Message>The Windows Remote Shell received a request to perform an operation on a command identifier that does not exist. Either the command has completed execution or the client specified an invalid command identifier. </f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`

func TestMarshalFaultMatchesWindows(t *testing.T) {
	f := TimedOut()
	f.Machine = "192.168.56.11"
	got := string(MarshalFault(Reply{RelatesTo: "uuid:9BE5F54A-6B47-487D-9ACD-65201E650446", MessageID: "uuid:0D4B0250-D011-45CB-B33F-612745F6BEC5"}, f))
	if got != windowsTimedOut {
		t.Fatalf("TimedOut envelope differs from Windows:\n got %s\nwant %s", got, windowsTimedOut)
	}
	c := CommandNotFound()
	c.Machine = "192.168.56.15"
	got = string(MarshalFault(Reply{RelatesTo: "uuid:1E4F574C-3C19-46E9-A544-B71D78C95E7B", MessageID: "uuid:7B834235-F8A2-4A77-BBA1-72FE4BEE97C8"}, c))
	if got != windowsBadCommand {
		t.Fatalf("CommandNotFound envelope differs from Windows:\n got %s\nwant %s", got, windowsBadCommand)
	}
}

// faultBody cuts the s:Body part of a fault envelope.
func faultBody(t *testing.T, f *Fault) string {
	t.Helper()
	out := string(MarshalFault(Reply{MessageID: "uuid:M"}, f))
	if strings.Contains(out, "RelatesTo") {
		t.Fatal("RelatesTo must be omitted when empty")
	}
	i := strings.Index(out, "<s:Body>")
	return out[i:]
}

func TestFaultTableGolden(t *testing.T) {
	const (
		detail = `</s:Text></s:Reason><s:Detail>`
		wf     = `<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="`
	)
	tests := []struct {
		name   string
		f      *Fault
		action string
		want   string
	}{
		{"shell not found", ShellNotFound("ABC"), ActionFault,
			`<s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:InvalidSelectors</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot process the request because the request contained invalid selectors for the resource. ` + detail +
				`<w:FaultDetail>http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors</w:FaultDetail>` + wf + `2150858843"><f:Message>The request for the Windows Remote Shell with ShellId ABC failed because the shell was not found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the server. Provide the correct ShellId or create a new shell and retry the operation. </f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`},
		{"destination unreachable", DestinationUnreachable("http://schemas.microsoft.com/powershell/X"), ActionAddrFault,
			`<s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>a:DestinationUnreachable</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot process the request. The resource URI (http://schemas.microsoft.com/powershell/X) was not found in the WS-Management catalog. The catalog contains the metadata that describes resources, or logical endpoints. ` + detail +
				wf + `2150858811"><f:Message>The WS-Management service cannot process the request. The resource URI (http://schemas.microsoft.com/powershell/X) was not found in the WS-Management catalog. The catalog contains the metadata that describes resources, or logical endpoints. </f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`},
		{"invalid header", InvalidHeader(nil), ActionAddrFault,
			`<s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>a:InvalidMessageInformationHeader</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot process the request. The request contains one or more invalid SOAP headers. ` + detail +
				wf + `2150858767"><f:Message>The WS-Management service cannot process the request. The request contains one or more invalid SOAP headers. </f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`},
		{"must understand", MustUnderstand(xml.Name{Space: "urn:x", Local: "Foo"}), ActionFault,
			`<s:Body><s:Fault><s:Code><s:Value>s:MustUnderstand</s:Value></s:Code><s:Reason><s:Text xml:lang="en-US">` + textMustUnderstand + detail + wf + `2150858768"><f:Message>` + textMustUnderstand + `</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`},
		{"quota", QuotaLimit(3), ActionFault,
			`<s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:QuotaLimit</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot process the request. This user is allowed a maximum number of 3 concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user. ` + detail +
				wf + `2150859173"><f:Message>The WS-Management service cannot process the request. This user is allowed a maximum number of 3 concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user. </f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`},
		{"internal error", InternalError("[AuthZRequestId=1][FailureCategory=AuthZ-AuthorizationException] a < b"), ActionFault,
			`<s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:InternalError</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">[AuthZRequestId=1][FailureCategory=AuthZ-AuthorizationException] a &lt; b` + detail +
				wf + `2152992672"><f:Message><f:ProviderFault provider="PowerShellplugin" path="%windir%\system32\pwrshplugin.dll">[AuthZRequestId=1][FailureCategory=AuthZ-AuthorizationException] a &lt; b</f:ProviderFault></f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`},
		{"max envelope", MaxEnvelopeSizeExceeded(nil), ActionFault,
			`<s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:EncodingLimit</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">The response that the WS-Management service computed exceeds the maximum envelope size in the request. ` + detail +
				`<w:FaultDetail>http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/MaxEnvelopeSize</w:FaultDetail>` + wf + `2150858824"><f:Message>The response that the WS-Management service computed exceeds the maximum envelope size in the request. </f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`},
		{"access denied", AccessDenied(), ActionFault,
			`<s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:AccessDenied</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">Access is denied. ` + detail + wf + `5"><f:Message>Access is denied. </f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.f.Action() != tt.action {
				t.Fatalf("Action = %s, want %s", tt.f.Action(), tt.action)
			}
			if got := faultBody(t, tt.f); got != tt.want {
				t.Fatalf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestFaultConstructorsCodes(t *testing.T) {
	for _, tt := range []struct {
		f    *Fault
		code string
		ws   uint32
	}{
		{InvalidSelectors(), CodeSender, 2150858813},
		{MissingHeader(nil), CodeSender, 2150858769},
		{ActionNotSupported("x"), CodeSender, 2150858771},
		{EncodingLimit(nil), CodeSender, 2150858805},
		{InvalidXML(nil), CodeSender, 2150858819},
		{InvalidXMLValues(nil), CodeSender, 2150858838},
		{InvalidBody(nil), CodeSender, 2150858791},
		{ProtocolVersion("2.3", "10.0"), CodeReceiver, 2152991685},
	} {
		if tt.f.Code != tt.code || tt.f.WSManCode != tt.ws || !strings.HasSuffix(tt.f.Text(), " ") && tt.f.Provider == nil {
			t.Errorf("%v: code %s/%d", tt.f, tt.f.Code, tt.f.WSManCode)
		}
	}
	if !strings.Contains(ProtocolVersion("2.3", "10.0").Provider.Text, `<PSProtocolVersionError ServerProtocolVersion="2.3" ServerBuildVersion="10.0">`) {
		t.Error("protocol version fault text")
	}
}

func TestFaultIs(t *testing.T) {
	sentinels := []error{ErrShellNotFound, ErrCommandNotFound, ErrTimedOut, ErrAccessDenied, ErrQuotaExceeded}
	tests := []struct {
		f    *Fault
		want error // the only sentinel that must match, nil for none
	}{
		{ShellNotFound("x"), ErrShellNotFound},
		{InvalidSelectors(), ErrShellNotFound},
		{CommandNotFound(), ErrCommandNotFound},
		{TimedOut(), ErrTimedOut},
		{AccessDenied(), ErrAccessDenied},
		{QuotaLimit(3), ErrQuotaExceeded},
		{InternalError("[FailureCategory=AuthZ-AuthorizationException] Fail to create a runspace because you have exceeded the maximum number of connections allowed : 3 for the policy party : MaxConcurrency."), ErrQuotaExceeded},
		{InternalError("something else"), nil},
		{InvalidHeader(nil), nil},
	}
	for _, tt := range tests {
		err := fmt.Errorf("call: %w", tt.f)
		for _, s := range sentinels {
			if got := errors.Is(err, s); got != (s == tt.want) {
				t.Errorf("errors.Is(%v, %v) = %v", tt.f, s, got)
			}
		}
	}
}

func TestFaultErrorString(t *testing.T) {
	f := InvalidHeader(&HeaderError{Header: "OperationTimeout", Value: "PT-1S", Err: ErrBadDuration})
	s := f.Error()
	for _, want := range []string{"wsman: fault Sender/InvalidMessageInformationHeader 2150858767", "OperationTimeout", `"PT-1S"`} {
		if !strings.Contains(s, want) {
			t.Errorf("Error() = %q, missing %q", s, want)
		}
	}
	if !errors.Is(f, ErrBadDuration) {
		t.Error("cause not unwrapped")
	}
}
