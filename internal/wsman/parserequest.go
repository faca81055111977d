package wsman

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strconv"
	"strings"
)

// ParseRequest decodes a request envelope (server side). lim bounds the
// decoder; zero fields take the defaults, so a server passes its configured
// MaxEnvelopeSize there.
//
// Every error is a *Fault ready for MarshalFault. The returned *Request is
// non-nil whenever a:MessageID could be read — even with an error — so the
// caller can echo req.Header.MessageID in a:RelatesTo; it is nil when the
// envelope was too large or not well-formed.
//
// Faults: oversized → MaxEnvelopeSizeExceeded; malformed XML or not a SOAP
// 1.2 envelope → InvalidXML; depth/element/attribute limits → EncodingLimit;
// unknown mustUnderstand="true" header → MustUnderstand; bad MaxEnvelopeSize
// or OperationTimeout (e.g. PT-1S) → InvalidHeader; no Action or MessageID →
// MissingHeader; unsupported Action → ActionNotSupported; missing body
// element → InvalidBody; bad base64 or IdleTimeOut → InvalidXMLValues.
func ParseRequest(data []byte, lim Limits) (*Request, error) {
	return parseRequest(data, lim, true)
}

// parseRequest is ParseRequest, with the fast scanner (fast) or with
// encoding/xml only; both give the same result (FuzzFastPath).
func parseRequest(data []byte, lim Limits, fast bool) (*Request, error) {
	lim.SetDefaults()
	root, sc, err := decodeTree(data, lim, fast)
	if err != nil {
		return nil, treeFault(err)
	}
	defer sc.free()
	hdr, body := envelopeParts(root)
	req := &Request{}
	if id := hdr.child(NSAddressing, "MessageID"); id != nil {
		req.Header.MessageID = id.trimmed()
	}
	if err := parseHeader(hdr, &req.Header); err != nil {
		return req, err
	}
	if body == nil {
		return req, InvalidBody(errors.New("wsman: missing s:Body"))
	}
	b, err := parseBody(req.Header.Action, body)
	if err != nil {
		return req, err
	}
	req.Body = b
	return req, nil
}

// treeFault maps a decodeTree error to its fault.
func treeFault(err error) *Fault {
	switch {
	case errors.Is(err, ErrEnvelopeTooLarge):
		return MaxEnvelopeSizeExceeded(err)
	case errors.Is(err, ErrTooDeep), errors.Is(err, ErrTooManyElements), errors.Is(err, ErrTooManyAttrs):
		return EncodingLimit(err)
	}
	return InvalidXML(err)
}

// mustUnderstand reports whether e carries s:mustUnderstand="true" (or "1").
func mustUnderstand(e *element) bool {
	v, _ := e.attr(NSSoap, "mustUnderstand")
	v = strings.TrimSpace(v)
	return v == "true" || v == "1"
}

// parseHeader fills h from s:Header (which may be nil).
func parseHeader(hdr *element, h *Header) error {
	if hdr == nil {
		return MissingHeader(errors.New("wsman: missing s:Header"))
	}
	for _, e := range hdr.children {
		switch e.name {
		case xml.Name{Space: NSAddressing, Local: "Action"}:
			h.Action = e.trimmed()
		case xml.Name{Space: NSAddressing, Local: "To"}:
			h.To = e.trimmed()
		case xml.Name{Space: NSAddressing, Local: "MessageID"}:
			// ParseRequest has read it already; keep that string.
			if t := bytes.TrimSpace(e.text); string(t) != h.MessageID {
				h.MessageID = string(t)
			}
		case xml.Name{Space: NSAddressing, Local: "ReplyTo"}:
			h.ReplyTo = e.child(NSAddressing, "Address").trimmed()
		case xml.Name{Space: NSWSMan, Local: "ResourceURI"}:
			h.ResourceURI = e.trimmed()
		case xml.Name{Space: NSWSMan, Local: "MaxEnvelopeSize"}:
			text := e.trimmed()
			n, err := strconv.ParseUint(text, 10, 31)
			if err != nil || n == 0 {
				return InvalidHeader(&HeaderError{Header: "MaxEnvelopeSize", Value: text, Err: err})
			}
			h.MaxEnvelopeSize = int(n)
		case xml.Name{Space: NSWSMan, Local: "OperationTimeout"}:
			text := e.trimmed()
			d, err := ParseDuration(text)
			if err != nil {
				return InvalidHeader(&HeaderError{Header: "OperationTimeout", Value: text, Err: err})
			}
			h.OperationTimeout = d
		case xml.Name{Space: NSWSMan, Local: "Locale"}:
			h.Locale, _ = e.attr(NSXML, "lang")
		case xml.Name{Space: NSWSMV, Local: "DataLocale"}:
			h.DataLocale, _ = e.attr(NSXML, "lang")
		case xml.Name{Space: NSWSMV, Local: "SessionId"}:
			h.SessionID = e.trimmed()
		case xml.Name{Space: NSWSMan, Local: "SelectorSet"}:
			for _, s := range e.children {
				if s.name.Space != NSWSMan || s.name.Local != "Selector" {
					continue
				}
				name, ok := s.attr("", "Name")
				if !ok {
					return InvalidSelectors()
				}
				if h.Selectors == nil {
					h.Selectors = make(map[string]string, 1)
				}
				h.Selectors[name] = s.trimmed()
			}
		case xml.Name{Space: NSWSMan, Local: "OptionSet"}:
			for _, o := range e.children {
				if o.name.Space != NSWSMan || o.name.Local != "Option" {
					continue
				}
				name, _ := o.attr("", "Name")
				mc, _ := o.attr("", "MustComply")
				h.Options = append(h.Options, Option{Name: name, Value: o.trimmed(),
					MustComply: mc == "true" || mc == "1"})
			}
		case xml.Name{Space: NSShell, Local: "CompressionType"}:
			h.CompressionType = e.trimmed()
		case xml.Name{Space: NSWSMV, Local: "OperationID"},
			xml.Name{Space: NSWSMV, Local: "SequenceId"},
			xml.Name{Space: NSWSMV, Local: "ActivityId"}:
			// Windows-client bookkeeping; ignored.
		default:
			if mustUnderstand(e) {
				return MustUnderstand(e.name)
			}
		}
	}
	switch {
	case h.Action == "":
		return MissingHeader(&HeaderError{Header: "Action"})
	case h.MessageID == "":
		return MissingHeader(&HeaderError{Header: "MessageID"})
	}
	return nil
}

