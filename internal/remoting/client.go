package remoting

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/psrp/fragment"
	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/wsman"
)

// Client defaults.
const (
	// DefaultClientMaxEnvelopeSize is what Windows clients send.
	DefaultClientMaxEnvelopeSize = 512000
	// DefaultOperationTimeout is the Receive long-poll length asked of the
	// server.
	DefaultOperationTimeout = 60 * time.Second
)

// ClientConfig configures Dial.
type ClientConfig struct {
	// URL is the endpoint, e.g.
	// "https://ps.compliance.protection.outlook.com/powershell-liveid?BasicAuthToOAuthConversion=true".
	URL string
	// Username is the Basic user: a UPN, or "OAuthUser@<tenant>".
	Username string
	// Password is the Basic password, normally "Bearer <token>". Ignored
	// when TokenSource is set.
	Password string
	// TokenSource, if set, is called before every request; the password
	// becomes "Bearer " + its result (so refreshed tokens are picked up).
	TokenSource func(ctx context.Context) (string, error)
	// HTTPClient, if set, is copied and used (a cookie jar is added if it
	// has none; redirects are always handled by the client). Otherwise a
	// client with TLSConfig is built.
	HTTPClient *http.Client
	TLSConfig  *tls.Config
	// ResourceURI defaults to ExchangeResourceURI.
	ResourceURI string
	// MaxEnvelopeSize is sent in every request and bounds what the client
	// sends; default DefaultClientMaxEnvelopeSize.
	MaxEnvelopeSize int
	// OperationTimeout is the Receive long-poll length; default 60 s.
	OperationTimeout time.Duration
	// Logger defaults to discarding.
	Logger *slog.Logger
}

// Client is an open RunspacePool (a WS-Man shell) on a remote endpoint.
// Its methods are safe for concurrent use; pipelines run concurrently.
type Client struct {
	ws      *wsClient
	log     *slog.Logger
	shellID string
	rpid    psrp.WireGUID
	ids     fragment.ObjectIDs
	// maxBlob is the largest raw payload put into one request.
	maxBlob int

	mu sync.Mutex
	// privateData is the server's APPLICATION_PRIVATE_DATA; guarded by mu.
	privateData psrp.ApplicationPrivateData
	// closed is set by Close; guarded by mu.
	closed bool
}

// requestOverhead is a generous bound on a request envelope without its
// base64 payload.
const requestOverhead = 4096

