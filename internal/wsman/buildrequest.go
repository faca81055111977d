package wsman

import (
	"errors"
	"sort"
)

// ErrNoShellID is returned by MarshalRequest for shell operations without a
// ShellId selector.
var ErrNoShellID = errors.New("wsman: missing ShellId selector")

var errNilBody = errors.New("wsman: nil request body")

// MarshalRequest builds a request envelope for body (client side) in the
// shape pypsrp and Windows send (remoting-protocol §1.3). It returns the
// envelope and the a:MessageID used: h.MessageID, or a fresh NewMessageID()
// when empty; pass it to ParseResponse to check a:RelatesTo.
//
// h.Action is ignored (the body decides). Empty h.ReplyTo means
// AddressAnonymous; h.Locale/DataLocale "" omit those headers. Create adds
// the option protocolversion=DefaultProtocolVersion (MustComply) and Receive
// adds WSMAN_CMDSHELL_OPTION_KEEPALIVE=TRUE unless h.Options already names
// them. Every operation except Create needs the ShellId selector.
func MarshalRequest(h Header, body Body) (data []byte, messageID string, err error) {
	if err := checkRequest(&h, body); err != nil {
		return nil, "", err
	}
	messageID = h.MessageID
	if messageID == "" {
		messageID = NewMessageID()
	}
	n := 1100 + len(h.To) + len(h.ResourceURI) + len(h.ReplyTo) + len(AddressAnonymous) + len(messageID) + len(h.Locale) +
		len(h.DataLocale) + len(h.SessionID) + len(h.CompressionType) + body.sizeHint()
	for k, v := range h.Selectors {
		n += 48 + len(k) + len(v)
	}
	for _, o := range h.Options {
		n += 48 + len(o.Name) + len(o.Value)
	}
	w := writer{b: make([]byte, 0, n)}
	w.headerToAction(&h)
	w.text(body.Action())
	w.headerActionToMessageID(&h)
	w.text(messageID)
	w.headerAfterMessageID(&h)
	w.optionsAndBody(h.Options, body)
	return w.b, messageID, nil
}

// checkRequest refuses a nil body and a shell operation without the
// ShellId selector.
func checkRequest(h *Header, body Body) error {
	if body == nil {
		return errNilBody
	}
	if _, isCreate := body.(*Create); !isCreate && h.ShellID() == "" {
		if _, isEnum := body.(*Enumerate); !isEnum {
			return ErrNoShellID
		}
	}
	return nil
}

// The header is written in three parts around the two values that differ
// between requests of one shell, a:Action and a:MessageID, so that
// RequestHeader can render the parts once.

// headerToAction writes the envelope start through the a:Action start tag.
func (w *writer) headerToAction(h *Header) {
	replyTo := h.ReplyTo
	if replyTo == "" {
		replyTo = AddressAnonymous
	}
	w.raw(requestHead)
	w.text(h.To)
	w.raw("</a:To>")
	w.raw(`<w:ResourceURI s:mustUnderstand="true">`)
	w.text(h.ResourceURI)
	w.raw(`</w:ResourceURI><a:ReplyTo><a:Address s:mustUnderstand="true">`)
	w.text(replyTo)
	w.raw(`</a:Address></a:ReplyTo><a:Action s:mustUnderstand="true">`)
}

// headerActionToMessageID writes from the a:Action end tag through the
// a:MessageID start tag.
func (w *writer) headerActionToMessageID(h *Header) {
	w.raw("</a:Action>")
	if h.MaxEnvelopeSize > 0 {
		w.raw(`<w:MaxEnvelopeSize s:mustUnderstand="true">`)
		w.uint(uint64(h.MaxEnvelopeSize))
		w.raw("</w:MaxEnvelopeSize>")
	}
	w.raw("<a:MessageID>")
}

