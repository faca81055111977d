package wsman

import (
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
