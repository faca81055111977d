package scaleout

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/storage"
)

// HopHeader marks a request forwarded by a replica; its value is the
// forwarding replica's ID. A request that already carries it is never
// forwarded again, so two replicas that each believe the other owns a
// shell cannot bounce a request between them.
const HopHeader = "X-Ipps-Forwarded-By"

// DefaultForwardTimeout bounds one forwarded request. It must exceed the
// longest OperationTimeout clients ask for, because Receive long-polls for
// that long (Windows asks for 180 s, the ipps client for 60 s).
const DefaultForwardTimeout = 5 * time.Minute

// ForwarderConfig configures a Forwarder.
type ForwarderConfig struct {
	// ReplicaID is this replica's ID (the Replica's). Required.
	ReplicaID string
	// ReplicaTTL is how old an owner's heartbeat may be before requests
	// are no longer forwarded to it. Default DefaultReplicaTTL; use the
	// Replica's TTL.
	ReplicaTTL time.Duration
	// RootCAs verifies replicas that advertise https addresses (the
	// replica CA). Nil means the system roots.
	RootCAs *x509.CertPool
	// Timeout bounds one forwarded request. Default DefaultForwardTimeout.
	Timeout time.Duration
	// Client, if set, is used as is instead of the client built from
	// RootCAs (it should not follow redirects).
	Client *http.Client
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// SetDefaults fills zero fields.
func (c *ForwarderConfig) SetDefaults() {
	if c.ReplicaTTL <= 0 {
		c.ReplicaTTL = DefaultReplicaTTL
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultForwardTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Forwarder implements remoting.Forwarder over the shared lease table: a
// request for a shell held by another live replica is proxied to it.
// Mount the remoting server through Wrap, which gives Forward the request
// line and headers it needs:
//
//	fwd, _ := scaleout.NewForwarder(scaleout.ForwarderConfig{ReplicaID: id}, st, log)
//	srv, _ := remoting.NewServer(remoting.Config{Forwarder: fwd, ...}, auth, prov, log)
//	mux.Handle("/", fwd.Wrap(srv))
type Forwarder struct {
	cfg ForwarderConfig
	st  storage.LeaseStore
	hc  *http.Client
	log *slog.Logger
}

var _ remoting.Forwarder = (*Forwarder)(nil)

// NewForwarder returns a Forwarder reading leases and replicas from st.
func NewForwarder(cfg ForwarderConfig, st storage.LeaseStore, logger *slog.Logger) (*Forwarder, error) {
	cfg.SetDefaults()
	if cfg.ReplicaID == "" {
		return nil, ErrNoReplicaID
	}
	if st == nil {
		return nil, errors.New("scaleout: NewForwarder needs a LeaseStore")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	hc := cfg.Client
	if hc == nil {
		hc = &http.Client{
			Transport: &http.Transport{
				TLSClientConfig:     &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12},
				ForceAttemptHTTP2:   true,
				MaxIdleConnsPerHost: 32,
				IdleConnTimeout:     90 * time.Second,
				TLSHandshakeTimeout: 10 * time.Second,
			},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &Forwarder{cfg: cfg, st: st, hc: hc, log: logger.With("replica", cfg.ReplicaID)}, nil
}

// Close closes idle connections to other replicas.
func (f *Forwarder) Close() { f.hc.CloseIdleConnections() }

// inboundKey is the context key under which Wrap stores the request.
type inboundKey struct{}

// Wrap returns next with each request stored in its context, where
// Forward finds the method, path, query and headers to forward. Requests
// that do not pass through Wrap are never forwarded.
func (f *Forwarder) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), inboundKey{}, r)))
	})
}

func inbound(ctx context.Context) *http.Request {
	r, _ := ctx.Value(inboundKey{}).(*http.Request)
	return r
}

