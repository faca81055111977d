package wsman

import (
	"strconv"
	"time"
)

// Defaults MarshalResponse writes for empty ShellInfo fields.
const (
	DefaultIdleTimeOut     = 7200 * time.Second
	DefaultInputStreams    = "stdin pr"
	DefaultOutputStreams   = "stdout"
	CompressionNone        = "NoCompression"
	CompressionXpress      = "XpressCompression"
	ShellStateConnected    = "Connected"
	ShellStateDisconnected = "Disconnected"
)

// ShellInfo is the rsp:Shell of CreateResponse and GetResponse.
type ShellInfo struct {
	ShellID         string
	ResourceURI     string
	Owner           string
	ClientIP        string
	IdleTimeOut     time.Duration // 0 writes DefaultIdleTimeOut
	InputStreams    string        // "" writes DefaultInputStreams
	OutputStreams   string        // "" writes DefaultOutputStreams
	CompressionMode string        // "" writes CompressionNone
	State           string        // "" writes ShellStateConnected
}

// ResponseBody is the typed body of a response. The set is closed.
type ResponseBody interface {
	// Action returns the response's a:Action URI.
	Action() string
	appendResponse(w *writer)
	namespaces() []string
}

// CreateResponse answers Create. The ShellId goes both into
// x:ResourceCreated's selector set (where pypsrp reads it) and rsp:Shell.
type CreateResponse struct {
	// Address is x:ResourceCreated/a:Address, the endpoint URL.
	Address string
	Shell   ShellInfo
}

// CommandResponse answers Command.
type CommandResponse struct{ CommandID string }

// SendResponse answers Send.
type SendResponse struct{}

// CommandState is rsp:CommandState of a ReceiveResponse.
type CommandState struct {
	CommandID string
	State     string // CommandStateDone, ...
	// ExitCode is written when State is CommandStateDone.
	ExitCode int
}

// ReceiveResponse answers Receive. An empty one (no streams, no state) is
// legal.
type ReceiveResponse struct {
	// SequenceID echoes the request's SequenceId; "" omits it.
	SequenceID string
	// Streams are written in order; Name is normally "stdout".
	Streams []Stream
	// State, if non-nil, is written after the streams.
	State *CommandState
}

// SignalResponse answers Signal.
type SignalResponse struct{}

// DeleteResponse answers Delete; its body is empty.
type DeleteResponse struct{}

// GetResponse answers Get with the shell's properties.
type GetResponse struct{ Shell ShellInfo }

func (*CreateResponse) Action() string  { return ResponseAction(ActionCreate) }
func (*CommandResponse) Action() string { return ResponseAction(ActionCommand) }
func (*SendResponse) Action() string    { return ResponseAction(ActionSend) }
func (*ReceiveResponse) Action() string { return ResponseAction(ActionReceive) }
func (*SignalResponse) Action() string  { return ResponseAction(ActionSignal) }
func (*DeleteResponse) Action() string  { return ResponseAction(ActionDelete) }
func (*GetResponse) Action() string     { return ResponseAction(ActionGet) }

func (*CreateResponse) namespaces() []string  { return nsCreate }
func (*CommandResponse) namespaces() []string { return nsCreate }
func (*SendResponse) namespaces() []string    { return nsCreate }
func (*ReceiveResponse) namespaces() []string { return nsReceive }
func (*SignalResponse) namespaces() []string  { return nsCreate }
func (*DeleteResponse) namespaces() []string  { return nsDelete }
func (*GetResponse) namespaces() []string     { return nsGet }

// MarshalResponse returns the complete success envelope for b (server side),
// in Windows' layout: xml:lang="en-US" on s:Envelope, a:Action
// b.Action(), a fresh or given a:MessageID, a:To anonymous and a:RelatesTo
// rp.RelatesTo. Send it with HTTP 200.
func MarshalResponse(rp Reply, b ResponseBody) []byte {
	var w writer
	w.replyHeader(rp, b.Action(), b.namespaces())
	b.appendResponse(&w)
	w.endEnvelope()
	return w.b
}

