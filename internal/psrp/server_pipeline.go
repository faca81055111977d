package psrp

import (
	"github.com/ipps/ipps/internal/clixml"
)

// ServerPipeline is the server half of one pipeline (MS-PSRP 3.2.5.4): the
// pool creates it when CREATE_PIPELINE or GET_COMMAND_METADATA arrives for
// a CommandId and hands it to the transport in the event. The application
// writes results through it; each write queues one message on the
// pipeline's own outbound queue, read with ServerPool.DataToSend(ID()).
//
// Writes block while that queue holds more than Config.MaxQueuedBytes
// (back-pressure: the client is slow to Receive) and fail with
// ErrPipelineDone once the pipeline is stopped or terminal, or ErrClosed
// once the pool is closed. Methods are safe for concurrent use.
type ServerPipeline struct {
	pool *ServerPool
	id   string
	pid  WireGUID
	q    *queue // guarded by pool.mu

	metadata bool // GET_COMMAND_METADATA pipeline
	noInput  bool

	state      PipelineState      // guarded by pool.mu
	inputEnded bool               // guarded by pool.mu
	held       *PipelineStateInfo // terminal state held until input ends; guarded by pool.mu
}

// ID returns the CommandId (upper case) the pipeline's queue is keyed by.
func (pl *ServerPipeline) ID() string { return pl.id }

// PID returns the pipeline id exactly as the client sent it.
func (pl *ServerPipeline) PID() WireGUID { return pl.pid }

// IsMetadata reports whether this is a GET_COMMAND_METADATA pipeline.
func (pl *ServerPipeline) IsMetadata() bool { return pl.metadata }

// State returns the pipeline state: Running until a terminal state is
// queued.
func (pl *ServerPipeline) State() PipelineState {
	pl.pool.mu.Lock()
	defer pl.pool.mu.Unlock()
	return pl.state
}

// onInput handles PIPELINE_INPUT and END_OF_PIPELINE_INPUT; mu held.
func (pl *ServerPipeline) onInput(m Message) error {
	p := pl.pool
	if pl.state.Terminal() {
		return nil // input racing a stop: drop it
	}
	if pl.noInput || pl.inputEnded {
		return &UnexpectedMessageError{Type: m.Type, State: "input closed"}
	}
	if m.Type == MsgEndOfPipelineInput {
		pl.inputEnded = true
		p.emitLocked(EndOfPipelineInputEvent{Pipeline: pl})
		if pl.held != nil {
			pl.finishLocked(*pl.held)
		}
		return nil
	}
	v, err := DecodeObject(MsgPipelineInput, m.Data)
	if err != nil {
		return err
	}
	p.emitLocked(PipelineInputEvent{Pipeline: pl, Value: v})
	return nil
}

func (pl *ServerPipeline) write(t MessageType, enc encoder) error {
	p := pl.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	if pl.state.Terminal() || pl.held != nil {
		return ErrPipelineDone
	}
	if err := p.waitRoomLocked(pl.q); err != nil {
		return err
	}
	// Complete/Fail may have run while this writer waited.
	if pl.state.Terminal() || pl.held != nil {
		return ErrPipelineDone
	}
	return p.enqueueLocked(pl.id, t, pl.pid, enc)
}

// WriteOutput queues one PIPELINE_OUTPUT; nil is $null (empty data).
func (pl *ServerPipeline) WriteOutput(v clixml.Value) error {
	if v == nil {
		return pl.write(MsgPipelineOutput, rawData(nil))
	}
	return pl.write(MsgPipelineOutput, valueData{v})
}

// WriteError queues a non-terminating ERROR_RECORD.
func (pl *ServerPipeline) WriteError(rec *ErrorRecord) error {
	return pl.write(MsgErrorRecord, valueData{rec.Object(true)})
}

// WriteInformational queues a DEBUG, VERBOSE or WARNING record.
func (pl *ServerPipeline) WriteInformational(rec InformationalRecord) error {
	return pl.write(rec.Kind.MessageType(), valueData{rec.Object()})
}

// WriteProgress queues a PROGRESS_RECORD.
func (pl *ServerPipeline) WriteProgress(rec ProgressRecord) error {
	return pl.write(MsgProgressRecord, valueData{rec.Object()})
}

// WriteInformation queues an INFORMATION_RECORD (protocol 2.3+).
func (pl *ServerPipeline) WriteInformation(rec InformationRecord) error {
	return pl.write(MsgInformationRecord, valueData{rec.Object()})
}

// Complete ends the pipeline with PIPELINE_STATE Completed. Fail ends it
// with Failed and rec as ExceptionAsErrorRecord.
//
// The library, not the transport, enforces MS-PSRP 3.7's rule that a
// pipeline created with NoInput=false is not reported finished before the
// client's END_OF_PIPELINE_INPUT: until then the terminal state is held
// (State stays Running, further writes fail) and queued when the input
// ends. Stop overrides a held state. Both return ErrPipelineDone if the
// pipeline already finished.
func (pl *ServerPipeline) Complete() error {
	return pl.end(PipelineStateInfo{State: PipelineCompleted})
}

// Fail ends the pipeline as Failed with rec; see Complete.
func (pl *ServerPipeline) Fail(rec *ErrorRecord) error {
	return pl.end(PipelineStateInfo{State: PipelineFailed, Error: rec})
}

func (pl *ServerPipeline) end(s PipelineStateInfo) error {
	p := pl.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	if pl.state.Terminal() || pl.held != nil {
		return ErrPipelineDone
	}
	if !pl.noInput && !pl.inputEnded {
		pl.held = &s
		return nil
	}
	pl.finishLocked(s)
	return nil
}

// Stop ends the pipeline as Stopped with the PipelineStopped record, as
// PowerShell does on the crtl_c signal; blocked writers return
// ErrPipelineDone. Stop does not wait for input to end. It is a no-op on a
// finished pipeline.
func (pl *ServerPipeline) Stop() {
	p := pl.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	if pl.state.Terminal() {
		return
	}
	pl.held = nil
	pl.q.aborted = true
	pl.finishLocked(PipelineStateInfo{State: PipelineStopped, Error: PipelineStoppedRecord()})
	p.cond.Broadcast()
}

// finishLocked queues the terminal PIPELINE_STATE; mu held. An error
// record that cannot be encoded (TargetObject outside the clixml model) is
// sent without its TargetObject rather than leaving the pipeline open.
func (pl *ServerPipeline) finishLocked(s PipelineStateInfo) {
	pl.held = nil
	pl.state = s.State
	if err := pl.pool.enqueueLocked(pl.id, MsgPipelineState, pl.pid, s); err != nil && s.Error != nil {
		plain := *s.Error
		plain.TargetObject = nil
		s.Error = &plain
		_ = pl.pool.enqueueLocked(pl.id, MsgPipelineState, pl.pid, s)
	}
	pl.q.terminal = true
	pl.q.signal()
}
