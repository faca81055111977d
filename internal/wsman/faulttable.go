package wsman

import (
	"encoding/xml"
	"strconv"
)

// Fault texts as WinRM writes them (wsmerror.h message table). Windows texts
// end with a space; the TimedOut text ends with two (captured in pypsrp's
// test_winrs_operation_timeout.yml). Multi-line table entries are joined
// with single spaces.
const (
	textTimedOut            = "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  "
	textUnexpectedSelectors = "The WS-Management service cannot process the request because the request contained invalid selectors for the resource. "
	textInvalidSelectors    = "The WS-Management service cannot process the request because the selectors for the resource are not valid. "
	textCommandNotFound     = "The Windows Remote Shell received a request to perform an operation on a command identifier that does not exist. Either the command has completed execution or the client specified an invalid command identifier. "
	textInvalidHeader       = "The WS-Management service cannot process the request. The request contains one or more invalid SOAP headers. "
	textMissingHeader       = "The WS-Management service cannot process the request. The request does not have all the expected SOAP headers. "
	textActionNotSupported  = "The WS-Management service does not support the action specified in the request. "
	textMustUnderstand      = "The WS-Management service cannot process a SOAP header in the request that is marked as mustUnderstand by the client. This could be caused by the use of a version of the protocol which is not supported, or may be an incompatibility between the client and server implementations. "
	textMaxEnvelopeExceeded = "The response that the WS-Management service computed exceeds the maximum envelope size in the request. "
	textEncodingLimit       = "The WS-Management service cannot process the request because the encoding of the request exceeds an internal encoding limit. Reconfigure the client to send messages which fit the encoding limits of the service. "
	textInvalidXML          = "The WS-Management service cannot process the request because the XML is invalid. "
	textInvalidXMLValues    = "The WS-Management service cannot process the request because the XML content has invalid values. "
	textInvalidBody         = "The WS-Management service cannot process the request because the request packet does not have a valid SOAP body. "
	textAccessDenied        = "Access is denied. "

	// PowerShellPluginProvider and PowerShellPluginPath identify the
	// f:ProviderFault of PowerShell-plugin errors (the form Exchange uses).
	PowerShellPluginProvider = "PowerShellplugin"
	PowerShellPluginPath     = `%windir%\system32\pwrshplugin.dll`
)

func wsmanName(local string) xml.Name { return xml.Name{Space: NSWSMan, Local: local} }
func addrName(local string) xml.Name  { return xml.Name{Space: NSAddressing, Local: local} }

// TimedOut is the fault for a Receive that found no data before the
// OperationTimeout elapsed (s:Receiver / w:TimedOut, 2150858793). Clients
// re-issue the Receive.
func TimedOut() *Fault {
	return &Fault{Code: CodeReceiver, Subcode: wsmanName("TimedOut"), Reason: textTimedOut,
		WSManCode: CodeOperationTimedOut}
}

// ShellNotFound is the fault for an unknown ShellId on any operation
// (s:Sender / w:InvalidSelectors + UnexpectedSelectors, 2150858843).
func ShellNotFound(shellID string) *Fault {
	return &Fault{Code: CodeSender, Subcode: wsmanName("InvalidSelectors"), Reason: textUnexpectedSelectors,
		WSManCode: CodeUnexpectedSelectors, Detail: FaultDetailUnexpectedSelectors,
		Message: "The request for the Windows Remote Shell with ShellId " + shellID +
			" failed because the shell was not found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the server. Provide the correct ShellId or create a new shell and retry the operation. "}
}

// CommandNotFound is the fault for an unknown CommandId (same code as
// ShellNotFound, different f:Message).
func CommandNotFound() *Fault {
	return &Fault{Code: CodeSender, Subcode: wsmanName("InvalidSelectors"), Reason: textUnexpectedSelectors,
		WSManCode: CodeUnexpectedSelectors, Detail: FaultDetailUnexpectedSelectors, Message: textCommandNotFound}
}

// InvalidSelectors is the fault for a missing or malformed selector set
// (s:Sender / w:InvalidSelectors, 2150858813).
func InvalidSelectors() *Fault {
	return &Fault{Code: CodeSender, Subcode: wsmanName("InvalidSelectors"), Reason: textInvalidSelectors,
		WSManCode: CodeInvalidSelectors}
}

// DestinationUnreachable is the fault for a ResourceURI the server does not
// serve (s:Sender / a:DestinationUnreachable, 2150858811).
func DestinationUnreachable(resourceURI string) *Fault {
	return &Fault{Code: CodeSender, Subcode: addrName("DestinationUnreachable"), WSManCode: CodeInvalidResourceURI,
		Reason: "The WS-Management service cannot process the request. The resource URI (" + resourceURI +
			") was not found in the WS-Management catalog. The catalog contains the metadata that describes resources, or logical endpoints. "}
}

// InvalidHeader is the fault for a header with an invalid value, such as
// OperationTimeout PT-1S (s:Sender / a:InvalidMessageInformationHeader,
// 2150858767). cause is kept for logs.
func InvalidHeader(cause error) *Fault {
	return &Fault{Code: CodeSender, Subcode: addrName("InvalidMessageInformationHeader"), Reason: textInvalidHeader,
		WSManCode: CodeInvalidMessageInformationHeader, Err: cause}
}

// MissingHeader is the fault for a request without a required header such as
// a:Action or a:MessageID (s:Sender / a:MessageInformationHeaderRequired).
func MissingHeader(cause error) *Fault {
	return &Fault{Code: CodeSender, Subcode: addrName("MessageInformationHeaderRequired"), Reason: textMissingHeader,
		WSManCode: CodeMessageInformationHeaderRequired, Err: cause}
}

