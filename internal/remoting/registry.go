package remoting

import (
	"errors"
	"strings"
	"sync"
	"time"
)

// errShellExists is returned by registry.add for a ShellId already in use.
var errShellExists = errors.New("remoting: shell id already in use")

// registry holds the open shells keyed by upper-cased ShellId. It knows
// nothing about what a shell does; ownership and address checks live in
// lookup so that every operation applies them the same way.
type registry struct {
	mu     sync.Mutex
	shells map[string]*shell // guarded by mu
	// closed is set by Shutdown; add then fails. Guarded by mu.
	closed bool
}

func newRegistry() *registry { return &registry{shells: make(map[string]*shell)} }

func shellKey(id string) string { return strings.ToUpper(id) }

// add registers s. It fails if the id is taken or the registry is closed.
func (r *registry) add(s *shell) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errShuttingDown
	}
	k := shellKey(s.id)
	if _, ok := r.shells[k]; ok {
		return errShellExists
	}
	r.shells[k] = s
	return nil
}

// lookup returns the shell id if it exists, belongs to userID and, when
// bindAddr is set, was created from clientAddr. Every miss looks the same to
// the caller so that nothing about other principals' shells leaks.
func (r *registry) lookup(id, userID, clientAddr string, bindAddr bool) (*shell, bool) {
	r.mu.Lock()
	s, ok := r.shells[shellKey(id)]
	r.mu.Unlock()
	if !ok || s.owner != userID {
		return nil, false
	}
	if bindAddr && s.clientAddr != clientAddr {
		return nil, false
	}
	return s, true
}

// exists reports whether any principal holds a shell called id.
func (r *registry) exists(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.shells[shellKey(id)]
	return ok
}

// remove unregisters id and returns the shell it held, if any.
func (r *registry) remove(id string) (*shell, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := shellKey(id)
	s, ok := r.shells[k]
	delete(r.shells, k)
	return s, ok
}

// countOwned returns how many shells userID holds.
func (r *registry) countOwned(userID string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.shells {
		if s.owner == userID {
			n++
		}
	}
	return n
}

// takeIdle removes and returns the shells whose last use is before cutoff
// and that have no request in progress.
func (r *registry) takeIdle(cutoff time.Time) []*shell {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*shell
	for k, s := range r.shells {
		if s.idleSince(cutoff) {
			delete(r.shells, k)
			out = append(out, s)
		}
	}
	return out
}

// all returns a snapshot of the open shells.
func (r *registry) all() []*shell {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*shell, 0, len(r.shells))
	for _, s := range r.shells {
		out = append(out, s)
	}
	return out
}

// close refuses further adds and removes and returns every shell.
func (r *registry) close() []*shell {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	out := make([]*shell, 0, len(r.shells))
	for k, s := range r.shells {
		delete(r.shells, k)
		out = append(out, s)
	}
	return out
}