// headerAfterMessageID writes from the a:MessageID end tag through the
// selector set: everything of the header but its options.
func (w *writer) headerAfterMessageID(h *Header) {
	w.raw("</a:MessageID>")
	if h.Locale != "" {
		w.open("w:Locale")
		w.attr("xml:lang", h.Locale)
		w.raw(` s:mustUnderstand="false"/>`)
	}
	if h.DataLocale != "" {
		w.open("p:DataLocale")
		w.attr("xml:lang", h.DataLocale)
		w.raw(` s:mustUnderstand="false"/>`)
	}
	if h.SessionID != "" {
		w.raw(`<p:SessionId s:mustUnderstand="false">`)
		w.text(h.SessionID)
		w.raw("</p:SessionId>")
	}
	if h.OperationTimeout > 0 {
		w.raw("<w:OperationTimeout>")
		w.duration(h.OperationTimeout)
		w.raw("</w:OperationTimeout>")
	}
	if h.CompressionType != "" {
		w.raw(`<rsp:CompressionType s:mustUnderstand="true">`)
		w.text(h.CompressionType)
		w.raw("</rsp:CompressionType>")
	}
	if len(h.Selectors) > 0 {
		w.raw("<w:SelectorSet>")
		if len(h.Selectors) == 1 { // nearly always: ShellId
			for n, v := range h.Selectors {
				w.selector(n, v)
			}
		} else {
			names := make([]string, 0, len(h.Selectors))
			for n := range h.Selectors {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				w.selector(n, h.Selectors[n])
			}
		}
		w.raw("</w:SelectorSet>")
	}
}

// optionsAndBody writes the option set (opts, then the option the
// operation implies unless opts name it), the end of the header, the body
// and the end of the envelope.
func (w *writer) optionsAndBody(opts []Option, body Body) {
	// implied is the option the operation adds after opts, if any.
	var implied *Option
	switch body.(type) {
	case *Create:
		if !hasOption(opts, OptionProtocolVersion) {
			implied = &optProtocolVersion
		}
	case *Receive:
		if !hasOption(opts, OptionKeepAlive) {
			implied = &optKeepAlive
		}
	}
	if len(opts) > 0 || implied != nil {
		w.raw(`<w:OptionSet s:mustUnderstand="true">`)
		for _, o := range opts {
			w.option(o)
		}
		if implied != nil {
			w.option(*implied)
		}
		w.raw("</w:OptionSet>")
	}
	w.raw("</s:Header><s:Body>")
	*w = body.appendBody(*w)
	w.raw("</s:Body></s:Envelope>")
}

// hasOption reports whether opts holds an option named name.
func hasOption(opts []Option, name string) bool {
	for _, o := range opts {
		if o.Name == name {
			return true
		}
	}
	return false
}

// requestHead is the constant start of a request envelope, up to the a:To
// text.
const requestHead = `<s:Envelope xmlns:s="` + NSSoap + `" xmlns:a="` + NSAddressing + `" xmlns:w="` + NSWSMan +
	`" xmlns:p="` + NSWSMV + `" xmlns:rsp="` + NSShell + `"><s:Header><a:To>`

// The options MarshalRequest adds unless the header names them.
var (
	optProtocolVersion = Option{Name: OptionProtocolVersion, Value: DefaultProtocolVersion, MustComply: true}
	optKeepAlive       = Option{Name: OptionKeepAlive, Value: "TRUE"}
)

// option appends one w:Option.
func (w *writer) option(o Option) {
	w.open("w:Option")
	w.attr("Name", o.Name)
	if o.MustComply {
		w.raw(` MustComply="true"`)
	}
	w.raw(">")
	w.text(o.Value)
	w.close("w:Option")
}

// selector appends one w:Selector.
func (w *writer) selector(name, value string) {
	w.open("w:Selector")
	w.attr("Name", name)
	w.raw(">")
	w.text(value)
	w.close("w:Selector")
}

