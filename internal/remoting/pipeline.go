package remoting

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/runspace"
)

// errPipelineStopped is what Output methods return once the pipeline has
// been stopped, terminated or its shell closed.
var errPipelineStopped = errors.New("remoting: pipeline stopped")

// command is one WS-Man command: a PSRP pipeline (or a command-metadata
// query) and its outbound queue. All fields but id are guarded by the
// shell's mu.
type command struct {
	id  string
	pid psrp.WireGUID // PSRP PID bytes, echoed verbatim

	out     outQueue
	started bool
	// state is NotStarted until CREATE_PIPELINE, Running while Invoke
	// runs, then terminal once the final PIPELINE_STATE is queued.
	state psrp.PipelineState
	// finalQueued is set when the terminal PIPELINE_STATE is queued.
	finalQueued bool
	// pendingFinal holds the final state of a pipeline that finished
	// before END_OF_PIPELINE_INPUT arrived; it is queued when it does.
	pendingFinal *psrp.PipelineStateInfo
	input        *inputQueue // nil for NoInput pipelines
	inputEnded   bool
	cancel       context.CancelFunc
	ctx          context.Context
	name         string
	start        time.Time
}

func newCommand(id string) *command {
	pid, _ := psrp.ParseWireGUID(id)
	return &command{id: id, pid: pid}
}

// cancelLocked cancels the running Invoke, if any.
func (cmd *command) cancelLocked() {
	if cmd.cancel != nil {
		cmd.cancel()
	}
	if cmd.input != nil && !cmd.inputEnded {
		cmd.inputEnded = true
		cmd.input.end()
	}
}

// startLocked decodes CREATE_PIPELINE or GET_COMMAND_METADATA and starts
// the pipeline in its own goroutine.
func (c *shellCore) startLocked(cmd *command, m psrp.Message) error {
	if cmd.started {
		return protocolError("second %v for one command", m.Type)
	}
	// The client's PID bytes are authoritative for replies.
	cmd.pid = m.PID
	cmd.started = true
	cmd.state = psrp.PipelineRunning
	cmd.start = c.srv.now()
	cmd.ctx, cmd.cancel = context.WithCancel(c.sh.ctx)
	var run func(context.Context, runspace.Output) error
	if m.Type == psrp.MsgGetCommandMetadata {
		q, err := decodeMetadataQuery(m.Data)
		if err != nil {
			return protocolError("%w", err)
		}
		cmd.name = "GetCommandMetadata"
		run = func(ctx context.Context, out runspace.Output) error { return c.runMetadata(ctx, q, out) }
	} else {
		cp, err := psrp.DecodeCreatePipeline(m.Data)
		if err != nil {
			return protocolError("%w", err)
		}
		if !cp.NoInput {
			cmd.input = newInputQueue()
		}
		run, cmd.name = c.pipelineRunner(cmd, cp)
	}
	out := &pipeOutput{core: c, cmd: cmd}
	c.sh.pipelines.Add(1)
	if cmd.input != nil {
		c.sh.pipelines.Add(1)
		go func() { defer c.sh.pipelines.Done(); cmd.input.pump(cmd.ctx) }()
	}
	go func() {
		defer c.sh.pipelines.Done()
		err := run(cmd.ctx, out)
		c.finish(cmd, err)
	}()
	return nil
}

// pipelineRunner turns CREATE_PIPELINE into the function that runs it:
// scripts are refused (NoLanguage endpoint), statements run in order.
func (c *shellCore) pipelineRunner(cmd *command, cp psrp.CreatePipeline) (func(context.Context, runspace.Output) error, string) {
	var stmts []*runspace.Pipeline
	name := ""
	for _, st := range cp.Statements {
		p := &runspace.Pipeline{}
		for _, pc := range st.Commands {
			if pc.IsScript {
				rec := psrp.ScriptsNotAllowedRecord(pc.Name)
				return func(context.Context, runspace.Output) error { return rec }, "Script"
			}
			rc := runspace.Command{Name: pc.Name}
			for _, a := range pc.Args {
				rc.Args = append(rc.Args, runspace.Arg{Name: a.Name, Value: a.Value, Switch: a.Switch})
			}
			p.Commands = append(p.Commands, rc)
			if name == "" {
				name = pc.Name
			}
		}
		if len(p.Commands) > 0 {
			stmts = append(stmts, p)
		}
	}
	if cmd.input != nil && len(stmts) > 0 {
		stmts[0].Input = cmd.input.ch
	}
	rs := c.sh.rs
	return func(ctx context.Context, out runspace.Output) error {
		for _, p := range stmts {
			if err := rs.Invoke(ctx, p, out); err != nil {
				return err
			}
		}
		return nil
	}, name
}

