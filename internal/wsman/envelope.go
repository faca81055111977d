package wsman

// Reply carries the per-response addressing values of a server envelope.
type Reply struct {
	// RelatesTo is the request's a:MessageID, echoed verbatim (pypsrp compares
	// strings). Empty omits a:RelatesTo, e.g. for a request whose MessageID
	// could not be read.
	RelatesTo string
	// MessageID is this response's a:MessageID; empty generates a fresh
	// "uuid:<GUID upper>".
	MessageID string
}

// NewMessageID returns a fresh message identifier, "uuid:" + an upper-case
// random GUID, the form Windows writes.
func NewMessageID() string {
	var id [len(messageIDPlaceholder)]byte
	newMessageID(&id)
	return string(id[:])
}

// messageIDPlaceholder has the length of a NewMessageID value.
const messageIDPlaceholder = "uuid:00000000-0000-0000-0000-000000000000"

// namespace declaration sets, in the order Windows writes them.
var (
	nsFault   = []string{"s", "a", "x", "e", "n", "w", "p"}
	nsCreate  = []string{"s", "a", "x", "w", "rsp", "p"}
	nsReceive = []string{"s", "a", "w", "rsp", "p"}
	nsDelete  = []string{"s", "a", "w", "p"}
	nsGet     = []string{"s", "a", "x", "w", "p"}
)

var prefixNS = map[string]string{
	"s": NSSoap, "a": NSAddressing, "w": NSWSMan, "p": NSWSMV, "rsp": NSShell,
	"x": NSTransfer, "n": NSEnumeration, "e": NSEventing, "f": NSFault,
}

// envelopeHead renders the constant start of a server envelope, up to the
// a:MessageID text: <s:Envelope xml:lang="en-US" xmlns:...><s:Header>
// <a:Action>action</a:Action><a:MessageID>.
func envelopeHead(action string, prefixes []string) string {
	var w writer
	w.raw(`<s:Envelope xml:lang="en-US"`)
	for _, p := range prefixes {
		w.attr("xmlns:"+p, prefixNS[p])
	}
	w.raw("><s:Header>")
	w.elem("a:Action", action)
	w.raw("<a:MessageID>")
	return string(w.b)
}

// Pre-rendered envelope heads, one per response action.
var (
	headCreate    = envelopeHead(ResponseAction(ActionCreate), nsCreate)
	headCommand   = envelopeHead(ResponseAction(ActionCommand), nsCreate)
	headSend      = envelopeHead(ResponseAction(ActionSend), nsCreate)
	headReceive   = envelopeHead(ResponseAction(ActionReceive), nsReceive)
	headSignal    = envelopeHead(ResponseAction(ActionSignal), nsCreate)
	headDelete    = envelopeHead(ResponseAction(ActionDelete), nsDelete)
	headGet       = envelopeHead(ResponseAction(ActionGet), nsGet)
	headFault     = envelopeHead(ActionFault, nsFault)
	headAddrFault = envelopeHead(ActionAddrFault, nsFault)
)

// replyHeaderLen bounds what replyHeader adds to head for rp, escaping
// aside.
func replyHeaderLen(rp Reply, head string) int {
	return len(head) + len(messageIDPlaceholder) + len(rp.MessageID) + len(rp.RelatesTo) + 160
}

// replyHeader writes head (an envelopeHead) and the rest of the s:Header
// of a server response, then opens s:Body.
func (w *writer) replyHeader(rp Reply, head string) {
	w.raw(head)
	if rp.MessageID == "" {
		w.messageID()
	} else {
		w.text(rp.MessageID)
	}
	w.raw("</a:MessageID><a:To>" + AddressAnonymous + "</a:To>")
	if rp.RelatesTo != "" {
		w.raw("<a:RelatesTo>")
		w.text(rp.RelatesTo)
		w.raw("</a:RelatesTo>")
	}
	w.raw("</s:Header><s:Body>")
}

// endEnvelope closes s:Body and s:Envelope.
func (w *writer) endEnvelope() { w.raw("</s:Body></s:Envelope>") }

// MarshalFault returns the complete fault envelope for f (remoting-protocol
// §2.1, MS-WSMV 2.2.4.43): Action per f.Action(), RelatesTo per rp. Send it
// with HTTP status f.HTTPStatus().
func MarshalFault(rp Reply, f *Fault) []byte {
	head := headFault
	if f.Action() == ActionAddrFault {
		head = headAddrFault
	}
	n := replyHeaderLen(rp, head) + 700 + len(f.Code) + len(f.Subcode.Space) + len(f.Subcode.Local) + 2*len(f.Reason) +
		len(f.Detail) + len(f.Machine) + len(f.Message)
	if p := f.Provider; p != nil {
		n += len(p.Provider) + len(p.Path) + len(p.Text)
	}
	w := writer{b: make([]byte, 0, n)}
	w.replyHeader(rp, head)
	w.raw("<s:Fault><s:Code><s:Value>s:")
	code := f.Code
	if code == "" {
		code = CodeReceiver
	}
	w.text(code)
	w.raw("</s:Value>")
	if f.Subcode.Local != "" {
		w.raw("<s:Subcode><s:Value")
		p := prefixFor(f.Subcode.Space)
		if p == "" {
			p = "sc"
			w.attr("xmlns:sc", f.Subcode.Space)
		}
		w.raw(">")
		w.text(p + ":" + f.Subcode.Local)
		w.raw("</s:Value></s:Subcode>")
	}
	w.raw(`</s:Code><s:Reason><s:Text xml:lang="en-US">`)
	w.text(f.Reason)
	w.raw("</s:Text></s:Reason><s:Detail>")
	if f.Detail != "" {
		w.elem("w:FaultDetail", f.Detail)
	}
	w.open("f:WSManFault")
	w.attr("xmlns:f", NSFault)
	w.raw(` Code="`)
	w.uint(uint64(f.WSManCode))
	w.raw(`"`)
	if f.Machine != "" {
		w.attr("Machine", f.Machine)
	}
	w.raw("><f:Message>")
	switch {
	case f.Provider != nil:
		w.open("f:ProviderFault")
		w.attr("provider", f.Provider.Provider)
		w.attr("path", f.Provider.Path)
		w.raw(">")
		w.text(f.Provider.Text)
		w.close("f:ProviderFault")
	case f.Message != "":
		w.text(f.Message)
	default:
		w.text(f.Reason)
	}
	w.raw("</f:Message></f:WSManFault></s:Detail></s:Fault>")
	w.endEnvelope()
	return w.b
}