// Forward implements remoting.Forwarder. It proxies the request to the
// live replica holding shellID's lease and returns true once it has
// written that replica's answer (status, headers and body, verbatim). It
// returns false — so the server answers the shell-not-found fault — when
// the request did not pass through Wrap or was already forwarded, when
// there is no lease, when the lease is this replica's or another user's,
// when the owner is dead or unregistered, and when the owner cannot be
// reached. The owner authenticates the client's own Authorization header
// and checks ownership again.
func (f *Forwarder) Forward(ctx context.Context, w http.ResponseWriter, p *runspace.Principal, body []byte, shellID string) bool {
	in := inbound(ctx)
	if in == nil || p == nil {
		return false
	}
	if by := in.Header.Get(HopHeader); by != "" {
		f.log.DebugContext(ctx, "scaleout: not forwarding a forwarded request", "shell", shellID, "from", by)
		return false
	}
	target, ok := f.owner(ctx, p, shellID)
	if !ok {
		return false
	}
	err := f.proxy(ctx, w, in, body, target)
	switch {
	case err == nil:
		return true
	case errors.Is(err, errWritten):
		f.log.WarnContext(ctx, "scaleout: forwarded response cut short", "shell", shellID, "to", target.Host, "err", err)
		return true
	default:
		f.log.WarnContext(ctx, "scaleout: forwarding failed", "shell", shellID, "to", target.Host, "err", err)
		return false
	}
}

// owner returns the URL of the live replica other than this one that
// holds shellID's lease for p's user.
func (f *Forwarder) owner(ctx context.Context, p *runspace.Principal, shellID string) (*url.URL, bool) {
	lease, err := f.st.GetLease(ctx, shellID)
	if errors.Is(err, storage.ErrNotFound) && strings.ToUpper(shellID) != shellID {
		lease, err = f.st.GetLease(ctx, strings.ToUpper(shellID))
	}
	if err != nil {
		if !errors.Is(err, storage.ErrNotFound) {
			f.log.WarnContext(ctx, "scaleout: lease lookup failed", "shell", shellID, "err", err)
		}
		return nil, false
	}
	// A foreign shell gets the same not-found answer here as on its owner;
	// refusing early saves the hop and leaks nothing.
	if lease.ReplicaID == f.cfg.ReplicaID || !strings.EqualFold(lease.UserID, p.UserID) {
		return nil, false
	}
	rep, err := f.st.GetReplica(ctx, lease.ReplicaID)
	if err != nil {
		if !errors.Is(err, storage.ErrNotFound) {
			f.log.WarnContext(ctx, "scaleout: replica lookup failed", "owner", lease.ReplicaID, "err", err)
		}
		return nil, false
	}
	if !rep.HeartbeatAt.After(f.cfg.Now().Add(-f.cfg.ReplicaTTL)) {
		f.log.DebugContext(ctx, "scaleout: shell owner is dead", "shell", shellID, "owner", rep.ID, "heartbeat", rep.HeartbeatAt)
		return nil, false
	}
	u, err := url.Parse(rep.Address)
	if err != nil || u.Host == "" {
		f.log.WarnContext(ctx, "scaleout: bad replica address", "owner", rep.ID, "address", rep.Address)
		return nil, false
	}
	return u, true
}

// errWritten marks a proxy failure after the response had started.
var errWritten = errors.New("scaleout: response already started")

// forwardedRequestHeaders are copied from the client's request.
var forwardedRequestHeaders = []string{"Authorization", "Content-Type", "Accept-Encoding", "User-Agent"}

// hopByHop are response headers that belong to one connection.
var hopByHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Transfer-Encoding": true,
	"Te": true, "Trailer": true, "Upgrade": true, "Proxy-Authenticate": true,
}

// proxy sends the request to base (keeping in's method, path and query)
// and copies the answer to w.
func (f *Forwarder) proxy(ctx context.Context, w http.ResponseWriter, in *http.Request, body []byte, base *url.URL) error {
	target := *base
	target.Path, target.RawPath = in.URL.Path, in.URL.RawPath
	target.RawQuery = in.URL.RawQuery
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, in.Method, target.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("scaleout: building forwarded request: %w", err)
	}
	for _, k := range forwardedRequestHeaders {
		if v := in.Header.Values(k); len(v) > 0 {
			req.Header[k] = v
		}
	}
	req.Header.Set(HopHeader, f.cfg.ReplicaID)
	if host := remoteHost(in.RemoteAddr); host != "" {
		req.Header.Set("X-Forwarded-For", strings.Join(append(in.Header.Values("X-Forwarded-For"), host), ", "))
	}
	resp, err := f.hc.Do(req)
	if err != nil {
		return fmt.Errorf("scaleout: forwarding to %s: %w", base.Host, err)
	}
	defer resp.Body.Close()
	h := w.Header()
	for k, v := range resp.Header {
		if !hopByHop[k] {
			h[k] = v
		}
	}
	w.WriteHeader(resp.StatusCode)
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("%w: copying body from %s: %w", errWritten, base.Host, err)
	}
	return nil
}

// remoteHost returns the host part of a RemoteAddr.
func remoteHost(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}
