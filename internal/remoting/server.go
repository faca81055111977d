package remoting

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ipps/ipps/internal/runspace"
)

// Server is the WS-Management endpoint: an http.Handler that authenticates
// every request, parses its SOAP envelope with package wsman and drives
// one psrp.ServerPool per shell. Create it with NewServer; stop it with
// Shutdown or Close.
type Server struct {
	cfg      Config
	auth     runspace.Authenticator
	provider runspace.Provider
	log      *slog.Logger
	reg      *registry

	// now is the clock; tests may replace it before serving.
	now func() time.Time
	// coalesceGap and coalesceMax bound how long a Receive with data waits
	// for more (see coalesce); tests may replace them before serving.
	coalesceGap, coalesceMax time.Duration

	reapStop chan struct{}
	reapDone chan struct{}
	stopOnce sync.Once
}

var _ http.Handler = (*Server)(nil)

// NewServer returns a Server for cfg (defaults filled in) that
// authenticates with auth and opens runspaces from provider. It starts the
// idle reaper; call Shutdown or Close to stop it. ippsd mounts the Server
// on its mux for every Endpoint path, e.g.
//
//	srv, _ := remoting.NewServer(remoting.Config{Endpoints: []remoting.Endpoint{
//		{Path: "/powershell-liveid", ResourceURI: remoting.ExchangeResourceURI}}}, auth, prov, log)
//	mux.Handle("/", srv) // the Server matches paths itself, case-insensitively
func NewServer(cfg Config, auth runspace.Authenticator, provider runspace.Provider, logger *slog.Logger) (*Server, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if auth == nil || provider == nil {
		return nil, errors.New("remoting: NewServer needs an Authenticator and a Provider")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg: cfg, auth: auth, provider: provider, log: logger, reg: newRegistry(),
		now: time.Now, coalesceGap: defaultCoalesceGap, coalesceMax: defaultCoalesceMax, reapStop: make(chan struct{}), reapDone: make(chan struct{}),
	}
	go s.reap()
	return s, nil
}

// endpointFor returns the endpoint whose path matches p case-insensitively,
// ignoring a ";..." suffix some clients put on the path.
func (s *Server) endpointFor(p string) (Endpoint, bool) {
	p, _, _ = strings.Cut(p, ";")
	p = strings.TrimSuffix(p, "/")
	for _, e := range s.cfg.Endpoints {
		if strings.EqualFold(strings.TrimSuffix(e.Path, "/"), p) {
			return e, true
		}
	}
	return Endpoint{}, false
}

// clientAddr returns the host part of r.RemoteAddr.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// maxBodySlack is how far past MaxEnvelopeSize the body read goes, so an
// oversized envelope is recognised (and answered with the fault) rather
// than cut silently.
const maxBodySlack = 1024

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ep, ok := s.endpointFor(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	addr := clientAddr(r)
	p, err := s.auth.Authenticate(r.Context(), r.Header.Get("Authorization"), addr)
	var refused *runspace.RefusedError
	switch {
	case err == nil && p != nil:
		p.ClientAddr = addr
	case errors.As(err, &refused):
		// Answer with the access fault once the envelope is parsed, so the
		// client sees the message text.
	default:
		if err != nil && !errors.Is(err, runspace.ErrUnauthenticated) {
			s.log.Warn("remoting: authenticator error", "addr", addr, "err", err)
		}
		s.unauthorized(w)
		return
	}
	body, bp, tooBig, err := readBody(r.Body, r.ContentLength, int64(s.cfg.MaxEnvelopeSize)+maxBodySlack)
	if err != nil {
		s.log.Debug("remoting: reading body", "err", err)
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	rc := &call{
		srv: s, w: w, ep: ep, principal: p, refused: refused, addr: addr,
		body: body, tooBig: tooBig,
	}
	rc.serve(r.Context())
	if !rc.keepBody {
		releaseBuffer(bp)
	}
}

// unauthorized answers 401 with a Basic challenge and no body.
func (s *Server) unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", fmt.Sprintf("Basic realm=%q", s.cfg.Realm))
	w.WriteHeader(http.StatusUnauthorized)
}
