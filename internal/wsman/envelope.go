package wsman

import (
	"strings"

	"github.com/google/uuid"
)

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
func NewMessageID() string { return "uuid:" + strings.ToUpper(uuid.NewString()) }

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

// replyHeader writes <s:Envelope ...><s:Header>...</s:Header><s:Body> for a
// server response.
func (w *writer) replyHeader(rp Reply, action string, prefixes []string) {
	w.raw(`<s:Envelope xml:lang="en-US"`)
	for _, p := range prefixes {
		w.attr("xmlns:"+p, prefixNS[p])
	}
	w.raw("><s:Header>")
	w.elem("a:Action", action)
	id := rp.MessageID
	if id == "" {
		id = NewMessageID()
	}
	w.elem("a:MessageID", id)
	w.elem("a:To", AddressAnonymous)
	if rp.RelatesTo != "" {
		w.elem("a:RelatesTo", rp.RelatesTo)
	}
	w.raw("</s:Header><s:Body>")
}

// endEnvelope closes s:Body and s:Envelope.
func (w *writer) endEnvelope() { w.raw("</s:Body></s:Envelope>") }

// MarshalFault returns the complete fault envelope for f (remoting-protocol
// §2.1, MS-WSMV 2.2.4.43): Action per f.Action(), RelatesTo per rp. Send it
// with HTTP status f.HTTPStatus().
func MarshalFault(rp Reply, f *Fault) []byte {
	var w writer
	w.replyHeader(rp, f.Action(), nsFault)
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
