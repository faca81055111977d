package load

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"

	"github.com/ipps/ipps/internal/remoting"
)

// ErrorKind names a class of failure in reports: "timeout", "quota",
// "shell-not-found", "access-denied", "cmdlet:<FullyQualifiedErrorId>",
// "wsman-fault", "connection-refused", "connection-reset" or "other".
type ErrorKind string

// classify maps a cmdlet or shell error to its ErrorKind.
func classify(err error) ErrorKind {
	var pe *remoting.PipelineError
	var re *remoting.RemoteError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, remoting.ErrQuotaExceeded):
		return "quota"
	case errors.Is(err, remoting.ErrShellNotFound):
		return "shell-not-found"
	case errors.Is(err, remoting.ErrAccessDenied):
		return "access-denied"
	case errors.As(err, &pe):
		// CategoryReason is the exception's short name; the
		// FullyQualifiedErrorId embeds the server and a hash.
		id := pe.Record.CategoryReason
		if id == "" {
			id, _, _ = strings.Cut(pe.Record.FullyQualifiedErrorID, ",")
		}
		return ErrorKind("cmdlet:" + id)
	case errors.As(err, &re):
		return "wsman-fault"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection-refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.EPIPE):
		return "connection-reset"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "other"
}

// notFound reports whether the cmdlet failed because the object does not
// exist (ManagementObjectNotFoundException).
func (k ErrorKind) notFound() bool {
	return strings.HasPrefix(string(k), "cmdlet:") && strings.Contains(string(k), "NotFound")
}

// shellLost reports whether a kind means the shell's replica is gone, so
// the worker stops using the shell.
func (k ErrorKind) shellLost() bool {
	return k == "connection-refused" || k == "connection-reset" || k == "shell-not-found"
}

// ErrorCounts tallies errors by kind and keeps the first message of each.
// It is safe for concurrent use.
type ErrorCounts struct {
	mu       sync.Mutex
	counts   map[ErrorKind]int
	examples map[ErrorKind]string
}

// Add counts err under its kind and returns the kind.
func (e *ErrorCounts) Add(err error) ErrorKind {
	k := classify(err)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.counts == nil {
		e.counts, e.examples = map[ErrorKind]int{}, map[ErrorKind]string{}
	}
	e.counts[k]++
	if _, ok := e.examples[k]; !ok {
		e.examples[k] = err.Error()
	}
	return k
}

// Snapshot returns copies of the counts and example messages.
func (e *ErrorCounts) Snapshot() (map[ErrorKind]int, map[ErrorKind]string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, x := make(map[ErrorKind]int, len(e.counts)), make(map[ErrorKind]string, len(e.examples))
	for k, v := range e.counts {
		c[k] = v
	}
	for k, v := range e.examples {
		x[k] = v
	}
	return c, x
}

// Total is the number of errors counted.
func (e *ErrorCounts) Total() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, v := range e.counts {
		n += v
	}
	return n
}
