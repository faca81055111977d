package remoting

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"

	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/wsman"
)

// call is one authenticated HTTP request being answered.
type call struct {
	srv       *Server
	w         http.ResponseWriter
	ep        Endpoint
	principal *runspace.Principal // nil when refused
	refused   *runspace.RefusedError
	addr      string
	body      []byte
	tooBig    bool
	// keepBody is set when body was handed to code that may read it
	// after serve returns (see bodypool.go), so it must not be recycled.
	keepBody bool
	req      *wsman.Request
}

// serve parses the envelope and dispatches on its action.
func (c *call) serve(ctx context.Context) {
	s := c.srv
	if c.tooBig {
		// The body was cut at the read cap, so the envelope cannot be
		// parsed; fault relates to the MessageID sniffed from its start.
		c.fault(wsman.MaxEnvelopeSizeExceeded(errors.New("remoting: request body exceeds MaxEnvelopeSize")))
		return
	}
	req, err := wsman.ParseRequest(c.body, wsman.Limits{MaxEnvelopeSize: s.cfg.MaxEnvelopeSize})
	c.req = req
	if err != nil {
		var f *wsman.Fault
		if !errors.As(err, &f) {
			f = wsman.InvalidXML(err)
		}
		c.fault(f)
		return
	}
	if c.refused != nil {
		c.fault(refusalFault(c.refused))
		return
	}
	switch b := req.Body.(type) {
	case *wsman.Get:
		// pypsrp's is_alive uses the generic shell URI.
		if req.Header.ResourceURI != wsman.ResourceShell && !c.resourceOK() {
			return
		}
		c.withShell(ctx, func(sh *shell) { s.get(c, sh) })
		return
	case *wsman.Create:
		if !c.resourceOK() {
			return
		}
		s.create(ctx, c, b)
		return
	}
	if !c.resourceOK() {
		return
	}
	switch b := req.Body.(type) {
	case *wsman.Command:
		c.withShell(ctx, func(sh *shell) { s.command(c, sh, b) })
	case *wsman.Send:
		c.withShell(ctx, func(sh *shell) { s.send(c, sh, b) })
	case *wsman.Receive:
		c.withShell(ctx, func(sh *shell) { s.receive(ctx, c, sh, b) })
	case *wsman.Signal:
		c.withShell(ctx, func(sh *shell) { s.signal(c, sh, b) })
	case *wsman.Delete:
		s.delete(ctx, c)
	default:
		c.fault(wsman.ActionNotSupported(req.Header.Action))
	}
}

// resourceOK checks the ResourceURI against the endpoint's, answering the
// DestinationUnreachable fault on a mismatch.
func (c *call) resourceOK() bool {
	if c.req.Header.ResourceURI == c.ep.ResourceURI {
		return true
	}
	c.fault(wsman.DestinationUnreachable(c.req.Header.ResourceURI))
	return false
}

// withShell resolves the ShellId selector to a shell owned by the caller
// and runs fn with the shell marked active. Unknown, foreign and closed
// shells all get the same shell-not-found fault, after the Forwarder (if
// any) has had its chance.
func (c *call) withShell(ctx context.Context, fn func(*shell)) {
	s := c.srv
	id := c.req.Header.ShellID()
	if id == "" {
		c.fault(wsman.InvalidSelectors())
		return
	}
	sh, ok := s.reg.lookup(id, c.principal.UserID, c.addr, s.cfg.BindClientAddress)
	if !ok || sh.isClosed() {
		if s.cfg.Forwarder != nil {
			c.keepBody = true
		}
		if s.cfg.Forwarder != nil && s.cfg.Forwarder.Forward(ctx, c.w, c.principal, c.body, id) {
			return
		}
		c.fault(wsman.ShellNotFound(id))
		return
	}
	sh.enter()
	defer func() { sh.leave(s.now()) }()
	fn(sh)
}

// refusalFault maps a Provider or Authenticator refusal to its fault, with
// the refusal message verbatim.
func refusalFault(r *runspace.RefusedError) *wsman.Fault {
	if r.Kind == runspace.RefusedQuota {
		f := wsman.QuotaLimit(0)
		f.Reason = r.Message
		f.Err = r
		return f
	}
	f := wsman.InternalError(r.Message)
	f.Err = r
	return f
}

// fault writes f as an HTTP 500 fault envelope relating to the request.
func (c *call) fault(f *wsman.Fault) {
	if f.Machine == "" {
		f.Machine = c.srv.cfg.MachineName
	}
	rp := wsman.Reply{}
	if c.req != nil {
		rp.RelatesTo = c.req.Header.MessageID
	} else {
		rp.RelatesTo = sniffMessageID(c.body)
	}
	if !errorsIsTimedOut(f) {
		c.srv.log.Debug("remoting: fault", "fault", f.Error(), "addr", c.addr)
	}
	c.write(f.HTTPStatus(), wsman.MarshalFault(rp, f))
}

// messageIDRE finds an a:MessageID in an envelope the XML decoder
// rejected (too large, too deep), so that even those faults relate to
// their request.
var messageIDRE = regexp.MustCompile(`<(?:[A-Za-z_][\w.-]*:)?MessageID(?:\s[^>]*)?>\s*(uuid:[0-9A-Fa-f-]{36})\s*</`)

// sniffMessageID returns the MessageID near the start of body, or "".
func sniffMessageID(body []byte) string {
	if len(body) > 16<<10 {
		body = body[:16<<10]
	}
	m := messageIDRE.FindSubmatch(body)
	if m == nil {
		return ""
	}
	return string(m[1])
}

func errorsIsTimedOut(f *wsman.Fault) bool { return f.WSManCode == wsman.CodeOperationTimedOut }

// respond writes a 200 response envelope.
func (c *call) respond(b []byte) { c.write(http.StatusOK, b) }

func (c *call) write(status int, b []byte) {
	h := c.w.Header()
	h.Set("Content-Type", wsman.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	c.w.WriteHeader(status)
	c.w.Write(b)
}

// reply returns the Reply for a successful response.
func (c *call) reply() wsman.Reply { return wsman.Reply{RelatesTo: c.req.Header.MessageID} }
