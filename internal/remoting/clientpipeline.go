package remoting

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp"
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

// commandTimeout bounds the Command request, which is not cancelled with
// the caller's context.
const commandTimeout = 2 * time.Minute

// Invoke runs cmds as one pipeline and streams its results to h. input,
// if non-nil, is sent as pipeline input (NoInput=false, then
// END_OF_PIPELINE_INPUT). It returns nil when the pipeline Completed, a
// *PipelineError when it Failed, or an error wrapping ErrStopped and
// ctx.Err() when ctx was cancelled: cancellation sends the crtl_c signal
// and waits (up to 30 s) for the server's Stopped state.
func (c *Client) Invoke(ctx context.Context, cmds []runspace.Command, input []clixml.Value, h Handlers) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st := psrp.Statement{Commands: make([]psrp.Command, 0, len(cmds))}
	for _, rc := range cmds {
		pc := psrp.Command{Name: rc.Name, IsScript: rc.IsScript, Args: make([]psrp.Argument, 0, len(rc.Args))}
		for _, a := range rc.Args {
			pc.Args = append(pc.Args, psrp.Argument{Name: a.Name, Value: a.Value, Switch: a.Switch})
		}
		st.Commands = append(st.Commands, pc)
	}
	pl, err := c.pool.CreatePipeline(psrp.CreatePipeline{NoInput: input == nil, ApartmentState: psrp.ApartmentUnknown,
		Host: psrp.NullHost, Statements: []psrp.Statement{st}})
	if err != nil {
		return fmt.Errorf("remoting: %w", err)
	}
	if input != nil {
		for _, v := range input {
			if err := pl.SendInput(v); err != nil {
				c.pool.RemovePipeline(pl.ID())
				return fmt.Errorf("remoting: queueing input: %w", err)
			}
		}
		if err := pl.EndInput(); err != nil {
			c.pool.RemovePipeline(pl.ID())
			return fmt.Errorf("remoting: ending input: %w", err)
		}
	}
	return c.run(ctx, pl, h)
}

