package wsman

import (
	"encoding/xml"
	"strings"
	"testing"
)

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
