package remoting

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/psrp/fragment"
	"github.com/ipps/ipps/internal/wsman"
)

// Errors of the shell core; coreFault maps them to WS-Man faults.
var (
	errUnknownCommand = errors.New("remoting: unknown command id")
	errCommandExists  = errors.New("remoting: command id already in use")
	errProtocol       = errors.New("remoting: PSRP protocol error")
	errShellClosed    = errors.New("remoting: shell closed")
)

// protocolError wraps a PSRP-level problem (bad fragments, undecodable or
// unexpected messages) with errProtocol.
func protocolError(format string, args ...any) error {
	return fmt.Errorf("%w: %w", errProtocol, fmt.Errorf(format, args...))
}

// coreFault maps a core error to its fault. PSRP problems use the
// PowerShell-plugin InternalError form with the precise reason, which is
// what a Windows server reports for PSRemotingDataStructureException.
func coreFault(shellID string, err error) *wsman.Fault {
	var f *wsman.Fault
	var pv *psrp.ProtocolVersionError
	switch {
	case errors.As(err, &f):
		return f
	case errors.Is(err, errShellClosed), errors.Is(err, psrp.ErrClosed):
		return wsman.ShellNotFound(shellID)
	case errors.Is(err, errUnknownCommand), errors.Is(err, psrp.ErrUnknownPipeline):
		f = wsman.CommandNotFound()
	case errors.Is(err, psrp.ErrTooManyPipelines):
		f = wsman.QuotaLimit(0)
		f.WSManCode = wsman.CodeQuotaLimit
		f.Reason = "The WS-Management service cannot process the request. This shell has reached its maximum number of concurrent commands. Close existing commands or raise the quota for this shell. "
	case errors.As(err, &pv):
		f = wsman.ProtocolVersion(pv.ServerProtocolVersion, pv.ServerBuildVersion)
	case errors.Is(err, errProtocol):
		f = wsman.InternalError("The PowerShell remoting data is not valid: " + strings.TrimPrefix(err.Error(), errProtocol.Error()+": "))
	case errors.Is(err, errCommandExists):
		f = wsman.InternalError("A command with this CommandId already exists in the shell.")
	default:
		f = wsman.InternalError("The request could not be processed.")
	}
	f.Err = err
	return f
}

// newPool builds the shell's ServerPool. Reassembly caps are tighter than
// the library defaults since every shell holds one.
func (s *Server) newPool() (*psrp.ServerPool, error) {
	return psrp.NewServerPool(psrp.ServerConfig{Config: psrp.Config{
		MaxQueuedBytes: s.cfg.OutputBufferBytes,
		MaxMessageSize: 8 << 20,
		MaxPendingSize: 16 << 20,
	}, MaxRunningPipelines: s.cfg.MaxPipelinesPerShell})
}

// feed hands fragments sent to the pool (cmdID "") or a command to the
// ServerPool and acts on the events it reports: starting pipelines and
// delivering input. Events before a bad message keep their effect.
func (sh *shell) feed(srv *Server, cmdID, streamName string, data []byte) error {
	sh.feedMu.Lock()
	defer sh.feedMu.Unlock()
	sh.mu.Lock()
	closed := sh.closed
	_, known := sh.commands[strings.ToUpper(cmdID)]
	sh.mu.Unlock()
	switch {
	case closed:
		return errShellClosed
	case cmdID != "" && !known:
		return errUnknownCommand
	}
	stream := psrp.StreamStdin
	if streamName == "pr" {
		stream = psrp.StreamPR
	}
	err := sh.pool.ReceiveData(cmdID, stream, data)
	for {
		ev, ok := sh.pool.NextEvent()
		if !ok {
			break
		}
		srv.onEvent(sh, ev)
	}
	if err != nil {
		return classifyPoolError(err)
	}
	return nil
}

// classifyPoolError marks data errors from ReceiveData as protocol
// errors, keeping the sentinels the fault mapping needs.
func classifyPoolError(err error) error {
	var pv *psrp.ProtocolVersionError
	var se *fragment.SequenceError
	var te *fragment.TruncatedError
	switch {
	case errors.As(err, &pv), errors.Is(err, psrp.ErrClosed), errors.Is(err, psrp.ErrTooManyPipelines):
		return err
	case errors.Is(err, psrp.ErrUnknownPipeline):
		return errUnknownCommand
	case errors.As(err, &se), errors.As(err, &te):
		return protocolError("fragment: %w", err)
	}
	return protocolError("%w", err)
}

// onEvent acts on one ServerPool event (feedMu held).
func (s *Server) onEvent(sh *shell, ev psrp.Event) {
	switch ev := ev.(type) {
	case psrp.CreatePipelineEvent:
		s.startPipeline(sh, ev.Pipeline, ev.Request)
	case psrp.GetCommandMetadataEvent:
		s.startMetadata(sh, ev.Pipeline, ev.Request)
	case psrp.PipelineInputEvent:
		if cmd := sh.command(ev.Pipeline.ID()); cmd != nil && cmd.input != nil {
			cmd.input.push(ev.Value)
		}
	case psrp.EndOfPipelineInputEvent:
		if cmd := sh.command(ev.Pipeline.ID()); cmd != nil && cmd.input != nil {
			cmd.input.end()
		}
	}
}

// command returns the command registered under id, or nil.
func (sh *shell) command(id string) *command {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.commands[strings.ToUpper(id)]
}

// addCommand registers a command for a wxf:Command before its Arguments
// are fed, so that the CREATE_PIPELINE event finds it and later Sends
// with its CommandId are accepted.
func (sh *shell) addCommand(id string) (*command, error) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.closed {
		return nil, errShellClosed
	}
	k := strings.ToUpper(id)
	if _, ok := sh.commands[k]; ok {
		return nil, errCommandExists
	}
	cmd := newCommand(sh, id)
	if sh.commands == nil {
		sh.commands = make(map[string]*command)
	}
	sh.commands[k] = cmd
	return cmd, nil
}

// removeCommand forgets a command and its pool queue (Terminate, or a
// Command whose Arguments were rejected). A running pipeline is stopped.
func (sh *shell) removeCommand(id string) bool {
	sh.mu.Lock()
	k := strings.ToUpper(id)
	cmd, ok := sh.commands[k]
	delete(sh.commands, k)
	if len(sh.commands) == 0 {
		sh.commands = nil
	}
	sh.mu.Unlock()
	if !ok {
		return false
	}
	cmd.cancel()
	close(cmd.gone)
	sh.pool.RemovePipeline(id)
	return true
}

// stopCommand handles the crtl_c signal: the Invoke context is cancelled
// and the pool queues PIPELINE_STATE Stopped with the PipelineStopped
// record at once; later writes fail.
func (sh *shell) stopCommand(id string) bool {
	cmd := sh.command(id)
	if cmd == nil {
		return false
	}
	cmd.stop()
	return true
}
