package psrp

import "github.com/ipps/ipps/internal/clixml"

// ClientPipeline is the client half of one pipeline (MS-PSRP 3.1.5.4).
// Server messages for it arrive through ClientPool.ReceiveData(ID(), ...)
// and surface as events naming it. Methods are safe for concurrent use.
type ClientPipeline struct {
	pool    *ClientPool
	id      string
	pid     WireGUID
	q       *queue // guarded by pool.mu
	noInput bool

	state      PipelineState // guarded by pool.mu
	inputEnded bool          // guarded by pool.mu
}

// ID returns the CommandId to use in WS-Man Command, Send, Receive and
// Signal: the PID as upper-case text, as Windows does.
func (pl *ClientPipeline) ID() string { return pl.id }

// PID returns the pipeline id in wire order.
func (pl *ClientPipeline) PID() WireGUID { return pl.pid }

// State returns Running until a terminal PIPELINE_STATE arrived.
func (pl *ClientPipeline) State() PipelineState {
	pl.pool.mu.Lock()
	defer pl.pool.mu.Unlock()
	return pl.state
}

// SendInput queues one PIPELINE_INPUT object. It blocks while the queue
// exceeds Config.MaxQueuedBytes and fails with ErrPipelineDone after
// EndInput, on a NoInput pipeline or once the pipeline finished.
func (pl *ClientPipeline) SendInput(v clixml.Value) error {
	var enc encoder = valueData{v}
	if v == nil {
		enc = rawData(nil)
	}
	p := pl.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.waitRoomLocked(pl.q); err != nil {
		return err
	}
	if pl.noInput || pl.inputEnded || pl.state.Terminal() {
		return ErrPipelineDone
	}
	return p.enqueueLocked(pl.id, MsgPipelineInput, pl.pid, enc)
}

// EndInput queues END_OF_PIPELINE_INPUT (empty data).
func (pl *ClientPipeline) EndInput() error {
	p := pl.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	if pl.noInput || pl.inputEnded {
		return ErrPipelineDone
	}
	pl.inputEnded = true
	return p.enqueueLocked(pl.id, MsgEndOfPipelineInput, pl.pid, rawData(nil))
}

// onMessage handles a server message for this pipeline; pool.mu held.
func (pl *ClientPipeline) onMessage(m Message) error {
	p := pl.pool
	switch m.Type {
	case MsgPipelineOutput:
		v, err := DecodeObject(m.Type, m.Data)
		if err != nil {
			return err
		}
		p.emitLocked(OutputEvent{Pipeline: pl, Value: v})
	case MsgErrorRecord:
		rec, err := DecodeErrorRecordMessage(m.Data)
		if err != nil {
			return err
		}
		p.emitLocked(ErrorRecordEvent{Pipeline: pl, Record: rec})
	case MsgDebugRecord, MsgVerboseRecord, MsgWarningRecord:
		rec, err := DecodeInformationalRecord(m.Type, m.Data)
		if err != nil {
			return err
		}
		p.emitLocked(InformationalEvent{Pipeline: pl, Record: rec})
	case MsgProgressRecord:
		rec, err := DecodeProgressRecord(m.Data)
		if err != nil {
			return err
		}
		p.emitLocked(ProgressEvent{Pipeline: pl, Record: rec})
	case MsgInformationRecord:
		rec, err := DecodeInformationRecord(m.Data)
		if err != nil {
			return err
		}
		p.emitLocked(InformationEvent{Pipeline: pl, Record: rec})
	case MsgPipelineState:
		s, err := DecodePipelineState(m.Data)
		if err != nil {
			return err
		}
		pl.state = s.State
		if s.State.Terminal() {
			pl.q.aborted = true
			p.cond.Broadcast()
		}
		p.emitLocked(PipelineStateEvent{Pipeline: pl, State: s})
	case MsgPipelineHostCall:
		// ipps clients have no host; a NoLanguage server never calls it.
	}
	return nil
}
