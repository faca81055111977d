package wsman

import (
	"encoding/base64"
	"errors"
	"sort"
)

// ErrNoShellID is returned by MarshalRequest for shell operations without a
// ShellId selector.
var ErrNoShellID = errors.New("wsman: missing ShellId selector")

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
	if body == nil {
		return nil, "", errors.New("wsman: nil request body")
	}
	if _, isCreate := body.(*Create); !isCreate && h.ShellID() == "" {
		if _, isEnum := body.(*Enumerate); !isEnum {
			return nil, "", ErrNoShellID
		}
	}
	opts := h.Options
	switch body.(type) {
	case *Create:
		if _, ok := h.Option(OptionProtocolVersion); !ok {
			opts = append(append([]Option(nil), opts...), Option{Name: OptionProtocolVersion, Value: DefaultProtocolVersion, MustComply: true})
		}
	case *Receive:
		if _, ok := h.Option(OptionKeepAlive); !ok {
			opts = append(append([]Option(nil), opts...), Option{Name: OptionKeepAlive, Value: "TRUE"})
		}
	}
	messageID = h.MessageID
	if messageID == "" {
		messageID = NewMessageID()
	}
	replyTo := h.ReplyTo
	if replyTo == "" {
		replyTo = AddressAnonymous
	}

	var w writer
	w.raw("<s:Envelope")
	for _, p := range []string{"s", "a", "w", "p", "rsp"} {
		w.attr("xmlns:"+p, prefixNS[p])
	}
	w.raw("><s:Header>")
	w.elem("a:To", h.To)
	w.raw(`<w:ResourceURI s:mustUnderstand="true">`)
	w.text(h.ResourceURI)
	w.raw(`</w:ResourceURI><a:ReplyTo><a:Address s:mustUnderstand="true">`)
	w.text(replyTo)
	w.raw(`</a:Address></a:ReplyTo><a:Action s:mustUnderstand="true">`)
	w.text(body.Action())
	w.raw("</a:Action>")
	if h.MaxEnvelopeSize > 0 {
		w.raw(`<w:MaxEnvelopeSize s:mustUnderstand="true">`)
		w.uint(uint64(h.MaxEnvelopeSize))
		w.raw("</w:MaxEnvelopeSize>")
	}
	w.elem("a:MessageID", messageID)
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
		w.elem("w:OperationTimeout", FormatDuration(h.OperationTimeout))
	}
	if h.CompressionType != "" {
		w.raw(`<rsp:CompressionType s:mustUnderstand="true">`)
		w.text(h.CompressionType)
		w.raw("</rsp:CompressionType>")
	}
	if len(h.Selectors) > 0 {
		names := make([]string, 0, len(h.Selectors))
		for n := range h.Selectors {
			names = append(names, n)
		}
		sort.Strings(names)
		w.raw("<w:SelectorSet>")
		for _, n := range names {
			w.open("w:Selector")
			w.attr("Name", n)
			w.raw(">")
			w.text(h.Selectors[n])
			w.close("w:Selector")
		}
		w.raw("</w:SelectorSet>")
	}
	if len(opts) > 0 {
		w.raw(`<w:OptionSet s:mustUnderstand="true">`)
		for _, o := range opts {
			w.open("w:Option")
			w.attr("Name", o.Name)
			if o.MustComply {
				w.raw(` MustComply="true"`)
			}
			w.raw(">")
			w.text(o.Value)
			w.close("w:Option")
		}
		w.raw("</w:OptionSet>")
	}
	w.raw("</s:Header><s:Body>")
	body.appendBody(&w)
	w.raw("</s:Body></s:Envelope>")
	return w.b, messageID, nil
}

// base64 appends the standard encoding of b.
func (w *writer) base64(b []byte) { w.b = base64.StdEncoding.AppendEncode(w.b, b) }

func (c *Create) appendBody(w *writer) {
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
		w.elem("rsp:IdleTimeOut", FormatDuration(c.IdleTimeOut))
	}
	if c.CreationXML != nil {
		w.raw(`<creationXml xmlns="` + NSPowerShell + `">`)
		w.base64(c.CreationXML)
		w.raw("</creationXml>")
	}
	w.raw("</rsp:Shell>")
}

func (c *Command) appendBody(w *writer) {
	w.open("rsp:CommandLine")
	if c.CommandID != "" {
		w.attr("CommandId", c.CommandID)
	}
	w.raw(">")
	w.elem("rsp:Command", c.Command)
	w.raw("<rsp:Arguments>")
	w.base64(c.Arguments)
	w.raw("</rsp:Arguments></rsp:CommandLine>")
}

func (s *Send) appendBody(w *writer) {
	w.raw("<rsp:Send>")
	for _, st := range s.Streams {
		w.appendStream(st)
	}
	w.raw("</rsp:Send>")
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
	w.base64(st.Data)
	w.raw("</rsp:Stream>")
}

func (r *Receive) appendBody(w *writer) {
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
}

func (s *Signal) appendBody(w *writer) {
	w.open("rsp:Signal")
	if s.CommandID != "" {
		w.attr("CommandId", s.CommandID)
	}
	w.raw(">")
	w.elem("rsp:Code", s.Code)
	w.raw("</rsp:Signal>")
}

func (*Delete) appendBody(*writer) {}
func (*Get) appendBody(*writer)    {}

func (*Enumerate) appendBody(w *writer) {
	w.raw(`<n:Enumerate xmlns:n="` + NSEnumeration + `"/>`)
}