// finish queues the final PIPELINE_STATE for a pipeline whose Invoke
// returned err, unless it was already stopped or terminated.
func (c *shellCore) finish(cmd *command, err error) {
	sh := c.sh
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if cmd.state.Terminal() || sh.closed {
		return
	}
	var info psrp.PipelineStateInfo
	var rec *psrp.ErrorRecord
	switch {
	case errors.As(err, &rec):
		info = psrp.PipelineStateInfo{State: psrp.PipelineFailed, Error: rec}
	case err != nil && cmd.ctx.Err() != nil:
		info = psrp.PipelineStateInfo{State: psrp.PipelineStopped, Error: psrp.PipelineStoppedRecord()}
	case err != nil:
		c.srv.log.Warn("remoting: pipeline error", "shell", sh.id, "command", cmd.name, "err", err)
		info = psrp.PipelineStateInfo{State: psrp.PipelineFailed, Error: &psrp.ErrorRecord{
			Message: "The command failed on the server.", FullyQualifiedErrorID: "RemoteCommandFailed",
			Category: psrp.CategoryNotSpecified}}
	default:
		info = psrp.PipelineStateInfo{State: psrp.PipelineCompleted}
	}
	if cmd.input != nil && !cmd.inputEnded {
		// MS-PSRP: a NoInput=false pipeline completes only after
		// END_OF_PIPELINE_INPUT.
		cmd.pendingFinal = &info
		return
	}
	c.finalLocked(cmd, info)
}

// finalLocked queues the terminal state and reports the pipeline.
func (c *shellCore) finalLocked(cmd *command, info psrp.PipelineStateInfo) {
	cmd.state = info.State
	cmd.finalQueued = true
	cmd.pendingFinal = nil
	c.queueLocked(cmd, psrp.MsgPipelineState, info.Marshal())
	if m := c.srv.cfg.Metrics; m != nil {
		m.PipelineDone(cmd.name, c.srv.now().Sub(cmd.start), info.State.String())
	}
}

// stopLocked handles the crtl_c signal: the pipeline's context is
// cancelled and PIPELINE_STATE Stopped (with the PipelineStopped record)
// is queued at once; later Output writes fail.
func (cmd *command) stopLocked(c *shellCore) {
	if cmd.state.Terminal() || !cmd.started {
		if !cmd.started && !cmd.finalQueued {
			cmd.started = true
			c.finalLocked(cmd, psrp.PipelineStateInfo{State: psrp.PipelineStopped, Error: psrp.PipelineStoppedRecord()})
		}
		return
	}
	cmd.cancelLocked()
	c.finalLocked(cmd, psrp.PipelineStateInfo{State: psrp.PipelineStopped, Error: psrp.PipelineStoppedRecord()})
}

// inputLocked handles PIPELINE_INPUT and END_OF_PIPELINE_INPUT.
func (cmd *command) inputLocked(c *shellCore, m psrp.Message) error {
	if !cmd.started || cmd.input == nil {
		return protocolError("%v for a pipeline that takes no input", m.Type)
	}
	if cmd.inputEnded {
		if cmd.state.Terminal() {
			return nil // stopped: late input is dropped
		}
		return protocolError("%v after END_OF_PIPELINE_INPUT", m.Type)
	}
	if m.Type == psrp.MsgEndOfPipelineInput {
		cmd.inputEnded = true
		cmd.input.end()
		if cmd.pendingFinal != nil {
			c.finalLocked(cmd, *cmd.pendingFinal)
		}
		return nil
	}
	v, err := psrp.DecodeObject(m.Type, m.Data)
	if err != nil {
		return protocolError("%w", err)
	}
	cmd.input.push(v)
	return nil
}

// pipeOutput is the runspace.Output of one pipeline. Writes encode
// outside the lock, then queue under the shell's mu, blocking while more
// than Config.OutputBufferBytes wait to be received.
type pipeOutput struct {
	core *shellCore
	cmd  *command
}

func (o *pipeOutput) write(t psrp.MessageType, data []byte) error {
	sh, cmd := o.core.sh, o.cmd
	limit := o.core.srv.cfg.OutputBufferBytes
	sh.mu.Lock()
	for {
		if cmd.state.Terminal() || sh.closed || cmd.ctx.Err() != nil {
			sh.mu.Unlock()
			return errPipelineStopped
		}
		if cmd.out.bytes < limit {
			break
		}
		wait := sh.changed
		sh.mu.Unlock()
		select {
		case <-wait:
		case <-cmd.ctx.Done():
		}
		sh.mu.Lock()
	}
	o.core.queueLocked(cmd, t, data)
	sh.mu.Unlock()
	return nil
}

func (o *pipeOutput) WriteObject(v clixml.Value) error {
	data, err := psrp.EncodeObject(v)
	if err != nil {
		return err
	}
	return o.write(psrp.MsgPipelineOutput, data)
}

func (o *pipeOutput) WriteError(rec *psrp.ErrorRecord) error {
	return o.write(psrp.MsgErrorRecord, psrp.EncodeErrorRecord(rec))
}

func (o *pipeOutput) WriteInformational(rec psrp.InformationalRecord) error {
	data, err := clixml.Marshal(rec.Object())
	if err != nil {
		return err
	}
	return o.write(rec.Kind.MessageType(), data)
}

func (o *pipeOutput) WriteProgress(rec psrp.ProgressRecord) error {
	data, err := clixml.Marshal(rec.Object())
	if err != nil {
		return err
	}
	return o.write(psrp.MsgProgressRecord, data)
}

func (o *pipeOutput) WriteInformation(rec psrp.InformationRecord) error {
	data, err := clixml.Marshal(rec.Object())
	if err != nil {
		return err
	}
	return o.write(psrp.MsgInformationRecord, data)
}

var _ runspace.Output = (*pipeOutput)(nil)

// isStopSignal reports whether code asks to stop a pipeline.
func isStopSignal(code string) bool {
	return strings.HasSuffix(code, "/crtl_c") || strings.HasSuffix(code, "/ctrl_c")
}