// ActionNotSupported is the fault for an a:Action the server does not
// implement (s:Sender / a:ActionNotSupported).
func ActionNotSupported(action string) *Fault {
	return &Fault{Code: CodeSender, Subcode: addrName("ActionNotSupported"), Reason: textActionNotSupported,
		WSManCode: CodeActionNotSupported, Err: &HeaderError{Header: "Action", Value: action}}
}

// MustUnderstand is the SOAP s:MustUnderstand fault (2150858768) for a
// header marked mustUnderstand="true" that the server does not know.
func MustUnderstand(header xml.Name) *Fault {
	return &Fault{Code: CodeMustUnderstand, Reason: textMustUnderstand, WSManCode: CodeSOAPMustUnderstand,
		Err: &HeaderError{Header: "{" + header.Space + "}" + header.Local}}
}

// MaxEnvelopeSizeExceeded is the fault for an envelope larger than the
// configured maximum (s:Sender / w:EncodingLimit + MaxEnvelopeSize,
// 2150858824).
func MaxEnvelopeSizeExceeded(cause error) *Fault {
	return &Fault{Code: CodeSender, Subcode: wsmanName("EncodingLimit"), Reason: textMaxEnvelopeExceeded,
		WSManCode: CodeMaxEnvelopeSizeExceeded, Detail: FaultDetailMaxEnvelopeSize, Err: cause}
}

// EncodingLimit is the fault for an envelope that breaks a decoder bound
// other than size: nesting depth, element or attribute count.
func EncodingLimit(cause error) *Fault {
	return &Fault{Code: CodeSender, Subcode: wsmanName("EncodingLimit"), Reason: textEncodingLimit,
		WSManCode: CodeEncodingLimit, Err: cause}
}

// InvalidXML is the fault for an envelope that is not well-formed XML or not
// a SOAP 1.2 envelope (s:Sender / w:SchemaValidationError, 2150858819).
func InvalidXML(cause error) *Fault {
	return &Fault{Code: CodeSender, Subcode: wsmanName("SchemaValidationError"), Reason: textInvalidXML,
		WSManCode: CodeInvalidXML, Err: cause}
}

// InvalidXMLValues is the fault for well-formed content with a bad value,
// e.g. stream data that is not valid base64 (s:Sender /
// w:SchemaValidationError, 2150858838).
func InvalidXMLValues(cause error) *Fault {
	return &Fault{Code: CodeSender, Subcode: wsmanName("SchemaValidationError"), Reason: textInvalidXMLValues,
		WSManCode: CodeInvalidXMLValues, Err: cause}
}

// InvalidBody is the fault for a body that lacks the element the action
// requires (s:Sender / w:InvalidBody, 2150858791).
func InvalidBody(cause error) *Fault {
	return &Fault{Code: CodeSender, Subcode: wsmanName("InvalidBody"), Reason: textInvalidBody,
		WSManCode: CodeInvalidSOAPBody, Err: cause}
}

// QuotaLimit is the Create-time fault for a user over MaxShellsPerUser
// (s:Sender / w:QuotaLimit, 2150859173).
func QuotaLimit(maxShells int) *Fault {
	return &Fault{Code: CodeSender, Subcode: wsmanName("QuotaLimit"), WSManCode: CodeQuotaMaxShells,
		Reason: "The WS-Management service cannot process the request. This user is allowed a maximum number of " +
			strconv.Itoa(maxShells) + " concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user. "}
}

// AccessDenied is the fault for an authenticated user who may not use the
// resource (s:Sender / w:AccessDenied, 5).
func AccessDenied() *Fault {
	return &Fault{Code: CodeSender, Subcode: wsmanName("AccessDenied"), Reason: textAccessDenied,
		WSManCode: CodeAccessDenied}
}

// InternalError is a PowerShell-plugin error in the form Exchange uses for
// AuthZ and throttling failures (s:Receiver / w:InternalError, 2152992672,
// f:ProviderFault provider="PowerShellplugin"). providerText is shown to the
// user verbatim, e.g. "[AuthZRequestId=..][FailureCategory=..] text".
func InternalError(providerText string) *Fault {
	return &Fault{Code: CodeReceiver, Subcode: wsmanName("InternalError"), Reason: providerText,
		WSManCode: CodePSManagedException,
		Provider:  &ProviderFault{Provider: PowerShellPluginProvider, Path: PowerShellPluginPath, Text: providerText}}
}

// ProtocolVersion is the Create-time fault for a rejected protocolversion
// option (2152991685, MS-PSRP 3.2.5.3.2). The element text is ipps's own
// wording; Windows' exact text was not captured.
func ProtocolVersion(serverProtocolVersion, serverBuildVersion string) *Fault {
	var w writer
	w.open("PSProtocolVersionError")
	w.attr("ServerProtocolVersion", serverProtocolVersion)
	w.attr("ServerBuildVersion", serverBuildVersion)
	w.raw(">")
	w.text("The server does not support the PowerShell remoting protocol version requested by the client.")
	w.close("PSProtocolVersionError")
	text := string(w.b)
	return &Fault{Code: CodeReceiver, Subcode: wsmanName("InternalError"), Reason: text,
		WSManCode: CodePSProtocolVersion,
		Provider:  &ProviderFault{Provider: PowerShellPluginProvider, Path: PowerShellPluginPath, Text: text}}
}

// HeaderError describes a bad or unknown header; it is the Err of header
// faults.
type HeaderError struct {
	Header string // element name, e.g. "OperationTimeout"
	Value  string // offending value, if any
	Err    error  // underlying parse error, if any
}

func (e *HeaderError) Error() string {
	s := "wsman: bad header " + e.Header
	if e.Value != "" {
		s += " " + strconv.Quote(e.Value)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying parse error.
func (e *HeaderError) Unwrap() error { return e.Err }
