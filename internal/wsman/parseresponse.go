package wsman

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrRelatesToMismatch is wrapped by RelatesToError.
var ErrRelatesToMismatch = errors.New("wsman: RelatesTo does not match the request MessageID")

// RelatesToError reports a response whose a:RelatesTo is not the MessageID
// of the request it answers (a misrouted or stale response).
type RelatesToError struct {
	Want, Got string
}

func (e *RelatesToError) Error() string {
	return fmt.Sprintf("wsman: RelatesTo %q does not match request MessageID %q", e.Got, e.Want)
}

// Unwrap returns ErrRelatesToMismatch.
func (e *RelatesToError) Unwrap() error { return ErrRelatesToMismatch }

// ResponseError reports a success envelope the client cannot use: unknown
// action, or a body missing what the action requires.
type ResponseError struct {
	Action string
	Reason string
	Err    error
}

func (e *ResponseError) Error() string {
	s := "wsman: bad " + e.Action + " response: " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *ResponseError) Unwrap() error { return e.Err }

// Response is a parsed response envelope (client side).
type Response struct {
	Action    string
	MessageID string
	RelatesTo string
	// Body is one of *CreateResponse, *CommandResponse, *SendResponse,
	// *ReceiveResponse, *SignalResponse, *DeleteResponse, *GetResponse; nil
	// for a fault.
	Body ResponseBody
}

// ParseResponse decodes a response envelope (client side). lim bounds the
// decoder as in ParseRequest.
//
// An s:Fault body yields the partly filled *Response and a *Fault error
// (classify it with errors.Is against ErrShellNotFound etc.); a fault is
// returned even if its RelatesTo is off, as it says more than the mismatch.
// Otherwise, when wantRelatesTo is not empty and differs from a:RelatesTo,
// the error is a *RelatesToError. Undecodable XML yields an error wrapping
// the decoder sentinel (ErrMalformedXML, ErrEnvelopeTooLarge, ...).
func ParseResponse(data []byte, lim Limits, wantRelatesTo string) (*Response, error) {
	return parseResponse(data, lim, wantRelatesTo, true)
}

// ParseResponseBody is ParseResponse for a client that needs only the
// body: it returns the Body that ParseResponse's *Response would hold,
// and the same errors, without copying the header's a:MessageID and
// a:RelatesTo out of the envelope.
func ParseResponseBody(data []byte, lim Limits, wantRelatesTo string) (ResponseBody, error) {
	var r Response
	_, err := parseResponseInto(&r, data, lim, wantRelatesTo, true, false)
	return r.Body, err
}

// parseResponse is ParseResponse, with the fast scanner (fast) or with
// encoding/xml only; both give the same result (FuzzFastPath).
func parseResponse(data []byte, lim Limits, wantRelatesTo string, fast bool) (*Response, error) {
	r := &Response{}
	parsed, err := parseResponseInto(r, data, lim, wantRelatesTo, fast, true)
	if !parsed {
		return nil, err
	}
	return r, err
}

// parseResponseInto fills r from the envelope in data; parsed is false
// when data is not an envelope at all (err says why). With header false,
// r.MessageID and r.RelatesTo are left empty (a:RelatesTo is still
// checked), as ParseResponseBody needs neither.
func parseResponseInto(r *Response, data []byte, lim Limits, wantRelatesTo string, fast, header bool) (parsed bool, err error) {
	lim.SetDefaults()
	root, sc, err := decodeTree(data, lim, fast)
	if err != nil {
		return false, err
	}
	defer sc.free()
	hdr, body := envelopeParts(root)
	r.Action = hdr.child(NSAddressing, "Action").trimmed()
	relatesTo := hdr.child(NSAddressing, "RelatesTo")
	if header {
		r.MessageID = hdr.child(NSAddressing, "MessageID").trimmed()
		r.RelatesTo = relatesTo.trimmed()
	}
	if fe := body.child(NSSoap, "Fault"); fe != nil {
		return true, parseFault(fe)
	}
	if wantRelatesTo != "" && !relatesTo.textIs(wantRelatesTo) {
		return true, &RelatesToError{Want: wantRelatesTo, Got: relatesTo.trimmed()}
	}
	if body == nil {
		return true, &ResponseError{Action: r.Action, Reason: "missing s:Body"}
	}
	b, err := parseResponseBody(r.Action, body)
	if err != nil {
		return true, err
	}
	r.Body = b
	return true, nil
}

