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

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp"
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
	// has none; redirects are always handled by the client), and its
	// connections stay the caller's: Close leaves them open for the other
	// Clients that may share them. Otherwise a client with TLSConfig is
	// built, and Close closes its idle connections.
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

// Client is an open RunspacePool (a WS-Man shell) on a remote endpoint,
// driving a psrp.ClientPool. Its methods are safe for concurrent use;
// pipelines run concurrently.
type Client struct {
	ws      *wsClient
	log     *slog.Logger
	pool    *psrp.ClientPool
	shellID string
	// maxBlob is the largest raw payload put into one request.
	maxBlob int
	events  eventRouter
	// term sends the Terminates of finished commands in the background.
	term terminator
	// bg tracks background Terminate signals; Close waits for them.
	bg sync.WaitGroup

	mu sync.Mutex
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
	// Input is handed over as a slice already in memory, so the queue
	// bound would only deadlock a large input before the first Send.
	pool, err := psrp.NewClientPool(psrp.ClientConfig{Config: psrp.Config{MaxQueuedBytes: -1}})
	if err != nil {
		return nil, err
	}
	c := &Client{
		ws:      newWSClient(t, cfg.ResourceURI, cfg.MaxEnvelopeSize, cfg.OperationTimeout),
		log:     cfg.Logger,
		pool:    pool,
		shellID: pool.ShellID(),
		maxBlob: (cfg.MaxEnvelopeSize - requestOverhead) / 4 * 3,
	}
	c.events.init()
	c.term.init()
	if err := c.open(ctx); err != nil {
		pool.Close()
		t.closeIdle()
		return nil, err
	}
	return c, nil
}

// ShellID returns the shell's id.
func (c *Client) ShellID() string { return c.shellID }

// PrivateData returns the server's APPLICATION_PRIVATE_DATA (nil if none
// arrived).
func (c *Client) PrivateData() *psrp.ApplicationPrivateData { return c.pool.ApplicationPrivateData() }

// Pool returns the underlying psrp.ClientPool, e.g. for
// EncryptSecureString after StartKeyExchange.
func (c *Client) Pool() *psrp.ClientPool { return c.pool }

func (c *Client) open(ctx context.Context) error {
	first, _ := c.pool.DataToSend(psrp.PoolTarget, c.maxBlob)
	rb, err := c.ws.do(ctx, "", &wsman.Create{ShellID: c.shellID, InputStreams: "stdin pr", OutputStreams: "stdout",
		CreationXML: first})
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
	if err := c.openPool(ctx); err != nil {
		// Do not leave a half-open shell behind on the server.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		c.ws.do(dctx, c.shellID, &wsman.Delete{})
		return err
	}
	return nil
}

// openPool sends what did not fit in creationXml and receives until the
// pool is Opened.
func (c *Client) openPool(ctx context.Context) error {
	if err := c.flush(ctx, psrp.PoolTarget); err != nil {
		return err
	}
	for {
		switch st := c.pool.State(); st {
		case psrp.PoolOpened:
			c.events.forget("")
			return nil
		case psrp.PoolBroken, psrp.PoolClosed:
			return c.poolFailure(st)
		}
		rr, err := c.ws.receive(ctx, c.shellID, "")
		if err != nil {
			return err
		}
		for _, s := range rr.Streams {
			if err := c.pool.ReceiveData(psrp.PoolTarget, psrp.StreamStdin, s.Data); err != nil {
				return fmt.Errorf("remoting: opening pool: %w", err)
			}
			c.events.drain(c.pool)
		}
	}
}

// poolFailure describes a Broken or Closed pool, with the server's record.
func (c *Client) poolFailure(st psrp.RunspacePoolState) error {
	for _, ev := range c.events.take("") {
		if se, ok := ev.(psrp.RunspacePoolStateEvent); ok && se.State.Error != nil {
			return fmt.Errorf("remoting: runspace pool %v: %w", st, &PipelineError{Record: se.State.Error})
		}
	}
	return fmt.Errorf("remoting: runspace pool %v", st)
}

