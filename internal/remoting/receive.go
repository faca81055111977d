package remoting

import (
	"context"
	"errors"
	"time"

	"github.com/ipps/ipps/internal/wsman"
)

// defaultOperationTimeout applies when a Receive carries no
// OperationTimeout (WinRM's default is 60 s).
const defaultOperationTimeout = 60 * time.Second

// receiveWait returns how long a Receive may be held: the request's
// OperationTimeout minus a margin of max(500ms, 10%), so the TimedOut
// fault reaches the client before its own timer fires (pypsrp's HTTP read
// timeout is only 10 s above OperationTimeout). Very short timeouts are
// halved instead.
func receiveWait(opTimeout time.Duration) time.Duration {
	if opTimeout <= 0 {
		opTimeout = defaultOperationTimeout
	}
	margin := max(500*time.Millisecond, opTimeout/10)
	if margin >= opTimeout {
		return opTimeout / 2
	}
	return opTimeout - margin
}

// receive answers a pool- or pipeline-level Receive: it returns once the
// target has queued data (packed within the request's MaxEnvelopeSize;
// for a pipeline still running, briefly coalesced with what it writes
// next, see coalesce) or the command is done, and otherwise answers
// TimedOut shortly before the OperationTimeout. Receives on different targets of one shell wait
// independently; a Delete wakes them all.
func (s *Server) receive(ctx context.Context, c *call, sh *shell, r *wsman.Receive) {
	maxEnv := c.req.Header.MaxEnvelopeSize
	if maxEnv == 0 {
		maxEnv = wsman.DefaultMaxEnvelopeSize
	}
	// Budget for the largest shape: one stream plus CommandState Done.
	shape := wsman.ReceiveResponse{SequenceID: r.SequenceID,
		Streams: []wsman.Stream{{Name: "stdout", CommandID: r.CommandID}}}
	if r.CommandID != "" {
		shape.State = &wsman.CommandState{CommandID: r.CommandID, State: wsman.CommandStateDone}
	}
	budget := wsman.MaxReceivePayload(maxEnv, c.reply(), shape)
	if sh.compress {
		budget = rawChunkBudget(budget)
	}
	if budget < minReceivePayload {
		c.fault(wsman.MaxEnvelopeSizeExceeded(errors.New("remoting: MaxEnvelopeSize too small for any output")))
		return
	}
	// gone (nil for the pool) wakes the wait when the command is
	// terminated; ready when its queue has data.
	var gone <-chan struct{}
	if r.CommandID != "" {
		cmd := sh.command(r.CommandID)
		if cmd == nil {
			c.fault(wsman.CommandNotFound())
			return
		}
		gone = cmd.gone
	}
	ready := sh.pool.Ready(r.CommandID)
	timer := time.NewTimer(receiveWait(c.req.Header.OperationTimeout))
	defer timer.Stop()
	for {
		if sh.isClosed() {
			c.fault(wsman.ShellNotFound(sh.id))
			return
		}
		if r.CommandID != "" && sh.command(r.CommandID) == nil {
			c.fault(wsman.CommandNotFound())
			return
		}
		data, final := sh.pool.DataToSend(r.CommandID, budget)
		if len(data) > 0 && !final && r.CommandID != "" {
			data, final = s.coalesce(ctx, sh, r.CommandID, ready, gone, data, budget)
		}
		if len(data) > 0 || final {
			c.respond(s.receiveResponse(c, sh, r, takeResult{data: data, done: final}))
			return
		}
		select {
		case <-ready:
		case <-gone:
		case <-sh.done:
		case <-timer.C:
			c.fault(wsman.TimedOut())
			return
		case <-ctx.Done():
			return
		}
	}
}

// Coalescing bounds (see coalesce).
const (
	// defaultCoalesceGap is how long a Receive that has data waits for
	// the pipeline's next message before answering.
	defaultCoalesceGap = time.Millisecond
	// defaultCoalesceMax bounds the whole wait after the first data was
	// taken.
	defaultCoalesceMax = 5 * time.Millisecond
	// coalesceMinRoom stops the wait once less than this much of the
	// budget is left, so messages are not cut into tiny fragments.
	coalesceMinRoom = 4096
)

// coalesce lets a pipeline-level Receive that already took data from a
// still-running pipeline pick up what the pipeline writes next, so that a
// burst of N messages costs a few Receive round trips instead of N. It
// appends to data until the pipeline ends (final), less than
// coalesceMinRoom of budget is left, no message arrived for s.coalesceGap,
// s.coalesceMax passed, or the command, shell or request goes away; what
// was taken is always returned and must be answered. The long-poll itself
// (no data yet) is unaffected: coalescing starts only once there is
// something to send.
func (s *Server) coalesce(ctx context.Context, sh *shell, target string, ready, gone <-chan struct{}, data []byte, budget int) ([]byte, bool) {
	deadline := time.Now().Add(s.coalesceMax)
	gap := time.NewTimer(s.coalesceGap)
	defer gap.Stop()
	for budget-len(data) >= coalesceMinRoom {
		select {
		case <-ready:
		case <-gap.C:
			return data, false
		case <-gone:
			return data, false
		case <-sh.done:
			return data, false
		case <-ctx.Done():
			return data, false
		}
		more, final := sh.pool.DataToSend(target, budget-len(data))
		data = append(data, more...)
		if final {
			return data, true
		}
		if len(more) > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return data, false
			}
			gap.Reset(min(s.coalesceGap, left))
		}
	}
	return data, false
}

// minReceivePayload is the smallest payload budget worth answering with:
// a fragment header and a few bytes.
const minReceivePayload = 64

// takeResult is what a Receive takes from a target's queue.
type takeResult struct {
	// data is whole fragments, at most the budget.
	data []byte
	// done is set when data ends with the pipeline's final PIPELINE_STATE
	// (or the pipeline finished earlier): the response carries
	// CommandState Done with ExitCode 0.
	done bool
}

// receiveResponse encodes out as a ReceiveResponse.
func (s *Server) receiveResponse(c *call, sh *shell, r *wsman.Receive, out takeResult) []byte {
	resp := &wsman.ReceiveResponse{SequenceID: r.SequenceID}
	if len(out.data) > 0 {
		data := out.data
		if sh.compress {
			data = rawChunks(data)
		}
		resp.Streams = append(resp.Streams, wsman.Stream{Name: "stdout", CommandID: r.CommandID, Data: data})
	}
	if out.done && r.CommandID != "" {
		resp.State = &wsman.CommandState{CommandID: r.CommandID, State: wsman.CommandStateDone}
	}
	return wsman.MarshalResponse(c.reply(), resp)
}
