package wsman

// internedStrings are the names and values that recur in every
// envelope; intern returns them shared, so that the scanner and the body
// parsers need not allocate them.
var internedStrings = []string{
	// Namespaces, prefixes and URIs.
	NSSoap, NSAddressing, NSWSMan, NSWSMV, NSShell, NSTransfer, NSEnumeration, NSEventing, NSFault, NSPowerShell, NSXML,
	"http://www.w3.org/2001/XMLSchema-instance", "http://www.w3.org/2001/XMLSchema",
	"s", "a", "w", "p", "rsp", "x", "n", "e", "f", "b", "env", "wsa", "wsman", "wsmv", "wsmid", "xsi", "xsd", "xml", "xmlns",
	ActionCreate, ActionDelete, ActionGet, ActionCommand, ActionSend, ActionReceive, ActionSignal, ActionEnumerate,
	ActionFault, ActionAddrFault, AddressAnonymous, ResourceShell, ResourceExchange,
	ActionCreate + responseSuffix, ActionDelete + responseSuffix, ActionGet + responseSuffix, ActionCommand + responseSuffix,
	ActionSend + responseSuffix, ActionReceive + responseSuffix, ActionSignal + responseSuffix,
	SignalPSCtrlC, SignalPSCtrlCAlt, SignalTerminate, CommandStateDone, CommandStatePending, CommandStateRunning,
	FaultDetailUnexpectedSelectors, FaultDetailMaxEnvelopeSize, FaultDetailInvalidValue,
	// Element names.
	"Envelope", "Header", "Body", "Action", "To", "MessageID", "RelatesTo", "ReplyTo", "Address", "ResourceURI",
	"MaxEnvelopeSize", "OperationTimeout", "Locale", "DataLocale", "SessionId", "OperationID", "SequenceId", "ActivityId",
	"SelectorSet", "Selector", "OptionSet", "Option", "CompressionType", "Shell", "InputStreams", "OutputStreams",
	"IdleTimeOut", "creationXml", "CommandLine", "Command", "Arguments", "Send", "Stream", "Receive", "DesiredStream",
	"Signal", "Code", "Enumerate", "Fault", "Value", "Subcode", "Reason", "Text", "Detail", "FaultDetail", "WSManFault",
	"Message", "ProviderFault", "ResourceCreated", "ReferenceParameters", "CommandResponse", "CommandId", "SendResponse",
	"ReceiveResponse", "CommandState", "ExitCode", "SignalResponse", "ShellId", "ResourceUri", "Owner", "ClientIP",
	"CompressionMode", "State",
	// Attribute names and values, common texts.
	"mustUnderstand", "lang", "Name", "MustComply", "End", "Machine", "provider", "path",
	"true", "false", "0", "1", "en-US", "stdin", "stdout", "pr", "stdin pr", "TRUE", "True",
	OptionProtocolVersion, OptionKeepAlive, DefaultProtocolVersion, "xpress", "PT180.000S", "PT60.000S", "PT20S",
	"s:Sender", "s:Receiver", "w:TimedOut", "w:InvalidSelectors", CompressionNone, CompressionXpress,
	ShellStateConnected, ShellStateDisconnected, "PT7200.000S",
}

// internTab is an open-addressing hash set of internedStrings, probed
// linearly; it is cheaper than a map for these short keys because
// internHash samples a few bytes instead of hashing all of them.
var internTab = func() (t [1 << internBits]string) {
	for _, s := range internedStrings {
		i := internHash([]byte(s))
		for t[i] != "" && t[i] != s {
			i = (i + 1) & (1<<internBits - 1)
		}
		t[i] = s
	}
	return t
}()

const internBits = 10 // 1024 slots, under 20% full

// internHash hashes the length and four sampled bytes of b.
func internHash(b []byte) uint32 {
	n := len(b)
	if n == 0 {
		return 0
	}
	x := uint32(b[0]) | uint32(b[n-1])<<8 | uint32(b[n/2])<<16 | uint32(b[n*3/4])<<24
	h := (x ^ uint32(n)*0x9E3779B9) * 0x85EBCA6B
	h ^= h >> 15
	return h >> (32 - internBits)
}

// intern returns b as a string, shared when it is one of internedStrings.
func intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	for i := internHash(b); ; i = (i + 1) & (1<<internBits - 1) {
		s := internTab[i]
		if s == "" {
			return string(b)
		}
		if len(s) == len(b) && s == string(b) {
			return s
		}
	}
}