// parseBody decodes s:Body for action.
func parseBody(action string, body *element) (Body, error) {
	switch action {
	case ActionCreate:
		sh := body.child(NSShell, "Shell")
		if sh == nil {
			return nil, InvalidBody(errors.New("wsman: Create without rsp:Shell"))
		}
		c := &Create{}
		c.ShellID, _ = sh.attr("", "ShellId")
		c.Name, _ = sh.attr("", "Name")
		c.InputStreams = sh.child(NSShell, "InputStreams").trimmed()
		c.OutputStreams = sh.child(NSShell, "OutputStreams").trimmed()
		if it := sh.child(NSShell, "IdleTimeOut"); it != nil {
			d, err := ParseDuration(it.trimmed())
			if err != nil {
				return nil, InvalidXMLValues(err)
			}
			c.IdleTimeOut = d
		}
		if cx := sh.child(NSPowerShell, "creationXml"); cx != nil {
			b, err := decodeBase64("creationXml", cx.text)
			if err != nil {
				return nil, InvalidXMLValues(err)
			}
			c.CreationXML = b
		}
		return c, nil
	case ActionCommand:
		cl := body.child(NSShell, "CommandLine")
		if cl == nil {
			return nil, InvalidBody(errors.New("wsman: Command without rsp:CommandLine"))
		}
		c := &Command{Command: cl.child(NSShell, "Command").str()}
		c.CommandID, _ = cl.attr("", "CommandId")
		for _, a := range cl.children {
			if a.name.Space == NSShell && a.name.Local == "Arguments" {
				b, err := decodeBase64("Arguments", a.text)
				if err != nil {
					return nil, InvalidXMLValues(err)
				}
				if c.Arguments == nil && len(b) > 0 {
					c.Arguments = b // the common single rsp:Arguments
				} else {
					c.Arguments = append(c.Arguments, b...)
				}
			}
		}
		return c, nil
	case ActionSend:
		se := body.child(NSShell, "Send")
		if se == nil {
			return nil, InvalidBody(errors.New("wsman: Send without rsp:Send"))
		}
		s := &Send{}
		for _, st := range se.children {
			if st.name.Space != NSShell || st.name.Local != "Stream" {
				continue
			}
			var x Stream
			x.Name, _ = st.attr("", "Name")
			x.CommandID, _ = st.attr("", "CommandId")
			end, _ := st.attr("", "End")
			x.End = end == "true" || end == "1"
			b, err := decodeBase64("Stream", st.text)
			if err != nil {
				return nil, InvalidXMLValues(err)
			}
			x.Data = b
			s.Streams = append(s.Streams, x)
		}
		return s, nil
	case ActionReceive:
		re := body.child(NSShell, "Receive")
		ds := re.child(NSShell, "DesiredStream")
		if ds == nil {
			return nil, InvalidBody(errors.New("wsman: Receive without rsp:DesiredStream"))
		}
		r := &Receive{DesiredStream: ds.trimmed()}
		r.SequenceID, _ = re.attr("", "SequenceId")
		r.CommandID, _ = ds.attr("", "CommandId")
		return r, nil
	case ActionSignal:
		si := body.child(NSShell, "Signal")
		if si == nil {
			return nil, InvalidBody(errors.New("wsman: Signal without rsp:Signal"))
		}
		s := &Signal{Code: si.child(NSShell, "Code").trimmed()}
		s.CommandID, _ = si.attr("", "CommandId")
		return s, nil
	case ActionDelete:
		return &Delete{}, nil
	case ActionGet:
		return &Get{}, nil
	case ActionEnumerate:
		return &Enumerate{}, nil
	}
	return nil, ActionNotSupported(action)
}