// run sends a queued pipeline with wxf:Command (and Sends for the rest),
// receives until CommandState Done, then terminates the command.
func (c *Client) run(ctx context.Context, pl *psrp.ClientPipeline, h Handlers) error {
	id := pl.ID()
	defer c.events.forget(id)
	defer c.pool.RemovePipeline(id)
	args, _ := c.pool.DataToSend(id, c.maxBlob)
	// The server may start the pipeline before it answers the Command, so
	// a cancellation must not abort this request half way (the pipeline
	// would then run on with nobody to stop it): finish it, then let the
	// watcher below turn the cancellation into a stop signal.
	detached := context.WithoutCancel(ctx)
	_, err := c.ws.doWithin(detached, commandTimeout, c.shellID, &wsman.Command{CommandID: id, Arguments: args})
	if err != nil {
		return err
	}
	// From here on the server runs the pipeline: use a context that
	// outlives ctx so that a cancellation can be turned into a stop.
	rctx, cancel := context.WithCancel(detached)
	defer cancel()
	// A cancellation of ctx becomes a stop signal; rctx is cancelled too
	// if the server has not finished the pipeline stopGrace later. The
	// watcher is a context.AfterFunc, so a pipeline that is never
	// cancelled costs no goroutine.
	finished := make(chan struct{})
	watched := make(chan struct{})
	unwatch := context.AfterFunc(ctx, func() {
		defer close(watched)
		sctx, scancel := context.WithTimeout(rctx, stopGrace)
		defer scancel()
		if _, err := c.ws.do(sctx, c.shellID, &wsman.Signal{CommandID: id, Code: wsman.SignalPSCtrlC}); err != nil {
			c.log.Debug("remoting: stop signal", "command", id, "err", err)
		}
		t := time.AfterFunc(stopGrace, cancel)
		<-finished
		t.Stop()
	})
	defer func() {
		close(finished)
		if !unwatch() {
			<-watched // the watcher ran: wait for it, as it uses rctx
		}
	}()
	if err := c.flush(rctx, id); err != nil {
		return err
	}
	final, err := c.receiveAll(rctx, pl, h)
	if err == nil {
		c.terminate(id)
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
// dispatching its events to h, and returns the final PIPELINE_STATE.
// The first Receive is made on this goroutine: most pipelines answer
// with all their output and CommandState Done in one response, and then
// no reader goroutine is needed. Otherwise further Receives are issued
// by a reader goroutine, one at a time, so that the next one is in
// flight (and its envelope parsed) while this goroutine decodes the
// previous one; at most two responses wait undecoded.
func (c *Client) receiveAll(ctx context.Context, pl *psrp.ClientPipeline, h Handlers) (psrp.PipelineStateInfo, error) {
	rr, err := c.ws.receive(ctx, c.shellID, pl.ID())
	var responses *receiver
	defer func() {
		if responses != nil {
			responses.stop()
		}
	}()
	var final *psrp.PipelineStateInfo
	var evbuf [8]psrp.Event // a response's events, usually few
	evs := evbuf[:0]
	for {
		if err != nil {
			return psrp.PipelineStateInfo{}, err
		}
		done := rr.State != nil && rr.State.State == wsman.CommandStateDone
		if !done && responses == nil {
			responses = c.receiveAhead(ctx, pl.ID())
		}
		for _, st := range rr.Streams {
			err := c.pool.ReceiveData(pl.ID(), psrp.StreamStdin, st.Data)
			evs = c.events.collect(c.pool, pl.ID(), evs[:0])
			for _, ev := range evs {
				if s := dispatch(ev, h); s != nil {
					final = s
				}
			}
			clear(evs)
			if err != nil {
				return psrp.PipelineStateInfo{}, fmt.Errorf("remoting: receiving: %w", err)
			}
		}
		if done {
			if final == nil {
				return psrp.PipelineStateInfo{}, errors.New("remoting: command done without a final pipeline state")
			}
			return *final, nil
		}
		rr, err = responses.next(ctx)
	}
}

// receiver is a reader goroutine's stream of Receive results for one
// command; see receiveAhead.
type receiver struct {
	ch     chan receiveResult
	cancel context.CancelFunc
	done   chan struct{}
}

type receiveResult struct {
	rr  *wsman.ReceiveResponse
	err error
}

// receiveAhead starts issuing Receives for commandID until CommandState
// Done, an error, or stop.
func (c *Client) receiveAhead(ctx context.Context, commandID string) *receiver {
	ctx, cancel := context.WithCancel(ctx)
	r := &receiver{ch: make(chan receiveResult, 1), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for {
			rr, err := c.ws.receive(ctx, c.shellID, commandID)
			select {
			case r.ch <- receiveResult{rr, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || (rr.State != nil && rr.State.State == wsman.CommandStateDone) {
				return
			}
		}
	}()
	return r
}

// next returns the next Receive result, in order, or ctx's error once
// the reader gave up because ctx was cancelled.
func (r *receiver) next(ctx context.Context) (*wsman.ReceiveResponse, error) {
	select {
	case res := <-r.ch:
		return res.rr, res.err
	case <-r.done:
		select {
		case res := <-r.ch:
			return res.rr, res.err
		default:
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, errors.New("remoting: receive after the command was done")
	}
}

// stop cancels an outstanding Receive and waits for the reader to exit.
func (r *receiver) stop() {
	r.cancel()
	<-r.done
}

// dispatch calls the handler for one pipeline event; it returns the state
// of a terminal PipelineStateEvent.
func dispatch(ev psrp.Event, h Handlers) *psrp.PipelineStateInfo {
	switch ev := ev.(type) {
	case psrp.OutputEvent:
		if h.Output != nil {
			h.Output(ev.Value)
		}
	case psrp.ErrorRecordEvent:
		if h.Error != nil {
			h.Error(ev.Record)
		}
	case psrp.InformationalEvent:
		if h.Informational != nil {
			h.Informational(ev.Record)
		}
	case psrp.ProgressEvent:
		if h.Progress != nil {
			h.Progress(ev.Record)
		}
	case psrp.InformationEvent:
		if h.Information != nil {
			h.Information(ev.Record)
		}
	case psrp.PipelineStateEvent:
		if ev.State.State.Terminal() {
			s := ev.State
			return &s
		}
	}
	return nil
}
