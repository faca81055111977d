package remoting

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/wsman"
)

// Sentinels a Client's errors match with errors.Is. They are the wsman
// package's, so a raw *wsman.Fault matches them too.
var (
	// ErrShellNotFound: the shell is gone (deleted, reaped, or owned by
	// someone else).
	ErrShellNotFound = wsman.ErrShellNotFound
	// ErrCommandNotFound: the CommandId is unknown to the server, or a
	// pipeline failed because a command name was not recognised.
	ErrCommandNotFound = wsman.ErrCommandNotFound
	// ErrQuotaExceeded: the server refused a shell because of a limit.
	ErrQuotaExceeded = wsman.ErrQuotaExceeded
	// ErrTimedOut: a Receive returned without data (clients re-poll).
	ErrTimedOut = wsman.ErrTimedOut
)

// RemoteError is a WS-Management fault returned by the server. Message is
// the server's text, verbatim. It matches ErrShellNotFound,
// ErrCommandNotFound, ErrQuotaExceeded, ErrTimedOut and ErrAccessDenied
// (a 5 / AccessDenied fault or an AuthZ provider fault) via errors.Is.
type RemoteError struct {
	Op    string // WS-Man operation, e.g. "Create"
	Fault *wsman.Fault
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("remoting: %s: %s", e.Op, strings.TrimSpace(e.Fault.Text()))
}

// Message returns the server's message text.
func (e *RemoteError) Message() string { return strings.TrimSpace(e.Fault.Text()) }

// Unwrap returns the fault.
func (e *RemoteError) Unwrap() error { return e.Fault }

// Is adds the AuthZ provider-fault form to ErrAccessDenied.
func (e *RemoteError) Is(target error) bool {
	if target == ErrAccessDenied {
		t := e.Fault.Text()
		return errors.Is(e.Fault, wsman.ErrAccessDenied) ||
			strings.Contains(t, "FailureCategory=AuthZ") && !errors.Is(e.Fault, wsman.ErrQuotaExceeded)
	}
	return false
}

// PipelineError is a pipeline that ended Failed; Record is its terminating
// error as the server sent it. It matches ErrCommandNotFound when the
// record's FullyQualifiedErrorId says so.
type PipelineError struct {
	Record *psrp.ErrorRecord
}

func (e *PipelineError) Error() string {
	return "remoting: pipeline failed: " + e.Record.Message
}

// Is matches ErrCommandNotFound for CommandNotFoundException records.
func (e *PipelineError) Is(target error) bool {
	return target == ErrCommandNotFound && strings.HasPrefix(e.Record.FullyQualifiedErrorID, "CommandNotFoundException")
}

// ErrStopped is returned by Invoke when the pipeline was stopped (its ctx
// was cancelled and the server confirmed the stop).
var ErrStopped = errors.New("remoting: pipeline stopped")
