package remoting

import (
	"context"
	"errors"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/runspace"
)

// errPipelineStopped is what Output methods return once the pipeline has
// been stopped, terminated or its shell closed.
var errPipelineStopped = errors.New("remoting: pipeline stopped")

// command is one WS-Man command: the transport's side of a psrp
// ServerPipeline (context, input pump, metrics). pl and stopped are
// guarded by the shell's mu; input is set before the Invoke goroutine
// starts and then only used by the feeding and pump goroutines.
type command struct {
	sh     *shell
	id     string
	ctx    context.Context
	cancel context.CancelFunc
	// gone is closed when the command is terminated or its shell closes.
	gone chan struct{}

	pl      *psrp.ServerPipeline // nil until CREATE_PIPELINE arrives
	stopped bool
	input   *inputQueue // nil for NoInput pipelines
}

func newCommand(sh *shell, id string) *command {
	ctx, cancel := context.WithCancel(sh.ctx)
	return &command{sh: sh, id: id, ctx: ctx, cancel: cancel, gone: make(chan struct{})}
}

// stop cancels the Invoke context and stops the pipeline; a pipeline whose
// CREATE_PIPELINE has not arrived yet is stopped as soon as it does.
func (cmd *command) stop() {
	cmd.sh.mu.Lock()
	cmd.stopped = true
	pl := cmd.pl
	cmd.sh.mu.Unlock()
	cmd.cancel()
	if pl != nil {
		pl.Stop()
	}
}

// attach binds pl to the command registered under its CommandId (or
// registers one, for a CREATE_PIPELINE sent without wxf:Command). It
// returns nil when the pipeline must not run.
func (s *Server) attach(sh *shell, pl *psrp.ServerPipeline) *command {
	cmd := sh.command(pl.ID())
	if cmd == nil {
		var err error
		if cmd, err = sh.addCommand(pl.ID()); err != nil {
			pl.Stop()
			return nil
		}
	}
	sh.mu.Lock()
	cmd.pl = pl
	stopped := cmd.stopped
	sh.mu.Unlock()
	if stopped {
		pl.Stop()
		return nil
	}
	return cmd
}

// startPipeline runs a CREATE_PIPELINE in its own goroutine. Scripts are
// refused (NoLanguage endpoint); statements run in order.
func (s *Server) startPipeline(sh *shell, pl *psrp.ServerPipeline, req psrp.CreatePipeline) {
	cmd := s.attach(sh, pl)
	if cmd == nil {
		return
	}
	if !req.NoInput {
		cmd.input = newInputQueue()
		sh.pipelines.Add(1)
		go func() { defer sh.pipelines.Done(); cmd.input.pump(cmd.ctx) }()
	}
	var stmts []*runspace.Pipeline
	name := ""
	var refused *psrp.ErrorRecord
	for _, st := range req.Statements {
		p := &runspace.Pipeline{DecryptSecureString: sh.pool.DecryptSecureString}
		for _, pc := range st.Commands {
			if pc.IsScript && refused == nil {
				refused = psrp.ScriptsNotAllowedRecord(pc.Name)
			}
			rc := runspace.Command{Name: pc.Name, IsScript: pc.IsScript}
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
	run := func(ctx context.Context, out runspace.Output) error {
		if refused != nil {
			return refused
		}
		for _, p := range stmts {
			if err := sh.rs.Invoke(ctx, p, out); err != nil {
				return err
			}
		}
		return nil
	}
	if refused != nil {
		name = "Script"
	}
	s.launch(cmd, pl, name, run)
}

// startMetadata answers GET_COMMAND_METADATA in its own goroutine.
func (s *Server) startMetadata(sh *shell, pl *psrp.ServerPipeline, req psrp.GetCommandMetadata) {
	cmd := s.attach(sh, pl)
	if cmd == nil {
		return
	}
	s.launch(cmd, pl, "GetCommandMetadata", func(ctx context.Context, out runspace.Output) error {
		return s.runMetadata(ctx, sh, req, out)
	})
}

// launch runs fn and ends the pipeline according to its result.
func (s *Server) launch(cmd *command, pl *psrp.ServerPipeline, name string, fn func(context.Context, runspace.Output) error) {
	sh := cmd.sh
	start := s.now()
	sh.pipelines.Add(1)
	go func() {
		defer sh.pipelines.Done()
		err := s.invokeSafely(cmd, fn, &pipeOutput{ctx: cmd.ctx, pl: pl})
		state := s.finish(sh, cmd, pl, err)
		// Release the input pump and the context; the command itself
		// stays until Terminate so its output can still be received.
		cmd.cancel()
		if m := s.cfg.Metrics; m != nil {
			m.PipelineDone(name, s.now().Sub(start), state.String())
		}
	}()
}

// errPanicked is returned for an Invoke that panicked.
var errPanicked = errors.New("remoting: pipeline panicked")

// invokeSafely runs fn, turning a panic into an error so that one broken
// command fails its pipeline instead of the server.
func (s *Server) invokeSafely(cmd *command, fn func(context.Context, runspace.Output) error, out runspace.Output) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("remoting: pipeline panicked", "shell", cmd.sh.id, "command", cmd.id, "panic", r)
			err = errPanicked
		}
	}()
	return fn(cmd.ctx, out)
}

