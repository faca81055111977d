package wsman

// XML namespaces, with the prefix Windows writes (MS-WSMV 2.2.1).
const (
	NSSoap        = "http://www.w3.org/2003/05/soap-envelope"                 // s
	NSAddressing  = "http://schemas.xmlsoap.org/ws/2004/08/addressing"        // a
	NSWSMan       = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"          // w
	NSWSMV        = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"     // p
	NSShell       = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell" // rsp
	NSTransfer    = "http://schemas.xmlsoap.org/ws/2004/09/transfer"          // x
	NSEnumeration = "http://schemas.xmlsoap.org/ws/2004/09/enumeration"       // n
	NSEventing    = "http://schemas.xmlsoap.org/ws/2004/08/eventing"          // e
	NSFault       = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"    // f
	NSPowerShell  = "http://schemas.microsoft.com/powershell"                 // creationXml default ns
	NSXML         = "http://www.w3.org/XML/1998/namespace"                    // xml
)

// Action URIs (MS-WSMV 3.1.4). Responses append "Response".
const (
	ActionCreate     = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
	ActionDelete     = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
	ActionGet        = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
	ActionCommand    = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command"
	ActionSend       = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send"
	ActionReceive    = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"
	ActionSignal     = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"
	ActionEnumerate  = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate"
	ActionFault      = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
	ActionAddrFault  = "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault"
	responseSuffix   = "Response"
	AddressAnonymous = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
)

// Resource URIs.
const (
	// ResourceShell is the generic shell URI pypsrp uses for Get (is_alive).
	ResourceShell = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
	// ResourceExchange is the Exchange remote PowerShell endpoint.
	ResourceExchange = "http://schemas.microsoft.com/powershell/Microsoft.Exchange"
)

// Signal codes (MS-PSRP 3.1.4.x, MS-WSMV 2.2.4.38).
const (
	// SignalPSCtrlC stops a pipeline. The "crtl" typo is what PowerShell sends.
	SignalPSCtrlC = "powershell/signal/crtl_c"
	// SignalPSCtrlCAlt is pypsrp 0.9's spelling; servers treat it as a stop too.
	SignalPSCtrlCAlt = "powershell/signal/ctrl_c"
	// SignalTerminate closes and discards a command.
	SignalTerminate = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/Terminate"
)

// CommandStateDone and friends are rsp:CommandState/@State values.
const (
	CommandStateDone    = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"
	CommandStatePending = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Pending"
	CommandStateRunning = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"
)

// Option names and fault details used on the wire.
const (
	OptionProtocolVersion = "protocolversion"
	OptionKeepAlive       = "WSMAN_CMDSHELL_OPTION_KEEPALIVE"
	SelectorShellID       = "ShellId"
	// DefaultProtocolVersion is what Windows PowerShell 5.1 proposes on Create.
	DefaultProtocolVersion = "2.3"

	FaultDetailUnexpectedSelectors = "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors"
	FaultDetailMaxEnvelopeSize     = "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/MaxEnvelopeSize"
	FaultDetailInvalidValue        = "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InvalidValue"
)

// ContentType is the HTTP Content-Type of every envelope (MS-WSMV 2.2.1).
const ContentType = "application/soap+xml;charset=UTF-8"

// FaultHTTPStatus is the HTTP status of every WS-Management fault response.
const FaultHTTPStatus = 500

// ResponseAction returns the response action for a request action, e.g.
// ActionReceive → ".../shell/ReceiveResponse".
func ResponseAction(action string) string { return action + responseSuffix }

// The response actions, as constants: a call of ResponseAction is not
// folded by the compiler and allocates, and parseResponseBody compares
// against every one of them for each response.
const (
	actionCreateResponse  = ActionCreate + responseSuffix
	actionCommandResponse = ActionCommand + responseSuffix
	actionSendResponse    = ActionSend + responseSuffix
	actionReceiveResponse = ActionReceive + responseSuffix
	actionSignalResponse  = ActionSignal + responseSuffix
	actionDeleteResponse  = ActionDelete + responseSuffix
	actionGetResponse     = ActionGet + responseSuffix
)

// prefixFor returns the prefix Windows writes for a namespace, or "".
func prefixFor(ns string) string {
	switch ns {
	case NSSoap:
		return "s"
	case NSAddressing:
		return "a"
	case NSWSMan:
		return "w"
	case NSWSMV:
		return "p"
	case NSShell:
		return "rsp"
	case NSTransfer:
		return "x"
	case NSEnumeration:
		return "n"
	case NSEventing:
		return "e"
	case NSFault:
		return "f"
	}
	return ""
}
