package remoting

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/psrp/fragment"
	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/wsman"
)

// Handlers receive what a pipeline produces, in the order the server sent
// it. They are called from the goroutine that called Invoke; nil handlers
// drop their stream.
type Handlers struct {
	Output        func(clixml.Value)
	Error         func(*psrp.ErrorRecord)
	Informational func(psrp.InformationalRecord) // warning, verbose, debug
	Progress      func(psrp.ProgressRecord)
	Information   func(psrp.InformationRecord)
}

// stopGrace bounds how long Invoke waits for the server to confirm a stop
// after ctx is cancelled.
const stopGrace = 30 * time.Second

// Invoke runs cmds as one pipeline and streams its results to h. input,
// if non-nil, is sent as pipeline input (NoInput=false, then
// END_OF_PIPELINE_INPUT). It returns nil when the pipeline Completed, a
// *PipelineError when it Failed, or an error wrapping ErrStopped and
// ctx.Err() when ctx was cancelled: cancellation sends the crtl_c signal
// and waits (up to 30 s) for the server's Stopped state.
func (c *Client) Invoke(ctx context.Context, cmds []runspace.Command, input []clixml.Value, h Handlers) error {
	st := psrp.Statement{}
	for _, rc := range cmds {
		pc := psrp.Command{Name: rc.Name, IsScript: rc.IsScript}
		for _, a := range rc.Args {
			pc.Args = append(pc.Args, psrp.Argument{Name: a.Name, Value: a.Value, Switch: a.Switch})
		}
		st.Commands = append(st.Commands, pc)
	}
	cp := psrp.CreatePipeline{NoInput: input == nil, ApartmentState: psrp.ApartmentUnknown, Host: psrp.NullHost,
		Statements: []psrp.Statement{st}}
	return c.run(ctx, psrp.MsgCreatePipeline, cp.Marshal(), input, h)
}

// run creates a command carrying a CREATE_PIPELINE or GET_COMMAND_METADATA
// message, sends input and receives until CommandState Done, then
// terminates the command.
func (c *Client) run(ctx context.Context, t psrp.MessageType, payload []byte, input []clixml.Value, h Handlers) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	id := uuid.New()
	cmdID := strings.ToUpper(id.String())
	pid := psrp.WireGUIDFromGUID(clixml.GUID(id))
	msgs := [][]byte{c.message(t, pid, payload)}
	if input != nil {
		for _, v := range input {
			data, err := psrp.EncodeObject(v)
			if err != nil {
				return fmt.Errorf("remoting: encoding input: %w", err)
			}
			msgs = append(msgs, c.message(psrp.MsgPipelineInput, pid, data))
		}
		msgs = append(msgs, c.message(psrp.MsgEndOfPipelineInput, pid, nil))
	}
	chunks := c.fragments(msgs...)
	rb, err := c.ws.do(ctx, c.shellID, &wsman.Command{CommandID: cmdID, Arguments: chunks[0]})
	if err != nil {
		return err
	}
	if cr, ok := rb.(*wsman.CommandResponse); ok && cr.CommandID != "" {
		cmdID = cr.CommandID
	}
	// From here on the server runs the pipeline: use a context that
	// outlives ctx so that a cancellation can be turned into a stop.
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			sctx, scancel := context.WithTimeout(rctx, stopGrace)
			defer scancel()
			if _, err := c.ws.do(sctx, c.shellID, &wsman.Signal{CommandID: cmdID, Code: wsman.SignalPSCtrlC}); err != nil {
				c.log.Debug("remoting: stop signal", "command", cmdID, "err", err)
			}
			time.AfterFunc(stopGrace, cancel)
		case <-stopped:
		}
	}()
	defer close(stopped)
	for _, ch := range chunks[1:] {
		if err := c.send(rctx, cmdID, ch); err != nil {
			return err
		}
	}
	final, err := c.receiveAll(rctx, cmdID, h)
	if err == nil {
		// Discard the command on the server (WSManCloseCommand).
		if _, terr := c.ws.do(rctx, c.shellID, &wsman.Signal{CommandID: cmdID, Code: wsman.SignalTerminate}); terr != nil {
			c.log.Debug("remoting: terminate", "command", cmdID, "err", terr)
		}
	}
	switch {
	case err != nil:
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %w", ErrStopped, ctx.Err())
		}
		return err
	case final.State == psrp.PipelineCompleted:
		return nil
	case final.State == psrp.PipelineStopped:
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %w", ErrStopped, ctx.Err())
		}
		return ErrStopped
	case final.Error != nil:
		return &PipelineError{Record: final.Error}
	}
	return fmt.Errorf("remoting: pipeline ended in state %v", final.State)
}

// receiveAll receives a command's output until CommandState Done,
// dispatching messages to h, and returns the final PIPELINE_STATE.
func (c *Client) receiveAll(ctx context.Context, cmdID string, h Handlers) (psrp.PipelineStateInfo, error) {
	var d fragment.Defragmenter
	var final *psrp.PipelineStateInfo
	for {
		rr, err := c.ws.receive(ctx, c.shellID, cmdID)
		if err != nil {
			return psrp.PipelineStateInfo{}, err
		}
		for _, st := range rr.Streams {
			msgs, err := d.Write(st.Data)
			if err != nil {
				return psrp.PipelineStateInfo{}, fmt.Errorf("remoting: receiving: %w", err)
			}
			for _, raw := range msgs {
				m, err := psrp.DecodeMessage(raw)
				if err != nil {
					return psrp.PipelineStateInfo{}, fmt.Errorf("remoting: receiving: %w", err)
				}
				s, err := dispatchPipelineMessage(m, h)
				if err != nil {
					return psrp.PipelineStateInfo{}, err
				}
				if s != nil && s.State.Terminal() {
					final = s
				}
			}
		}
		if rr.State != nil && rr.State.State == wsman.CommandStateDone {
			if final == nil {
				return psrp.PipelineStateInfo{}, errors.New("remoting: command done without a final pipeline state")
			}
			return *final, nil
		}
	}
}

// dispatchPipelineMessage decodes one server→client pipeline message and
// calls its handler; it returns the state of PIPELINE_STATE messages.
func dispatchPipelineMessage(m psrp.Message, h Handlers) (*psrp.PipelineStateInfo, error) {
	switch m.Type {
	case psrp.MsgPipelineOutput:
		v, err := psrp.DecodeObject(m.Type, m.Data)
		if err != nil {
			return nil, err
		}
		if h.Output != nil {
			h.Output(v)
		}
	case psrp.MsgErrorRecord:
		rec, err := psrp.DecodeErrorRecordMessage(m.Data)
		if err != nil {
			return nil, err
		}
		if h.Error != nil {
			h.Error(rec)
		}
	case psrp.MsgWarningRecord, psrp.MsgVerboseRecord, psrp.MsgDebugRecord:
		rec, err := psrp.DecodeInformationalRecord(m.Type, m.Data)
		if err != nil {
			return nil, err
		}
		if h.Informational != nil {
			h.Informational(rec)
		}
	case psrp.MsgProgressRecord:
		rec, err := psrp.DecodeProgressRecord(m.Data)
		if err != nil {
			return nil, err
		}
		if h.Progress != nil {
			h.Progress(rec)
		}
	case psrp.MsgInformationRecord:
		rec, err := psrp.DecodeInformationRecord(m.Data)
		if err != nil {
			return nil, err
		}
		if h.Information != nil {
			h.Information(rec)
		}
	case psrp.MsgPipelineState:
		s, err := psrp.DecodePipelineState(m.Data)
		if err != nil {
			return nil, err
		}
		return &s, nil
	}
	return nil, nil
}
