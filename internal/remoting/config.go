package remoting

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/ipps/ipps/internal/runspace"
)

// ExchangeResourceURI is the ResourceURI of the Exchange-style endpoint
// (Security & Compliance and Exchange Online).
const ExchangeResourceURI = "http://schemas.microsoft.com/powershell/Microsoft.Exchange"

// Defaults filled in by Config.SetDefaults.
const (
	// DefaultMaxEnvelopeSize is the largest request envelope the server
	// accepts; it matches what Windows clients send (512000).
	DefaultMaxEnvelopeSize = 512000
	// DefaultIdleTimeout is how long a shell may go without a request before
	// the reaper closes it; it is also advertised as rsp:IdleTimeOut.
	DefaultIdleTimeout = 2 * time.Hour
	// DefaultRealm is the Basic realm of the WWW-Authenticate challenge.
	DefaultRealm = "ipps"
)

// Endpoint is one URL path the server answers on and the ResourceURI that
// requests on it must carry.
type Endpoint struct {
	// Path is matched case-insensitively against the request path, for
	// example "/powershell-liveid". Any query (BasicAuthToOAuthConversion,
	// ";PSVersion=...") is accepted.
	Path string
	// ResourceURI is the shell URI, normally ExchangeResourceURI.
	ResourceURI string
}

// Metrics receives server events for ippsd's instrumentation. Every method
// is called synchronously from request or pipeline goroutines and must not
// block; a nil Metrics in Config disables the calls.
type Metrics interface {
	ShellOpened(userID string)
	// ShellClosed reports a closed shell; reason is "deleted" (client
	// Delete), "idle" (reaped), "closed" (Server.CloseShell) or
	// "shutdown".
	ShellClosed(userID string, reason string)
	// PipelineDone reports one pipeline: the name of its first command (or
	// "GetCommandMetadata"), its duration and its final state name
	// ("Completed", "Failed" or "Stopped").
	PipelineDone(command string, d time.Duration, state string)
}

// Forwarder is the scale-out seam: the server consults it for a ShellId it
// does not hold (or that p does not own) before answering "shell was not
// found". body is the request envelope as read. Forward returns true when
// it has written the response (for example by proxying to the replica that
// owns the shell, found through a shared ShellId→replica table); false lets
// the server answer the not-found fault. A nil Forwarder (the default)
// answers locally.
type Forwarder interface {
	Forward(ctx context.Context, w http.ResponseWriter, p *runspace.Principal, body []byte, shellID string) bool
}

// Config configures a Server. Copy it and call SetDefaults before
// Validate; NewServer does both.
type Config struct {
	// Endpoints lists the paths served. Default: "/powershell-liveid" with
	// ExchangeResourceURI.
	Endpoints []Endpoint
	// Realm is the Basic realm of 401 challenges.
	Realm string
	// MaxEnvelopeSize is the largest request envelope accepted; bigger
	// requests get the MaxEnvelopeSizeExceeded fault. The request body read
	// is capped a little above it.
	MaxEnvelopeSize int
	// IdleTimeout closes shells that received no request for this long.
	IdleTimeout time.Duration
	// ReapInterval is how often the reaper looks; default IdleTimeout/10,
	// at most one minute.
	ReapInterval time.Duration
	// BindClientAddress, when true, makes a shell usable only from the
	// client address that created it; requests from elsewhere get the
	// shell-not-found fault (the SNAT case). Off by default.
	BindClientAddress bool
	// OutputBufferBytes bounds the encoded output a pipeline may queue
	// before Output writes block for the client to receive (back-pressure).
	// Default 1 MiB.
	OutputBufferBytes int
	// MaxPipelinesPerShell caps the pipelines running at once in one shell
	// (WinRM's MaxConcurrentCommandsPerShell); more get a quota fault.
	// 0 means the psrp default (1000).
	MaxPipelinesPerShell int
	// MachineName is the Machine attribute of WSManFault elements.
	MachineName string
	// Metrics, if non-nil, receives shell and pipeline events.
	Metrics Metrics
	// Forwarder, if non-nil, is consulted for unknown ShellIds.
	Forwarder Forwarder
}

// SetDefaults fills zero fields with defaults.
func (c *Config) SetDefaults() {
	if len(c.Endpoints) == 0 {
		c.Endpoints = []Endpoint{{Path: "/powershell-liveid", ResourceURI: ExchangeResourceURI}}
	}
	for i := range c.Endpoints {
		if c.Endpoints[i].ResourceURI == "" {
			c.Endpoints[i].ResourceURI = ExchangeResourceURI
		}
	}
	if c.Realm == "" {
		c.Realm = DefaultRealm
	}
	if c.MaxEnvelopeSize == 0 {
		c.MaxEnvelopeSize = DefaultMaxEnvelopeSize
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.ReapInterval == 0 {
		c.ReapInterval = min(c.IdleTimeout/10, time.Minute)
	}
	if c.OutputBufferBytes == 0 {
		c.OutputBufferBytes = 1 << 20
	}
	if c.MachineName == "" {
		c.MachineName = "ippsd"
	}
}

// Validate reports a configuration the server cannot run with.
func (c *Config) Validate() error {
	var errs []error
	for _, e := range c.Endpoints {
		if !strings.HasPrefix(e.Path, "/") {
			errs = append(errs, fmt.Errorf("remoting: endpoint path %q must start with /", e.Path))
		}
	}
	if c.MaxEnvelopeSize < 8192 {
		errs = append(errs, fmt.Errorf("remoting: MaxEnvelopeSize %d is below 8192", c.MaxEnvelopeSize))
	}
	if c.IdleTimeout < 0 || c.ReapInterval <= 0 {
		errs = append(errs, errors.New("remoting: IdleTimeout and ReapInterval must be positive"))
	}
	return errors.Join(errs...)
}

// PlainHTTPAllowed reports whether a listener on addr (host:port, as given
// to net.Listen) may serve plain HTTP: only loopback listeners may, since
// the Basic credentials carry bearer tokens. "localhost" counts as
// loopback; an empty or unspecified host (all interfaces) does not.
func PlainHTTPAllowed(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.IsLoopback()
}