func (c *Create) appendBody(w writer) writer {
	w.open("rsp:Shell")
	if c.ShellID != "" {
		w.attr("ShellId", c.ShellID)
	}
	if c.Name != "" {
		w.attr("Name", c.Name)
	}
	w.raw(">")
	w.elem("rsp:InputStreams", c.InputStreams)
	w.elem("rsp:OutputStreams", c.OutputStreams)
	if c.IdleTimeOut > 0 {
		w.raw("<rsp:IdleTimeOut>")
		w.duration(c.IdleTimeOut)
		w.raw("</rsp:IdleTimeOut>")
	}
	if c.CreationXML != nil {
		w.raw(`<creationXml xmlns="` + NSPowerShell + `">`)
		w.base64(c.CreationXML)
		w.raw("</creationXml>")
	}
	w.raw("</rsp:Shell>")
	return w
}

func (c *Command) appendBody(w writer) writer {
	w.open("rsp:CommandLine")
	if c.CommandID != "" {
		w.attr("CommandId", c.CommandID)
	}
	w.raw(">")
	w.elem("rsp:Command", c.Command)
	w.raw("<rsp:Arguments>")
	w.base64(c.Arguments)
	w.raw("</rsp:Arguments></rsp:CommandLine>")
	return w
}

func (s *Send) appendBody(w writer) writer {
	w.raw("<rsp:Send>")
	for _, st := range s.Streams {
		w.appendStream(st)
	}
	w.raw("</rsp:Send>")
	return w
}

// appendStream writes one rsp:Stream (Send and ReceiveResponse).
func (w *writer) appendStream(st Stream) {
	w.open("rsp:Stream")
	w.attr("Name", st.Name)
	if st.CommandID != "" {
		w.attr("CommandId", st.CommandID)
	}
	if st.End {
		w.raw(` End="true"`)
	}
	w.raw(">")
	if !w.noData {
		w.base64(st.Data)
	}
	w.raw("</rsp:Stream>")
}

func (r *Receive) appendBody(w writer) writer {
	w.open("rsp:Receive")
	if r.SequenceID != "" {
		w.attr("SequenceId", r.SequenceID)
	}
	w.raw("><rsp:DesiredStream")
	if r.CommandID != "" {
		w.attr("CommandId", r.CommandID)
	}
	w.raw(">")
	w.text(r.DesiredStream)
	w.raw("</rsp:DesiredStream></rsp:Receive>")
	return w
}

func (s *Signal) appendBody(w writer) writer {
	w.open("rsp:Signal")
	if s.CommandID != "" {
		w.attr("CommandId", s.CommandID)
	}
	w.raw(">")
	w.elem("rsp:Code", s.Code)
	w.raw("</rsp:Signal>")
	return w
}

func (*Delete) appendBody(w writer) writer { return w }
func (*Get) appendBody(w writer) writer    { return w }

func (*Enumerate) appendBody(w writer) writer {
	w.raw(`<n:Enumerate xmlns:n="` + NSEnumeration + `"/>`)
	return w
}

func (c *Create) sizeHint() int {
	return 300 + len(c.ShellID) + len(c.Name) + len(c.InputStreams) + len(c.OutputStreams) + base64Len(len(c.CreationXML))
}
func (c *Command) sizeHint() int {
	return 160 + len(c.CommandID) + len(c.Command) + base64Len(len(c.Arguments))
}
func (s *Send) sizeHint() int { return 40 + streamsSizeHint(s.Streams) }

// streamsSizeHint estimates the encoded size of streams (elements and
// base64 data), for pre-sizing a Send or ReceiveResponse.
func streamsSizeHint(streams []Stream) int {
	n := 0
	for _, st := range streams {
		n += 64 + len(st.Name) + len(st.CommandID) + base64Len(len(st.Data))
	}
	return n
}
func (r *Receive) sizeHint() int {
	return 120 + len(r.SequenceID) + len(r.CommandID) + len(r.DesiredStream)
}
func (s *Signal) sizeHint() int  { return 80 + len(s.CommandID) + len(s.Code) }
func (*Delete) sizeHint() int    { return 0 }
func (*Get) sizeHint() int       { return 0 }
func (*Enumerate) sizeHint() int { return 100 }
