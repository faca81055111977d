package wsman

// RequestHeader is a request header rendered once for many requests. A
// client sends every request of a shell with the same a:To, ResourceURI,
// ReplyTo, MaxEnvelopeSize, locales, SessionId, OperationTimeout and
// selector set; only a:Action, a:MessageID, the implied option and the
// body differ. Marshal writes the envelope MarshalRequest would write for
// the same header, byte for byte, without escaping the constant parts
// again.
//
// A RequestHeader is immutable and safe for concurrent use.
type RequestHeader struct {
	shellID string
	opts    []Option
	// toAction, actionToID and afterID are the header's parts around
	// the a:Action text and the a:MessageID text (see headerToAction).
	toAction   []byte
	actionToID []byte
	afterID    []byte
}

// NewRequestHeader renders h for Marshal. h.Action and h.MessageID are
// ignored (every request gets a fresh MessageID); h.Options and
// h.Selectors are copied.
func NewRequestHeader(h Header) *RequestHeader {
	var w writer
	w.headerToAction(&h)
	toAction := w.b
	w = writer{}
	w.headerActionToMessageID(&h)
	actionToID := w.b
	w = writer{}
	w.headerAfterMessageID(&h)
	return &RequestHeader{shellID: h.ShellID(), opts: append([]Option(nil), h.Options...),
		toAction: toAction, actionToID: actionToID, afterID: w.b}
}

// Marshal builds a request envelope for body under the prepared header,
// with a fresh MessageID, and returns it with that MessageID. Its errors
// are MarshalRequest's.
func (p *RequestHeader) Marshal(body Body) (data []byte, messageID string, err error) {
	if body == nil {
		return nil, "", errNilBody
	}
	if _, isCreate := body.(*Create); !isCreate && p.shellID == "" {
		if _, isEnum := body.(*Enumerate); !isEnum {
			return nil, "", ErrNoShellID
		}
	}
	var id [len(messageIDPlaceholder)]byte
	newMessageID(&id)
	messageID = string(id[:])
	action := body.Action()
	n := len(p.toAction) + len(action) + len(p.actionToID) + len(id) + len(p.afterID) + 200 + body.sizeHint()
	for _, o := range p.opts {
		n += 48 + len(o.Name) + len(o.Value)
	}
	w := writer{b: make([]byte, 0, n)}
	w.b = append(w.b, p.toAction...)
	w.text(action)
	w.b = append(w.b, p.actionToID...)
	w.b = append(w.b, id[:]...) // "uuid:" and hex digits: nothing to escape
	w.b = append(w.b, p.afterID...)
	w.optionsAndBody(p.opts, body)
	return w.b, messageID, nil
}
