package remoting

import (
	"context"
	"errors"
	"time"
)

// reap closes shells idle for longer than the configured IdleTimeout. It
// runs in its own goroutine until Close or Shutdown.
func (s *Server) reap() {
	defer close(s.reapDone)
	t := time.NewTicker(s.cfg.ReapInterval)
	defer t.Stop()
	for {
		select {
		case <-s.reapStop:
			return
		case now := <-t.C:
			s.reapOnce(now)
		}
	}
}

// reapOnce closes the shells idle since before now − IdleTimeout.
func (s *Server) reapOnce(now time.Time) {
	for _, sh := range s.reg.takeIdle(now.Add(-s.cfg.IdleTimeout)) {
		s.log.Info("remoting: reaping idle shell", "shell", sh.id, "user", sh.owner)
		s.closeShell(context.Background(), sh, "idle")
	}
}

// closeShell closes sh (stopping its pipelines and closing its runspace)
// and reports it to Metrics.
func (s *Server) closeShell(ctx context.Context, sh *shell, reason string) {
	if err := sh.close(ctx); err != nil {
		s.log.Warn("remoting: closing runspace", "shell", sh.id, "err", err)
	}
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.ShellClosed(sh.owner, reason)
	}
}

// ShellInfo describes an open shell, for ippsd's admin and shutdown code.
type ShellInfo struct {
	ID         string
	UserID     string
	ClientAddr string
	Created    time.Time
	LastUsed   time.Time
}

// Shells returns a snapshot of the open shells.
func (s *Server) Shells() []ShellInfo {
	var out []ShellInfo
	for _, sh := range s.reg.all() {
		sh.mu.Lock()
		out = append(out, ShellInfo{ID: sh.id, UserID: sh.owner, ClientAddr: sh.clientAddr, Created: sh.created, LastUsed: sh.lastUsed})
		sh.mu.Unlock()
	}
	return out
}

// CloseShell closes the shell id as if its owner had deleted it. It
// reports whether the shell existed.
func (s *Server) CloseShell(ctx context.Context, id string) bool {
	sh, ok := s.reg.remove(id)
	if ok {
		s.closeShell(ctx, sh, "closed")
	}
	return ok
}

// Shutdown stops accepting new shells, lets running pipelines finish until
// ctx ends, then closes every shell (stopping what still runs) and its
// runspace, and stops the reaper. It returns ctx.Err() if pipelines were
// still running when ctx ended. Requests on closed shells get the
// shell-not-found fault.
func (s *Server) Shutdown(ctx context.Context) error {
	shells := s.reg.close()
	var waitErr error
	for _, sh := range shells {
		if err := sh.waitPipelines(ctx); err != nil {
			waitErr = err
			break
		}
	}
	closeCtx := ctx
	if ctx.Err() != nil {
		// Pipelines are cancelled by close; give runspaces a moment.
		var cancel context.CancelFunc
		closeCtx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
	}
	for _, sh := range shells {
		s.closeShell(closeCtx, sh, "shutdown")
	}
	s.stopReaper()
	return waitErr
}

// Close closes every shell immediately and stops the reaper.
func (s *Server) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Shutdown(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func (s *Server) stopReaper() {
	s.stopOnce.Do(func() {
		close(s.reapStop)
		<-s.reapDone
	})
}
