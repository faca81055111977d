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
)

// protocolError wraps a PSRP-level problem (bad fragments, undecodable or
// unexpected messages) with errProtocol.
func protocolError(format string, args ...any) error {
	return fmt.Errorf("%w: %w", errProtocol, fmt.Errorf(format, args...))
}

// coreFault maps a core error to its fault. PSRP problems use the
// PowerShell-plugin InternalError form with the precise reason, which is
// what a Windows server reports for PSRemotingDataStructureException.
func coreFault(err error) *wsman.Fault {
	var f *wsman.Fault
	var pv *psrp.ProtocolVersionError
	switch {
	case errors.As(err, &f):
		return f
	case errors.Is(err, errUnknownCommand):
		f = wsman.CommandNotFound()
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

// outQueue is one target's outbound PSRP messages (the pool's, or one
// command's): WS-Man Receive is per target, so fragments never mix
// targets. Messages are numbered with ObjectIds when queued and cut into
// fragments lazily when a Receive takes them, so every response is filled
// exactly to its budget.
type outQueue struct {
	msgs  []*fragment.Cursor
	bytes int // message bytes not yet taken (back-pressure measure)
}

// push queues one encoded message under objectID.
func (q *outQueue) push(objectID uint64, msg []byte) {
	q.msgs = append(q.msgs, fragment.NewCursor(objectID, msg))
	q.bytes += len(msg)
}

// take appends whole fragments to dst until budget bytes are used or the
// queue is empty.
func (q *outQueue) take(dst []byte, budget int) []byte {
	for len(q.msgs) > 0 {
		room := budget - len(dst) - fragment.HeaderSize
		if room < 1 {
			break
		}
		c := q.msgs[0]
		before := c.Remaining()
		dst, _ = c.AppendNext(dst, room)
		q.bytes -= before - c.Remaining()
		if c.Done() {
			q.msgs[0] = nil
			q.msgs = q.msgs[1:]
		}
	}
	return dst
}

func (q *outQueue) empty() bool { return len(q.msgs) == 0 }

// shellCore is the sans-I/O PSRP RunspacePool state of one shell: it
// defragments what clients send, answers pool messages, creates and feeds
// pipelines and keeps the per-target outbound queues. Every method ending
// in Locked needs the shell's mu; none does I/O.
type shellCore struct {
	srv *Server
	sh  *shell

	defrag fragment.Defragmenter
	ids    fragment.ObjectIDs
	// rpid is the client's RunspacePool id bytes, echoed verbatim.
	rpid   psrp.WireGUID
	opened bool

	pool     outQueue
	commands map[string]*command // keyed by upper-case CommandId
}

func newShellCore(srv *Server, sh *shell) *shellCore {
	return &shellCore{srv: srv, sh: sh, commands: make(map[string]*command)}
}

// queueLocked encodes a server message for the pool (cmd nil) or a
// command and wakes waiting Receives.
func (c *shellCore) queueLocked(cmd *command, t psrp.MessageType, data []byte) {
	m := psrp.Message{Destination: psrp.DestinationClient, Type: t, RPID: c.rpid, Data: data}
	q := &c.pool
	if cmd != nil {
		m.PID = cmd.pid
		q = &cmd.out
	}
	q.push(c.ids.Next(), m.Encode())
	c.sh.notifyLocked()
}

// feedLocked processes fragments sent to the pool (cmdID "") or to a
// command.
func (c *shellCore) feedLocked(cmdID string, data []byte) error {
	var target *command
	if cmdID != "" {
		var ok bool
		if target, ok = c.commands[strings.ToUpper(cmdID)]; !ok {
			return errUnknownCommand
		}
	}
	msgs, err := c.defrag.Write(data)
	if err != nil {
		return protocolError("%w", err)
	}
	for _, raw := range msgs {
		m, err := psrp.DecodeMessage(raw)
		if err != nil {
			return protocolError("%w", err)
		}
		if m.Destination != psrp.DestinationServer {
			return protocolError("message %v is addressed to the client", m.Type)
		}
		if err := c.dispatchLocked(target, m); err != nil {
			return err
		}
	}
	return nil
}

// dispatchLocked handles one client message.
func (c *shellCore) dispatchLocked(target *command, m psrp.Message) error {
	switch m.Type {
	case psrp.MsgSessionCapability:
		cp, err := psrp.DecodeSessionCapability(m.Data)
		if err != nil {
			return protocolError("%w", err)
		}
		if err := psrp.CheckProtocolVersion(cp.ProtocolVersion); err != nil {
			return err
		}
		c.rpid = m.RPID
		c.queueLocked(nil, psrp.MsgSessionCapability, psrp.DefaultSessionCapability().Marshal())
	case psrp.MsgInitRunspacePool:
		if _, err := psrp.DecodeInitRunspacePool(m.Data); err != nil {
			return protocolError("%w", err)
		}
		if c.opened {
			return protocolError("INIT_RUNSPACEPOOL on an open pool")
		}
		c.opened = true
		c.rpid = m.RPID
		c.queueLocked(nil, psrp.MsgApplicationPrivateData, psrp.ApplicationPrivateData{PSVersionTable: psrp.DefaultPSVersionTable()}.Marshal())
		c.queueLocked(nil, psrp.MsgRunspacePoolState, psrp.RunspacePoolStateInfo{State: psrp.PoolOpened}.Marshal())
	case psrp.MsgSetMaxRunspaces, psrp.MsgSetMinRunspaces:
		s, err := psrp.DecodeSetRunspaces(m.Type, m.Data)
		if err != nil {
			return protocolError("%w", err)
		}
		c.queueLocked(nil, psrp.MsgRunspaceAvailability, psrp.RunspaceAvailability{CallID: s.CallID, OK: true}.Marshal())
	case psrp.MsgGetAvailableRunspaces, psrp.MsgResetRunspaceState:
		ci, err := psrp.DecodeCallID(m.Type, m.Data)
		if err != nil {
			return protocolError("%w", err)
		}
		a := psrp.RunspaceAvailability{CallID: ci, OK: true}
		if m.Type == psrp.MsgGetAvailableRunspaces {
			a = psrp.RunspaceAvailability{CallID: ci, IsCount: true, Available: 1}
		}
		c.queueLocked(nil, psrp.MsgRunspaceAvailability, a.Marshal())
	case psrp.MsgCreatePipeline, psrp.MsgGetCommandMetadata:
		cmd, err := c.commandFor(target, m)
		if err != nil {
			return err
		}
		return c.startLocked(cmd, m)
	case psrp.MsgPipelineInput, psrp.MsgEndOfPipelineInput:
		cmd, err := c.commandFor(target, m)
		if err != nil {
			return err
		}
		return cmd.inputLocked(c, m)
	case psrp.MsgRunspacePoolHostResponse, psrp.MsgPipelineHostResponse:
		// ipps never makes host calls; stray responses are ignored.
	case psrp.MsgPublicKey, psrp.MsgConnectRunspacePool:
		return protocolError("%v is not supported by this endpoint", m.Type)
	default:
		return protocolError("unexpected message %v from the client", m.Type)
	}
	return nil
}

// commandFor resolves the command a pipeline message belongs to: the
// WS-Man target when the data came with a CommandId, else the command
// whose id matches the message PID.
func (c *shellCore) commandFor(target *command, m psrp.Message) (*command, error) {
	if target != nil {
		return target, nil
	}
	for _, cmd := range c.commands {
		if cmd.pid == m.PID {
			return cmd, nil
		}
	}
	return nil, errUnknownCommand
}

// takeLocked takes up to budget bytes of fragments queued for the pool
// (cmdID "") or a command.
func (c *shellCore) takeLocked(cmdID string, budget int) (takeResult, error) {
	if cmdID == "" {
		return takeResult{data: c.pool.take(nil, budget)}, nil
	}
	cmd, ok := c.commands[strings.ToUpper(cmdID)]
	if !ok {
		return takeResult{}, errUnknownCommand
	}
	data := cmd.out.take(nil, budget)
	done := cmd.finalQueued && cmd.out.empty()
	if len(data) > 0 || done {
		c.sh.notifyLocked() // wake writers blocked on back-pressure
	}
	return takeResult{data: data, done: done}, nil
}

// commandLocked creates the pipeline for a wxf:Command before its first
// fragments (args) are processed, so CREATE_PIPELINE finds it.
func (c *shellCore) commandLocked(id string, args []byte) error {
	k := strings.ToUpper(id)
	if _, ok := c.commands[k]; ok {
		return errCommandExists
	}
	cmd := newCommand(id)
	c.commands[k] = cmd
	if err := c.feedLocked(id, args); err != nil {
		cmd.cancelLocked()
		delete(c.commands, k)
		return err
	}
	return nil
}

// signalLocked stops (stop=true) or terminates a command.
func (c *shellCore) signalLocked(id string, stop bool) error {
	k := strings.ToUpper(id)
	cmd, ok := c.commands[k]
	if !ok {
		return errUnknownCommand
	}
	if stop {
		cmd.stopLocked(c)
		return nil
	}
	cmd.cancelLocked()
	delete(c.commands, k)
	c.sh.notifyLocked()
	return nil
}

// closeLocked cancels every command; the shell's context cancellation
// stops their Invoke calls.
func (c *shellCore) closeLocked() {
	for k, cmd := range c.commands {
		cmd.cancelLocked()
		delete(c.commands, k)
	}
}
