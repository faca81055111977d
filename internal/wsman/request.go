package wsman

import "time"

// Option is one wsman:OptionSet/wsman:Option (DSP0226 §6.4).
type Option struct {
	Name       string
	Value      string
	MustComply bool
}

// Header is the SOAP header of a request (remoting-protocol §1.3). The server
// parser fills it; the client builder reads it.
type Header struct {
	// Action is a:Action. MarshalRequest sets it from the Body.
	Action string
	// To is a:To, the endpoint URL.
	To string
	// MessageID is a:MessageID, kept verbatim.
	MessageID string
	// ReplyTo is a:ReplyTo/a:Address (normally AddressAnonymous).
	ReplyTo string
	// ResourceURI is w:ResourceURI, e.g. ResourceExchange.
	ResourceURI string
	// MaxEnvelopeSize is w:MaxEnvelopeSize in bytes; 0 when absent.
	MaxEnvelopeSize int
	// OperationTimeout is w:OperationTimeout; 0 when absent.
	OperationTimeout time.Duration
	// Locale and DataLocale are the xml:lang of w:Locale and p:DataLocale.
	Locale     string
	DataLocale string
	// SessionID is p:SessionId, e.g. "uuid:...".
	SessionID string
	// Selectors is w:SelectorSet by selector Name (e.g. "ShellId").
	Selectors map[string]string
	// Options is w:OptionSet in document order.
	Options []Option
	// CompressionType is rsp:CompressionType ("xpress" from Windows clients
	// on Create; see remoting-protocol §1.6), "" when absent.
	CompressionType string
}

// ShellID returns the ShellId selector, or "".
func (h *Header) ShellID() string { return h.Selectors[SelectorShellID] }

// Option returns the value of the first option named name.
func (h *Header) Option(name string) (Option, bool) {
	for _, o := range h.Options {
		if o.Name == name {
			return o, true
		}
	}
	return Option{}, false
}

// Request is a parsed request envelope.
type Request struct {
	Header Header
	// Body is one of *Create, *Command, *Send, *Receive, *Signal, *Delete,
	// *Get or *Enumerate, chosen by Header.Action.
	Body Body
}

// Body is the typed body of a request. The set of implementations is closed.
type Body interface {
	// Action returns the a:Action URI of the operation.
	Action() string
	// appendBody writes the body to w and returns it (by value, as
	// ResponseBody.appendResponse).
	appendBody(w writer) writer
	// sizeHint estimates the body's length, escaping aside.
	sizeHint() int
}

// Create opens a shell — a RunspacePool (MS-WSMV 3.1.4.5, MS-PSRP 3.1.5.3.x).
type Create struct {
	// ShellID is rsp:Shell/@ShellId, the client-proposed id ("" if none).
	ShellID string
	// Name is rsp:Shell/@Name ("" if none).
	Name string
	// InputStreams and OutputStreams are space-separated stream names,
	// normally "stdin pr" and "stdout".
	InputStreams  string
	OutputStreams string
	// IdleTimeOut is rsp:IdleTimeOut; 0 when absent.
	IdleTimeOut time.Duration
	// CreationXML is the base64-decoded creationXml: PSRP fragments.
	CreationXML []byte
}

// Command creates a pipeline (MS-WSMV 3.1.4.11).
type Command struct {
	// CommandID is rsp:CommandLine/@CommandId.
	CommandID string
	// Command is rsp:Command (ignored by PowerShell servers).
	Command string
	// Arguments is the base64-decoded rsp:Arguments, concatenated when there
	// are several.
	Arguments []byte
}

// Stream is one rsp:Stream of Send or ReceiveResponse.
type Stream struct {
	Name      string // "stdin", "pr" or "stdout"
	CommandID string // "" targets the shell (RunspacePool)
	End       bool   // @End="true"
	Data      []byte // base64-decoded content
}

// Send delivers input data (MS-WSMV 3.1.4.13).
type Send struct {
	Streams []Stream
}

// Receive asks for output (MS-WSMV 3.1.4.14).
type Receive struct {
	// SequenceID is rsp:Receive/@SequenceId verbatim ("" when absent).
	SequenceID string
	// DesiredStream is the rsp:DesiredStream text, normally "stdout".
	DesiredStream string
	// CommandID is rsp:DesiredStream/@CommandId; "" means pool-level.
	CommandID string
}

// Signal signals a command (MS-WSMV 3.1.4.12).
type Signal struct {
	CommandID string
	Code      string // SignalPSCtrlC, SignalTerminate, ...
}

// Delete closes the shell named by the ShellId selector.
type Delete struct{}

// Get reads the shell named by the ShellId selector.
type Get struct{}

// Enumerate lists shells (optional; no body fields are used).
type Enumerate struct{}

func (*Create) Action() string    { return ActionCreate }
func (*Command) Action() string   { return ActionCommand }
func (*Send) Action() string      { return ActionSend }
func (*Receive) Action() string   { return ActionReceive }
func (*Signal) Action() string    { return ActionSignal }
func (*Delete) Action() string    { return ActionDelete }
func (*Get) Action() string       { return ActionGet }
func (*Enumerate) Action() string { return ActionEnumerate }