func parseResponseBody(action string, body *element) (ResponseBody, error) {
	bad := func(reason string, err error) (ResponseBody, error) {
		return nil, &ResponseError{Action: action, Reason: reason, Err: err}
	}
	switch action {
	case actionCreateResponse:
		rc := body.child(NSTransfer, "ResourceCreated")
		ref := rc.child(NSAddressing, "ReferenceParameters")
		c := &CreateResponse{Address: rc.child(NSAddressing, "Address").trimmed()}
		if sh := body.child(NSShell, "Shell"); sh != nil {
			c.Shell = parseShellInfo(sh)
		}
		// Like pypsrp, the ShellId comes only from the selector set.
		c.Shell.ShellID = ""
		if set := ref.child(NSWSMan, "SelectorSet"); set != nil {
			for _, s := range set.children {
				if n, _ := s.attr("", "Name"); n == SelectorShellID && s.name.Space == NSWSMan {
					c.Shell.ShellID = s.trimmed()
				}
			}
		}
		if c.Shell.ShellID == "" {
			return bad("no ShellId selector in x:ResourceCreated", nil)
		}
		if u := ref.child(NSWSMan, "ResourceURI").trimmed(); u != "" {
			c.Shell.ResourceURI = u
		}
		return c, nil
	case actionCommandResponse:
		id := body.child(NSShell, "CommandResponse").child(NSShell, "CommandId").trimmed()
		if id == "" {
			return bad("no rsp:CommandId", nil)
		}
		return &CommandResponse{CommandID: id}, nil
	case actionSendResponse:
		return &SendResponse{}, nil
	case actionReceiveResponse:
		re := body.child(NSShell, "ReceiveResponse")
		if re == nil {
			return bad("no rsp:ReceiveResponse", nil)
		}
		r := &ReceiveResponse{}
		r.SequenceID, _ = re.attr("", "SequenceId")
		for _, e := range re.children {
			if e.name.Space != NSShell {
				continue
			}
			switch e.name.Local {
			case "Stream":
				var s Stream
				s.Name, _ = e.attr("", "Name")
				s.CommandID, _ = e.attr("", "CommandId")
				end, _ := e.attr("", "End")
				s.End = end == "true" || end == "1"
				d, err := decodeBase64("Stream", e.text)
				if err != nil {
					return bad("stream data", err)
				}
				s.Data = d
				r.Streams = append(r.Streams, s)
			case "CommandState":
				cs := &CommandState{}
				cs.CommandID, _ = e.attr("", "CommandId")
				cs.State, _ = e.attr("", "State")
				if ec := e.child(NSShell, "ExitCode"); ec != nil {
					n, err := strconv.Atoi(ec.trimmed())
					if err != nil {
						return bad("exit code", err)
					}
					cs.ExitCode = n
				}
				r.State = cs
			}
		}
		return r, nil
	case actionSignalResponse:
		return &SignalResponse{}, nil
	case actionDeleteResponse:
		return &DeleteResponse{}, nil
	case actionGetResponse:
		sh := body.child(NSShell, "Shell")
		if sh == nil {
			return bad("no rsp:Shell", nil)
		}
		return &GetResponse{Shell: parseShellInfo(sh)}, nil
	}
	return bad("unknown action", nil)
}

// parseShellInfo reads rsp:Shell; an unparsable IdleTimeOut reads as 0.
func parseShellInfo(sh *element) ShellInfo {
	get := func(local string) string { return sh.child(NSShell, local).trimmed() }
	s := ShellInfo{
		ShellID:         get("ShellId"),
		ResourceURI:     get("ResourceUri"),
		Owner:           get("Owner"),
		ClientIP:        get("ClientIP"),
		InputStreams:    get("InputStreams"),
		OutputStreams:   get("OutputStreams"),
		CompressionMode: get("CompressionMode"),
		State:           get("State"),
	}
	s.IdleTimeOut, _ = ParseDuration(get("IdleTimeOut"))
	return s
}

// parseFault reads an s:Fault (pypsrp's rules): WSManCode from
// f:WSManFault/@Code; Message is all text under f:Message; Provider from
// f:ProviderFault; Reason from s:Reason/s:Text.
func parseFault(fe *element) *Fault {
	f := &Fault{}
	code := fe.child(NSSoap, "Code")
	if v := code.child(NSSoap, "Value").trimmed(); v != "" {
		_, f.Code, _ = cutPrefix(v)
	}
	if sv := code.child(NSSoap, "Subcode").child(NSSoap, "Value"); sv != nil {
		f.Subcode = resolveQName(sv, sv.trimmed())
	}
	f.Reason = fe.child(NSSoap, "Reason").child(NSSoap, "Text").str()
	detail := fe.child(NSSoap, "Detail")
	f.Detail = detail.child(NSWSMan, "FaultDetail").trimmed()
	if wf := detail.child(NSFault, "WSManFault"); wf != nil {
		if c, ok := wf.attr("", "Code"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(c), 10, 32)
			if err == nil {
				f.WSManCode = uint32(n)
			}
		}
		f.Machine, _ = wf.attr("", "Machine")
		msg := wf.child(NSFault, "Message")
		f.Message = msg.deepText()
		if pf := msg.child(NSFault, "ProviderFault"); pf != nil {
			p := &ProviderFault{Text: pf.deepText()}
			p.Provider, _ = pf.attr("", "provider")
			p.Path, _ = pf.attr("", "path")
			f.Provider = p
		}
	}
	return f
}

// cutPrefix splits "p:local" into p and local; an unprefixed name has p "".
func cutPrefix(qname string) (prefix, local string, ok bool) {
	if i := strings.IndexByte(qname, ':'); i >= 0 {
		return qname[:i], qname[i+1:], true
	}
	return "", qname, false
}

// resolveQName resolves a QName in element content (e.g. "w:TimedOut" in
// s:Subcode/s:Value) against the namespace declarations in scope at e. An
// undeclared prefix resolves to itself as the namespace.
func resolveQName(e *element, qname string) xml.Name {
	prefix, local, hasPrefix := cutPrefix(qname)
	for x := e; x != nil; x = x.parent {
		for _, a := range x.attrs {
			if hasPrefix && a.Name.Space == "xmlns" && a.Name.Local == prefix ||
				!hasPrefix && a.Name.Space == "" && a.Name.Local == "xmlns" {
				return xml.Name{Space: a.Value, Local: local}
			}
		}
	}
	return xml.Name{Space: prefix, Local: local}
}
