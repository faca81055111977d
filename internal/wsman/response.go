package wsman

import (
	"strconv"
	"sync"
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
	// appendResponse writes the body to w and returns it; w travels by
	// value so that MarshalResponse's writer stays on its stack.
	appendResponse(w writer) writer
	// head is the pre-rendered envelope start (see envelopeHead).
	head() string
	// sizeHint estimates the body's length, escaping aside.
	sizeHint() int
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

func (*CreateResponse) Action() string  { return actionCreateResponse }
func (*CommandResponse) Action() string { return actionCommandResponse }
func (*SendResponse) Action() string    { return actionSendResponse }
func (*ReceiveResponse) Action() string { return actionReceiveResponse }
func (*SignalResponse) Action() string  { return actionSignalResponse }
func (*DeleteResponse) Action() string  { return actionDeleteResponse }
func (*GetResponse) Action() string     { return actionGetResponse }

func (*CreateResponse) head() string  { return headCreate }
func (*CommandResponse) head() string { return headCommand }
func (*SendResponse) head() string    { return headSend }
func (*ReceiveResponse) head() string { return headReceive }
func (*SignalResponse) head() string  { return headSignal }
func (*DeleteResponse) head() string  { return headDelete }
func (*GetResponse) head() string     { return headGet }

func (r *CreateResponse) sizeHint() int  { return 300 + len(r.Address) + r.Shell.sizeHint() }
func (r *CommandResponse) sizeHint() int { return 100 + len(r.CommandID) }
func (*SendResponse) sizeHint() int      { return 32 }
func (*SignalResponse) sizeHint() int    { return 32 }
func (*DeleteResponse) sizeHint() int    { return 32 }
func (r *GetResponse) sizeHint() int     { return r.Shell.sizeHint() }

func (s *ShellInfo) sizeHint() int {
	return 600 + 2*len(s.ShellID) + 2*len(s.ResourceURI) + len(s.Owner) + len(s.ClientIP) + len(s.InputStreams) +
		len(s.OutputStreams) + len(s.CompressionMode) + len(s.State)
}

func (r *ReceiveResponse) sizeHint() int {
	n := 80 + len(r.SequenceID) + streamsSizeHint(r.Streams)
	if s := r.State; s != nil {
		n += 120 + len(s.CommandID) + len(s.State)
	}
	return n
}

// MarshalResponse returns the complete success envelope for b (server side),
// in Windows' layout: xml:lang="en-US" on s:Envelope, a:Action
// b.Action(), a fresh or given a:MessageID, a:To anonymous and a:RelatesTo
// rp.RelatesTo. Send it with HTTP 200. The result is a new slice, sized
// for the envelope, that the caller owns.
func MarshalResponse(rp Reply, b ResponseBody) []byte {
	head := b.head()
	w := writer{b: make([]byte, 0, replyHeaderLen(rp, head)+b.sizeHint())}
	w.replyHeader(rp, head)
	w = b.appendResponse(w)
	w.endEnvelope()
	return w.b
}

func (r *CreateResponse) appendResponse(w writer) writer {
	w.raw("<x:ResourceCreated>")
	w.elem("a:Address", r.Address)
	w.raw("<a:ReferenceParameters>")
	w.elem("w:ResourceURI", r.Shell.ResourceURI)
	w.raw(`<w:SelectorSet><w:Selector Name="ShellId">`)
	w.text(r.Shell.ShellID)
	w.raw("</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>")
	w.appendShell(r.Shell)
	return w
}

func (r *GetResponse) appendResponse(w writer) writer {
	w.appendShell(r.Shell)
	return w
}

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
	w.raw("<rsp:IdleTimeOut>")
	w.duration(idle)
	w.raw("</rsp:IdleTimeOut>")
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

func (r *CommandResponse) appendResponse(w writer) writer {
	w.raw("<rsp:CommandResponse>")
	w.elem("rsp:CommandId", r.CommandID)
	w.raw("</rsp:CommandResponse>")
	return w
}

func (*SendResponse) appendResponse(w writer) writer {
	w.raw("<rsp:SendResponse/>")
	return w
}
func (*SignalResponse) appendResponse(w writer) writer {
	w.raw("<rsp:SignalResponse/>")
	return w
}
func (*DeleteResponse) appendResponse(w writer) writer { return w }

func (r *ReceiveResponse) appendResponse(w writer) writer {
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
			w.raw("<rsp:ExitCode>")
			w.b = strconv.AppendInt(w.b, int64(s.ExitCode), 10)
			w.raw("</rsp:ExitCode>")
		}
		w.close("rsp:CommandState")
	}
	w.close("rsp:ReceiveResponse")
	return w
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
	// The envelope with the streams' data left out, built in a pooled
	// buffer since only its length is needed.
	bp := scratch.Get().(*[]byte)
	w := writer{b: (*bp)[:0], noData: true}
	w.replyHeader(rp, headReceive)
	w = shape.appendResponse(w)
	w.endEnvelope()
	overhead := len(w.b)
	if cap(w.b) <= poolMaxBytes {
		*bp = w.b
		scratch.Put(bp)
	}
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

// scratch holds buffers for envelopes that are measured, not returned.
var scratch = sync.Pool{New: func() any { return new([]byte) }}
