package remoting

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/wsman"
)

// wsClient performs WS-Man operations on one shell URI: it builds the
// envelope, posts it, checks RelatesTo and turns faults into
// *RemoteError values.
type wsClient struct {
	t           *transport
	resourceURI string
	maxEnv      int
	opTimeout   time.Duration
	sessionID   string
	// hdr caches the rendered header of the last endpoint URL and shell
	// id used: every request of a shell shares it but for its Action and
	// MessageID.
	hdr atomic.Pointer[shellHeader]
}

// shellHeader is the request header prepared for one URL and shell id.
type shellHeader struct {
	to, shellID string
	h           *wsman.RequestHeader
}

// header returns the header fields every request carries.
func (c *wsClient) header(to string) wsman.Header {
	return wsman.Header{
		To:               to,
		ResourceURI:      c.resourceURI,
		MaxEnvelopeSize:  c.maxEnv,
		OperationTimeout: c.opTimeout,
		Locale:           "en-US",
		DataLocale:       "en-US",
		SessionID:        c.sessionID,
	}
}

// marshal builds the envelope for body to shellID (none when empty) with
// the extra options opts, and returns it with its MessageID. Requests to
// a shell without extra options use the cached prepared header.
func (c *wsClient) marshal(shellID string, body wsman.Body, opts []wsman.Option) ([]byte, string, error) {
	to := c.t.currentURLString()
	if shellID == "" || len(opts) > 0 {
		h := c.header(to)
		h.Options = opts
		if shellID != "" {
			h.Selectors = map[string]string{wsman.SelectorShellID: shellID}
		}
		return wsman.MarshalRequest(h, body)
	}
	sh := c.hdr.Load()
	if sh == nil || sh.shellID != shellID || sh.to != to {
		h := c.header(to)
		h.Selectors = map[string]string{wsman.SelectorShellID: shellID}
		sh = &shellHeader{to: to, shellID: shellID, h: wsman.NewRequestHeader(h)}
		c.hdr.Store(sh)
	}
	return sh.h.Marshal(body)
}

func newWSClient(t *transport, resourceURI string, maxEnv int, opTimeout time.Duration) *wsClient {
	return &wsClient{t: t, resourceURI: resourceURI, maxEnv: maxEnv, opTimeout: opTimeout,
		sessionID: "uuid:" + uuid.NewString()}
}

// do sends body (to shellID unless empty) and returns the response body.
// opts are extra wsman:Option values; compression is never requested.
// The request is bounded by OperationTimeout plus requestGrace.
func (c *wsClient) do(ctx context.Context, shellID string, body wsman.Body, opts ...wsman.Option) (wsman.ResponseBody, error) {
	return c.doWithin(ctx, 0, shellID, body, opts...)
}

// doWithin is do with the request also bounded by limit, when positive:
// the same as do under context.WithTimeout(ctx, limit), with one timer
// instead of two.
func (c *wsClient) doWithin(ctx context.Context, limit time.Duration, shellID string, body wsman.Body, opts ...wsman.Option) (wsman.ResponseBody, error) {
	env, msgID, err := c.marshal(shellID, body, opts)
	if err != nil {
		return nil, fmt.Errorf("remoting: building %s: %w", opName(body), err)
	}
	// Bound every request: a long poll ends by OperationTimeout on the
	// server; anything far beyond it is a dead connection.
	bound := c.opTimeout + requestGrace
	if limit > 0 {
		bound = min(bound, limit)
	}
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	_, isCreate := body.(*wsman.Create)
	status, data, err := c.t.post(ctx, env, !isCreate)
	if err != nil {
		return nil, err
	}
	// ParseResponseBody copies what it returns, so the body can go back
	// to the pool right after.
	rb, err := wsman.ParseResponseBody(*data, wsman.Limits{MaxEnvelopeSize: c.maxEnv + maxResponseSlack}, msgID)
	releaseBuffer(data)
	if err != nil {
		var f *wsman.Fault
		if errors.As(err, &f) {
			return nil, &RemoteError{Op: opName(body), Fault: f}
		}
		return nil, fmt.Errorf("remoting: %s: HTTP %d: %w", opName(body), status, err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("remoting: %s: unexpected HTTP status %d", opName(body), status)
	}
	return rb, nil
}

// requestGrace is how long past OperationTimeout a request may take.
const requestGrace = 30 * time.Second

// opName names an operation for errors.
func opName(b wsman.Body) string {
	switch b.(type) {
	case *wsman.Create:
		return "Create"
	case *wsman.Command:
		return "Command"
	case *wsman.Send:
		return "Send"
	case *wsman.Receive:
		return "Receive"
	case *wsman.Signal:
		return "Signal"
	case *wsman.Delete:
		return "Delete"
	case *wsman.Get:
		return "Get"
	}
	return "request"
}

// receive long-polls target (the pool when commandID is empty) until the
// server returns data, re-issuing the Receive after TimedOut faults.
func (c *wsClient) receive(ctx context.Context, shellID, commandID string) (*wsman.ReceiveResponse, error) {
	for {
		rb, err := c.do(ctx, shellID, &wsman.Receive{DesiredStream: "stdout", CommandID: commandID, SequenceID: "0"})
		if errors.Is(err, ErrTimedOut) {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		rr, ok := rb.(*wsman.ReceiveResponse)
		if !ok {
			return nil, fmt.Errorf("remoting: Receive answered with %T", rb)
		}
		return rr, nil
	}
}