// finish ends pl after its Invoke returned err: Completed, Failed with a
// returned *psrp.ErrorRecord (or a generic record), or Stopped when the
// context was cancelled. The pool holds a final state until
// END_OF_PIPELINE_INPUT for NoInput=false pipelines.
func (s *Server) finish(sh *shell, cmd *command, pl *psrp.ServerPipeline, err error) psrp.PipelineState {
	var rec *psrp.ErrorRecord
	switch {
	case errors.As(err, &rec):
		pl.Fail(rec)
		return psrp.PipelineFailed
	case err != nil && cmd.ctx.Err() != nil:
		pl.Stop()
		return psrp.PipelineStopped
	case cmd.ctx.Err() != nil:
		pl.Stop()
		return psrp.PipelineStopped
	case err != nil:
		s.log.Warn("remoting: pipeline error", "shell", sh.id, "command", cmd.id, "err", err)
		pl.Fail(&psrp.ErrorRecord{Message: "The command failed on the server.",
			FullyQualifiedErrorID: "RemoteCommandFailed", Category: psrp.CategoryNotSpecified})
		return psrp.PipelineFailed
	}
	pl.Complete()
	return psrp.PipelineCompleted
}

// pipeOutput adapts a psrp.ServerPipeline to runspace.Output. Writes block
// while the pipeline's queue is over Config.OutputBufferBytes and fail once
// the pipeline is stopped or the shell closed.
type pipeOutput struct {
	ctx context.Context
	pl  *psrp.ServerPipeline
}

func (o *pipeOutput) check(err error) error {
	if err != nil || o.ctx.Err() != nil {
		return errPipelineStopped
	}
	return nil
}

func (o *pipeOutput) WriteObject(v clixml.Value) error {
	if o.ctx.Err() != nil {
		return errPipelineStopped
	}
	return o.check(o.pl.WriteOutput(v))
}

func (o *pipeOutput) WriteError(rec *psrp.ErrorRecord) error {
	return o.check(o.pl.WriteError(rec))
}

func (o *pipeOutput) WriteInformational(rec psrp.InformationalRecord) error {
	return o.check(o.pl.WriteInformational(rec))
}

func (o *pipeOutput) WriteProgress(rec psrp.ProgressRecord) error {
	return o.check(o.pl.WriteProgress(rec))
}

func (o *pipeOutput) WriteInformation(rec psrp.InformationRecord) error {
	return o.check(o.pl.WriteInformation(rec))
}

var _ runspace.Output = (*pipeOutput)(nil)
