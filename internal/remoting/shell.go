package remoting

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/runspace"
)

// errShuttingDown is returned when a shell is created during Shutdown.
var errShuttingDown = errors.New("remoting: server is shutting down")

// shell is one WS-Man shell: a psrp.ServerPool (the sans-I/O RunspacePool
// state and per-target outbound queues) bound to a Runspace, plus the
// commands (WS-Man CommandIds) the transport runs for it.
//
// Lock order: feedMu, then mu; the pool has its own lock and is never
// called with mu held across a blocking operation.
type shell struct {
	id          string
	owner       string // Principal.UserID of the creator
	clientAddr  string // client address at Create (for BindClientAddress)
	resourceURI string
	compress    bool // the client asked for xpress at Create
	rs          runspace.Runspace
	created     time.Time
	pool        *psrp.ServerPool

	// ctx is cancelled when the shell closes; pipeline contexts derive
	// from it.
	ctx    context.Context
	cancel context.CancelFunc
	// done is closed when close begins; parked Receives select on it.
	done chan struct{}

	// feedMu serializes ReceiveData and the draining of its events, so
	// that pipeline input is delivered in the order it was sent.
	feedMu sync.Mutex

	mu sync.Mutex
	// lastUsed is when the last request finished; guarded by mu.
	lastUsed time.Time
	// active counts requests in progress (a parked Receive keeps a shell
	// alive); guarded by mu.
	active int
	// closed is set once close begins; guarded by mu.
	closed bool
	// commands holds the commands by upper-case CommandId; it is nil
	// while the shell has none, so an idle shell holds no map. Guarded by
	// mu.
	commands map[string]*command

	// pipelines tracks running Invoke and input-pump goroutines.
	pipelines sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

func newShell(id, owner, addr, uri string, rs runspace.Runspace, now time.Time) *shell {
	ctx, cancel := context.WithCancel(context.Background())
	return &shell{
		id: id, owner: owner, clientAddr: addr, resourceURI: uri, rs: rs,
		created: now, lastUsed: now, ctx: ctx, cancel: cancel,
		done: make(chan struct{}),
	}
}

// enter marks a request in progress; leave marks it finished at now.
func (s *shell) enter() {
	s.mu.Lock()
	s.active++
	s.mu.Unlock()
}

func (s *shell) leave(now time.Time) {
	s.mu.Lock()
	s.active--
	s.lastUsed = now
	s.mu.Unlock()
}

// idleSince reports whether s has no request in progress and was last used
// before cutoff.
func (s *shell) idleSince(cutoff time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active == 0 && s.lastUsed.Before(cutoff)
}

// isClosed reports whether close has begun.
func (s *shell) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// close stops every pipeline (their contexts are cancelled and the pool
// is closed, which fails blocked writes), wakes parked Receives, waits for
// the Invoke goroutines to return (or ctx to end) and then calls
// Runspace.Close exactly once. Later calls return the first result.
func (s *shell) close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		for k, cmd := range s.commands {
			delete(s.commands, k)
			close(cmd.gone)
		}
		s.mu.Unlock()
		close(s.done)
		s.cancel()
		if s.pool != nil {
			s.pool.Close()
		}
		s.waitPipelines(ctx)
		s.closeErr = s.rs.Close(ctx)
	})
	return s.closeErr
}

// waitPipelines waits until no pipeline goroutine is running or ctx ends.
func (s *shell) waitPipelines(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.pipelines.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