// flush sends everything queued for target (the pool or a command) with
// Send requests of at most maxBlob bytes.
func (c *Client) flush(ctx context.Context, target string) error {
	for {
		data, _ := c.pool.DataToSend(target, c.maxBlob)
		if len(data) == 0 {
			return nil
		}
		if err := c.send(ctx, target, data); err != nil {
			return err
		}
	}
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
	c.term.stopTerminators()
	c.bg.Wait()
	_, err := c.ws.do(ctx, c.shellID, &wsman.Delete{})
	c.pool.Close()
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
	pl, err := c.pool.GetCommandMetadata(psrp.GetCommandMetadata{Names: names, CommandType: psrp.CommandTypeImportDefault})
	if err != nil {
		return nil, fmt.Errorf("remoting: %w", err)
	}
	var objs []clixml.Value
	if err := c.run(ctx, pl, Handlers{Output: func(v clixml.Value) { objs = append(objs, v) }}); err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, errors.New("remoting: metadata reply without the Count object")
	}
	n, ok := psrp.DecodeCommandCount(objs[0])
	if !ok || n != len(objs)-1 {
		return nil, fmt.Errorf("remoting: metadata Count %d does not match %d commands", n, len(objs)-1)
	}
	ms := make([]psrp.CommandMetadata, 0, n)
	total := 0
	for i, v := range objs[1:] {
		m, err := psrp.DecodeCommandMetadata(v)
		if err != nil {
			return nil, fmt.Errorf("remoting: decoding command metadata: %w", err)
		}
		objs[i+1] = nil
		ms = append(ms, m)
		total += len(m.Parameters)
	}
	return commandInfos(ms, total), nil
}

// commandInfos converts decoded metadata for keeping: the parameters of
// all commands share one exactly sized array, and the strings that repeat
// across commands (parameter names and types, the common parameters'
// aliases, module names) are stored once. An imported command list is
// held for the whole session, and on Exchange Online most of its
// parameters are the same dozen common ones.
func commandInfos(ms []psrp.CommandMetadata, totalParams int) []runspace.CommandInfo {
	in := interner{strs: map[string]string{}, lists: map[string][]string{}}
	slab := make([]runspace.ParameterInfo, 0, totalParams)
	out := make([]runspace.CommandInfo, 0, len(ms))
	for _, m := range ms {
		ci := runspace.CommandInfo{Name: m.Name, Module: in.str(m.Namespace), HelpURI: m.HelpURI,
			CommandType: m.CommandType, OutputType: in.list(m.OutputType)}
		start := len(slab)
		for _, p := range m.Parameters {
			slab = append(slab, runspace.ParameterInfo{Name: in.str(p.Name), Type: in.str(p.Type),
				Aliases: in.list(p.Aliases), Switch: p.SwitchParameter})
		}
		if len(slab) > start {
			ci.Parameters = slab[start:len(slab):len(slab)]
		}
		out = append(out, ci)
	}
	return out
}

// interner returns one shared copy of equal strings and string lists.
// Shared lists have cap == len, so appending to one copies it.
type interner struct {
	strs  map[string]string
	lists map[string][]string
}

func (in *interner) str(s string) string {
	if s == "" {
		return ""
	}
	if t, ok := in.strs[s]; ok {
		return t
	}
	s = strings.Clone(s) // don't keep a decode buffer alive through s
	in.strs[s] = s
	return s
}

func (in *interner) list(l []string) []string {
	if len(l) == 0 {
		return l
	}
	key := strings.Join(l, "\x00")
	if t, ok := in.lists[key]; ok {
		return t
	}
	t := make([]string, len(l))
	for i, s := range l {
		t[i] = in.str(s)
	}
	in.lists[key] = t
	return t
}

// StartKeyExchange runs the PSRP session-key exchange (PUBLIC_KEY →
// ENCRYPTED_SESSION_KEY, MS-PSRP 3.1.4.10) on the pool, after which
// Pool().EncryptSecureString produces SecureString arguments the server
// can decrypt.
func (c *Client) StartKeyExchange(ctx context.Context) error {
	if err := c.pool.StartKeyExchange(); err != nil {
		return fmt.Errorf("remoting: %w", err)
	}
	if err := c.flush(ctx, psrp.PoolTarget); err != nil {
		return err
	}
	for {
		for _, ev := range c.events.take("") {
			if _, ok := ev.(psrp.KeyExchangeEvent); ok {
				return nil
			}
		}
		rr, err := c.ws.receive(ctx, c.shellID, "")
		if err != nil {
			return err
		}
		for _, s := range rr.Streams {
			if err := c.pool.ReceiveData(psrp.PoolTarget, psrp.StreamStdin, s.Data); err != nil {
				return fmt.Errorf("remoting: key exchange: %w", err)
			}
			c.events.drain(c.pool)
		}
	}
}