// Dial opens a shell: Create with SESSION_CAPABILITY and INIT_RUNSPACEPOOL
// in creationXml (the remainder, if any, via Send), then pool Receives
// until RUNSPACEPOOL_STATE Opened. Compression is never requested.
func Dial(ctx context.Context, cfg ClientConfig) (*Client, error) {
	if cfg.ResourceURI == "" {
		cfg.ResourceURI = ExchangeResourceURI
	}
	if cfg.MaxEnvelopeSize == 0 {
		cfg.MaxEnvelopeSize = DefaultClientMaxEnvelopeSize
	}
	if cfg.MaxEnvelopeSize < 2*requestOverhead {
		return nil, fmt.Errorf("remoting: MaxEnvelopeSize %d is too small", cfg.MaxEnvelopeSize)
	}
	if cfg.OperationTimeout == 0 {
		cfg.OperationTimeout = DefaultOperationTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	t, err := newTransport(&cfg)
	if err != nil {
		return nil, err
	}
	id := uuid.New()
	c := &Client{
		ws:      newWSClient(t, cfg.ResourceURI, cfg.MaxEnvelopeSize, cfg.OperationTimeout),
		log:     cfg.Logger,
		shellID: strings.ToUpper(id.String()),
		rpid:    psrp.WireGUIDFromGUID(clixml.GUID(id)),
		maxBlob: (cfg.MaxEnvelopeSize - requestOverhead) / 4 * 3,
	}
	if err := c.open(ctx); err != nil {
		t.closeIdle()
		return nil, err
	}
	return c, nil
}

// ShellID returns the shell's id.
func (c *Client) ShellID() string { return c.shellID }

// PrivateData returns the server's APPLICATION_PRIVATE_DATA.
func (c *Client) PrivateData() psrp.ApplicationPrivateData {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.privateData
}

// message encodes a client message for the pool (pid zero) or a pipeline.
func (c *Client) message(t psrp.MessageType, pid psrp.WireGUID, data []byte) []byte {
	m := psrp.Message{Destination: psrp.DestinationServer, Type: t, RPID: c.rpid, PID: pid, Data: data}
	return m.Encode()
}

// fragments cuts msgs into fragment chunks, each at most c.maxBlob bytes
// of whole fragments.
func (c *Client) fragments(msgs ...[]byte) [][]byte {
	var chunks [][]byte
	var cur []byte
	for _, m := range msgs {
		cursor := fragment.NewCursor(c.ids.Next(), m)
		for !cursor.Done() {
			room := c.maxBlob - len(cur) - fragment.HeaderSize
			if room < 1 {
				chunks = append(chunks, cur)
				cur = nil
				continue
			}
			cur, _ = cursor.AppendNext(cur, room)
		}
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}

func (c *Client) open(ctx context.Context) error {
	initMsg := psrp.InitRunspacePool{MinRunspaces: 1, MaxRunspaces: 1, ApartmentState: psrp.ApartmentUnknown, Host: psrp.NullHost}
	chunks := c.fragments(
		c.message(psrp.MsgSessionCapability, psrp.WireGUID{}, psrp.DefaultSessionCapability().Marshal()),
		c.message(psrp.MsgInitRunspacePool, psrp.WireGUID{}, initMsg.Marshal()),
	)
	rb, err := c.ws.do(ctx, "", &wsman.Create{ShellID: c.shellID, InputStreams: "stdin pr", OutputStreams: "stdout",
		CreationXML: chunks[0]})
	if err != nil {
		return err
	}
	cr, ok := rb.(*wsman.CreateResponse)
	if !ok {
		return fmt.Errorf("remoting: Create answered with %T", rb)
	}
	if cr.Shell.ShellID != "" {
		c.shellID = cr.Shell.ShellID
	}
	for _, ch := range chunks[1:] {
		if err := c.send(ctx, "", ch); err != nil {
			return err
		}
	}
	var d fragment.Defragmenter
	for {
		rr, err := c.ws.receive(ctx, c.shellID, "")
		if err != nil {
			return err
		}
		for _, st := range rr.Streams {
			msgs, err := d.Write(st.Data)
			if err != nil {
				return fmt.Errorf("remoting: opening pool: %w", err)
			}
			for _, raw := range msgs {
				m, err := psrp.DecodeMessage(raw)
				if err != nil {
					return fmt.Errorf("remoting: opening pool: %w", err)
				}
				done, err := c.poolMessage(m)
				if done || err != nil {
					return err
				}
			}
		}
	}
}

// poolMessage handles one message of the opening sequence; done is true
// once the pool is Opened.
func (c *Client) poolMessage(m psrp.Message) (done bool, err error) {
	switch m.Type {
	case psrp.MsgSessionCapability:
		cp, err := psrp.DecodeSessionCapability(m.Data)
		if err != nil {
			return false, err
		}
		return false, psrp.CheckProtocolVersion(cp.ProtocolVersion)
	case psrp.MsgApplicationPrivateData:
		pd, err := psrp.DecodeApplicationPrivateData(m.Data)
		if err != nil {
			return false, err
		}
		c.mu.Lock()
		c.privateData = pd
		c.mu.Unlock()
	case psrp.MsgRunspacePoolState:
		st, err := psrp.DecodeRunspacePoolState(m.Data)
		if err != nil {
			return false, err
		}
		switch st.State {
		case psrp.PoolOpened:
			return true, nil
		case psrp.PoolBroken, psrp.PoolClosed:
			if st.Error != nil {
				return true, fmt.Errorf("remoting: runspace pool %v: %w", st.State, &PipelineError{Record: st.Error})
			}
			return true, fmt.Errorf("remoting: runspace pool %v", st.State)
		}
	}
	return false, nil
}

// send posts one chunk of fragments on stdin to the pool or a command.
func (c *Client) send(ctx context.Context, commandID string, data []byte) error {
	_, err := c.ws.do(ctx, c.shellID, &wsman.Send{Streams: []wsman.Stream{{Name: "stdin", CommandID: commandID, Data: data}}})
	return err
}

// Alive reports whether the server still has the shell (a WS-Man Get).
func (c *Client) Alive(ctx context.Context) error {
	_, err := c.ws.do(ctx, c.shellID, &wsman.Get{})
	return err
}

// Close deletes the shell. Running pipelines are stopped by the server.
// Calling Close again returns nil.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	_, err := c.ws.do(ctx, c.shellID, &wsman.Delete{})
	c.ws.t.closeIdle()
	if errors.Is(err, ErrShellNotFound) {
		return nil
	}
	return err
}

// Commands returns the metadata of the remote commands matching names
// (wildcards; none means all) via GET_COMMAND_METADATA, as Import-PSSession
// does.
func (c *Client) Commands(ctx context.Context, names ...string) ([]runspace.CommandInfo, error) {
	if len(names) == 0 {
		names = []string{"*"}
	}
	q := psrp.GetCommandMetadata{Names: names, CommandType: psrp.CommandTypeImportDefault}
	var objs []clixml.Value
	err := c.run(ctx, psrp.MsgGetCommandMetadata, q.Marshal(), nil, Handlers{Output: func(v clixml.Value) { objs = append(objs, v) }})
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, errors.New("remoting: metadata reply without the Count object")
	}
	n, ok := psrp.DecodeCommandCount(objs[0])
	if !ok || n != len(objs)-1 {
		return nil, fmt.Errorf("remoting: metadata Count %d does not match %d commands", n, len(objs)-1)
	}
	out := make([]runspace.CommandInfo, 0, n)
	for _, v := range objs[1:] {
		m, err := psrp.DecodeCommandMetadata(v)
		if err != nil {
			return nil, fmt.Errorf("remoting: decoding command metadata: %w", err)
		}
		ci := runspace.CommandInfo{Name: m.Name, Module: m.Namespace, HelpURI: m.HelpURI, CommandType: m.CommandType, OutputType: m.OutputType}
		for _, p := range m.Parameters {
			ci.Parameters = append(ci.Parameters, runspace.ParameterInfo{Name: p.Name, Type: p.Type, Aliases: p.Aliases, Switch: p.SwitchParameter})
		}
		out = append(out, ci)
	}
	return out, nil
}