func (r *CreateResponse) appendResponse(w *writer) {
	w.raw("<x:ResourceCreated>")
	w.elem("a:Address", r.Address)
	w.raw("<a:ReferenceParameters>")
	w.elem("w:ResourceURI", r.Shell.ResourceURI)
	w.raw(`<w:SelectorSet><w:Selector Name="ShellId">`)
	w.text(r.Shell.ShellID)
	w.raw("</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>")
	w.appendShell(r.Shell)
}

func (r *GetResponse) appendResponse(w *writer) { w.appendShell(r.Shell) }

// appendShell writes rsp:Shell with its own xmlns:rsp, as Windows does.
func (w *writer) appendShell(s ShellInfo) {
	w.raw(`<rsp:Shell xmlns:rsp="` + NSShell + `">`)
	w.elem("rsp:ShellId", s.ShellID)
	w.elem("rsp:ResourceUri", s.ResourceURI)
	w.optElem("rsp:Owner", s.Owner)
	w.optElem("rsp:ClientIP", s.ClientIP)
	idle := s.IdleTimeOut
	if idle <= 0 {
		idle = DefaultIdleTimeOut
	}
	w.elem("rsp:IdleTimeOut", FormatDuration(idle))
	w.elem("rsp:InputStreams", orDefault(s.InputStreams, DefaultInputStreams))
	w.elem("rsp:OutputStreams", orDefault(s.OutputStreams, DefaultOutputStreams))
	w.elem("rsp:CompressionMode", orDefault(s.CompressionMode, CompressionNone))
	w.elem("rsp:State", orDefault(s.State, ShellStateConnected))
	w.raw("</rsp:Shell>")
}

// optElem writes <name/> for an empty value, <name>v</name> otherwise.
func (w *writer) optElem(name, v string) {
	if v == "" {
		w.raw("<" + name + "/>")
		return
	}
	w.elem(name, v)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (r *CommandResponse) appendResponse(w *writer) {
	w.raw("<rsp:CommandResponse>")
	w.elem("rsp:CommandId", r.CommandID)
	w.raw("</rsp:CommandResponse>")
}

func (*SendResponse) appendResponse(w *writer)   { w.raw("<rsp:SendResponse/>") }
func (*SignalResponse) appendResponse(w *writer) { w.raw("<rsp:SignalResponse/>") }
func (*DeleteResponse) appendResponse(*writer)   {}

func (r *ReceiveResponse) appendResponse(w *writer) {
	w.open("rsp:ReceiveResponse")
	if r.SequenceID != "" {
		w.attr("SequenceId", r.SequenceID)
	}
	w.raw(">")
	for _, st := range r.Streams {
		w.appendStream(st)
	}
	if s := r.State; s != nil {
		w.open("rsp:CommandState")
		w.attr("CommandId", s.CommandID)
		w.attr("State", s.State)
		w.raw(">")
		if s.State == CommandStateDone {
			w.elem("rsp:ExitCode", strconv.Itoa(s.ExitCode))
		}
		w.close("rsp:CommandState")
	}
	w.close("rsp:ReceiveResponse")
}

// MaxReceivePayload returns how many raw (pre-base64) stream bytes fit in a
// ReceiveResponse whose envelope must not exceed maxEnvelopeSize bytes — the
// client's w:MaxEnvelopeSize. shape gives everything but the data: the
// SequenceID, the streams' Name/CommandID/End (their Data is ignored) and
// State. The result is the total over all of shape's streams, however the
// caller splits it, since each stream's base64 is padded separately; it is
// 0 when shape has no streams or not even the empty envelope fits. rp.RelatesTo must be the value
// that will be sent; an empty rp.MessageID is budgeted at NewMessageID's
// length.
func MaxReceivePayload(maxEnvelopeSize int, rp Reply, shape ReceiveResponse) int {
	if len(shape.Streams) == 0 {
		return 0
	}
	if rp.MessageID == "" {
		rp.MessageID = messageIDPlaceholder
	}
	empty := shape
	empty.Streams = make([]Stream, len(shape.Streams))
	for i, s := range shape.Streams {
		s.Data = nil
		empty.Streams[i] = s
	}
	overhead := len(MarshalResponse(rp, &empty))
	room := maxEnvelopeSize - overhead
	if room < 4 {
		return 0
	}
	n := room / 4 * 3
	if k := len(shape.Streams); k > 1 {
		n -= 2 * (k - 1) // per-stream padding, see the package tests
	}
	return max(n, 0)
}
