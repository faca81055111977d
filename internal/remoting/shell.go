package remoting

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/ipps/ipps/internal/runspace"
)

// errShuttingDown is returned when a shell is created during Shutdown.
var errShuttingDown = errors.New("remoting: server is shutting down")

// errShellClosed is returned by waits on a shell that has been closed.
var errShellClosed = errors.New("remoting: shell closed")

// shell is one WS-Man shell: a PSRP RunspacePool bound to a Runspace.
//
// Requests on a shell serialize on mu only for the sans-I/O protocol
// state; long-polling Receives wait outside mu on the changed channel.
type shell struct {
	id          string
	owner       string // Principal.UserID of the creator
	clientAddr  string // client address at Create (for BindClientAddress)
	resourceURI string
	compress    bool // the client asked for xpress at Create
	rs          runspace.Runspace
	created     time.Time

	// ctx is cancelled when the shell closes; pipeline contexts derive
	// from it.
	ctx    context.Context
	cancel context.CancelFunc

	mu sync.Mutex
	// lastUsed is when the last request finished; guarded by mu.
	lastUsed time.Time
	// active counts requests in progress (a parked Receive keeps a shell
	// alive); guarded by mu.
	active int
	// closed is set once close begins; guarded by mu.
	closed bool
	// changed is closed and replaced whenever outbound data is queued or
	// the shell's state changes; waiters grab it under mu and select on it
	// outside. Guarded by mu.
	changed chan struct{}
	// core is the protocol state; guarded by mu.
	core *shellCore

	// pipelines tracks running Invoke goroutines.
	pipelines sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

func newShell(id, owner, addr, uri string, rs runspace.Runspace, now time.Time) *shell {
	ctx, cancel := context.WithCancel(context.Background())
	return &shell{
		id: id, owner: owner, clientAddr: addr, resourceURI: uri, rs: rs,
		created: now, lastUsed: now, ctx: ctx, cancel: cancel,
		changed: make(chan struct{}),
	}
}

// notifyLocked wakes every waiter. The caller holds mu.
func (s *shell) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
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

// close stops every pipeline (their contexts are cancelled), wakes parked
// Receives, waits for the Invoke goroutines to return (or ctx to end) and
// then calls Runspace.Close exactly once. Later calls return the first
// result.
func (s *shell) close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		if s.core != nil {
			s.core.closeLocked()
		}
		s.notifyLocked()
		s.mu.Unlock()
		s.cancel()
		done := make(chan struct{})
		go func() { s.pipelines.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
		}
		s.closeErr = s.rs.Close(ctx)
	})
	return s.closeErr
}

// waitPipelines waits until no Invoke goroutine is running or ctx ends.
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
