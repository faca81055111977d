package remoting

import (
	"context"
	"sync"

	"github.com/ipps/ipps/internal/clixml"
)

// inputQueue carries PIPELINE_INPUT objects from Send requests to a
// running Invoke. Requests must never block on a slow pipeline, so push
// appends to an unbounded buffer (bounded in practice by the request size
// and the fragment caps) and a pump goroutine feeds the channel the
// runspace reads. The channel is closed after END_OF_PIPELINE_INPUT has
// been pushed and everything before it delivered, or when ctx ends.
type inputQueue struct {
	ch chan clixml.Value

	mu sync.Mutex
	// buf holds objects not yet handed to ch; guarded by mu.
	buf []clixml.Value
	// ended is set by end; guarded by mu.
	ended bool
	// wake is signalled (non-blocking) on push and end.
	wake chan struct{}
}

func newInputQueue() *inputQueue {
	return &inputQueue{ch: make(chan clixml.Value), wake: make(chan struct{}, 1)}
}

// push queues v. Pushing after end is ignored.
func (q *inputQueue) push(v clixml.Value) {
	q.mu.Lock()
	if !q.ended {
		q.buf = append(q.buf, v)
	}
	q.mu.Unlock()
	q.poke()
}

// end marks the end of input.
func (q *inputQueue) end() {
	q.mu.Lock()
	q.ended = true
	q.mu.Unlock()
	q.poke()
}

func (q *inputQueue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pump delivers queued objects to ch until input ends or ctx is done, then
// closes ch. Run it in its own goroutine.
func (q *inputQueue) pump(ctx context.Context) {
	defer close(q.ch)
	for {
		q.mu.Lock()
		var v clixml.Value
		have := len(q.buf) > 0
		if have {
			v = q.buf[0]
			q.buf[0] = nil
			q.buf = q.buf[1:]
		}
		ended := q.ended
		q.mu.Unlock()
		if have {
			select {
			case q.ch <- v:
				continue
			case <-ctx.Done():
				return
			}
		}
		if ended {
			return
		}
		select {
		case <-q.wake:
		case <-ctx.Done():
			return
		}
	}
}
