package wsman

import (
	"encoding/xml"
	"errors"
	"strconv"
	"strings"
)

// SOAP 1.2 fault codes (SOAP 1.2 Part 1 §5.4.6), local names in NSSoap.
const (
	CodeSender         = "Sender"
	CodeReceiver       = "Receiver"
	CodeMustUnderstand = "MustUnderstand"
)

// WSManFault codes (wsmerror.h; MS-WSMV 2.2.4.43 f:WSManFault/@Code).
const (
	CodeInvalidMessageInformationHeader  uint32 = 2150858767 // 0x8033800F
	CodeSOAPMustUnderstand               uint32 = 2150858768 // 0x80338010
	CodeMessageInformationHeaderRequired uint32 = 2150858769 // 0x80338011
	CodeActionNotSupported               uint32 = 2150858771 // 0x80338013
	CodeInvalidSOAPBody                  uint32 = 2150858791 // 0x80338027
	CodeOperationTimedOut                uint32 = 2150858793 // 0x80338029
	CodeEncodingLimit                    uint32 = 2150858805 // 0x80338035
	CodeInvalidResourceURI               uint32 = 2150858811 // 0x8033803B
	CodeInvalidSelectors                 uint32 = 2150858813 // 0x8033803D
	CodeQuotaLimit                       uint32 = 2150858815 // 0x8033803F
	CodeInvalidXML                       uint32 = 2150858819 // 0x80338043
	CodeMaxEnvelopeSizeExceeded          uint32 = 2150858824 // 0x80338048
	CodeInvalidXMLValues                 uint32 = 2150858838 // 0x80338056
	CodeUnexpectedSelectors              uint32 = 2150858843 // 0x8033805B
	CodeQuotaMaxShells                   uint32 = 2150859173 // 0x803381A5
	CodeQuotaMaxShellsPPQ                uint32 = 2150859236 // 0x803381E4
	CodeAccessDenied                     uint32 = 5          // ERROR_ACCESS_DENIED
	CodePSProtocolVersion                uint32 = 2152991685 // 0x80540BC5
	CodePSManagedException               uint32 = 2152992672 // 0x80540FA0
)

// Sentinels for the conditions callers branch on. A *Fault matches them
// through Fault.Is, so errors.Is(err, ErrShellNotFound) works on the error
// ParseResponse returns.
var (
	ErrShellNotFound   = errors.New("wsman: shell not found")
	ErrCommandNotFound = errors.New("wsman: command not found")
	ErrTimedOut        = errors.New("wsman: operation timed out")
	ErrAccessDenied    = errors.New("wsman: access denied")
	ErrQuotaExceeded   = errors.New("wsman: quota exceeded")
)

// ProviderFault is the f:ProviderFault a plugin (e.g. PowerShell) nests in
// f:Message.
type ProviderFault struct {
	Provider string // @provider, e.g. "PowerShellplugin"
	Path     string // @path, e.g. `%windir%\system32\pwrshplugin.dll`
	Text     string // character data
}

// Fault is a WS-Management SOAP fault (MS-WSMV 2.2.4.43, remoting-protocol
// §2.1). It is both the error the server-side parsers return and the value a
// client gets back for an s:Fault response.
type Fault struct {
	// Code is the SOAP s:Code/s:Value local name: CodeSender, CodeReceiver or
	// CodeMustUnderstand.
	Code string
	// Subcode is s:Subcode/s:Value as a namespace-qualified name, e.g.
	// {NSWSMan, "TimedOut"}. Zero when absent.
	Subcode xml.Name
	// Reason is the s:Reason/s:Text (xml:lang en-US).
	Reason string
	// WSManCode is f:WSManFault/@Code; 0 when absent.
	WSManCode uint32
	// Message is the f:Message text. Empty means Reason is repeated there
	// (unless Provider is set). When parsing, it holds all text under
	// f:Message, provider text included.
	Message string
	// Detail is the optional w:FaultDetail URI.
	Detail string
	// Provider, if set, is written inside f:Message instead of Message.
	Provider *ProviderFault
	// Machine is f:WSManFault/@Machine; omitted when empty.
	Machine string
	// Err is the internal cause, for logs only; never marshaled.
	Err error
}

// Error returns a log-friendly description; the wire text is Reason/Message.
func (f *Fault) Error() string {
	var b strings.Builder
	b.WriteString("wsman: fault ")
	b.WriteString(f.Code)
	if f.Subcode.Local != "" {
		b.WriteString("/")
		b.WriteString(f.Subcode.Local)
	}
	if f.WSManCode != 0 {
		b.WriteString(" ")
		b.WriteString(strconv.FormatUint(uint64(f.WSManCode), 10))
	}
	if t := strings.TrimSpace(f.Text()); t != "" {
		b.WriteString(": ")
		b.WriteString(t)
	}
	if f.Err != nil {
		b.WriteString(" (")
		b.WriteString(f.Err.Error())
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the internal cause.
func (f *Fault) Unwrap() error { return f.Err }

// Text returns the most specific human text: the provider text, else
// Message, else Reason (pypsrp's order).
func (f *Fault) Text() string {
	switch {
	case f.Provider != nil && f.Provider.Text != "":
		return f.Provider.Text
	case f.Message != "":
		return f.Message
	}
	return f.Reason
}

// HTTPStatus is the status the transport sends with this fault (always 500).
func (f *Fault) HTTPStatus() int { return FaultHTTPStatus }

// Action is the a:Action of this fault's envelope: the addressing fault
// action for a:* subcodes, the WS-Management fault action otherwise.
func (f *Fault) Action() string {
	if f.Subcode.Space == NSAddressing {
		return ActionAddrFault
	}
	return ActionFault
}

// Is classifies the fault for errors.Is against the package sentinels.
func (f *Fault) Is(target error) bool {
	text := f.Text() + " " + f.Reason
	switch target {
	case ErrCommandNotFound:
		return f.WSManCode == CodeUnexpectedSelectors && strings.Contains(text, "command identifier")
	case ErrShellNotFound:
		if f.WSManCode == CodeUnexpectedSelectors {
			return !strings.Contains(text, "command identifier")
		}
		return f.WSManCode == CodeInvalidSelectors ||
			f.WSManCode == 0 && f.Subcode == xml.Name{Space: NSWSMan, Local: "InvalidSelectors"}
	case ErrTimedOut:
		return f.WSManCode == CodeOperationTimedOut ||
			f.WSManCode == 0 && f.Subcode == xml.Name{Space: NSWSMan, Local: "TimedOut"}
	case ErrAccessDenied:
		return f.WSManCode == CodeAccessDenied ||
			f.Subcode == xml.Name{Space: NSWSMan, Local: "AccessDenied"}
	case ErrQuotaExceeded:
		switch f.WSManCode {
		case CodeQuotaLimit, CodeQuotaMaxShells, CodeQuotaMaxShellsPPQ:
			return true
		}
		return f.Subcode == xml.Name{Space: NSWSMan, Local: "QuotaLimit"} ||
			strings.Contains(text, "MaxConcurrency") ||
			strings.Contains(text, "maximum number of connections allowed")
	}
	return false
}
