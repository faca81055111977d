package psrp

import (
	"errors"
	"strings"
	"sync"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp/fragment"
)

// PoolTarget is the target of pool-level data: a WS-Man Send or Receive
// without CommandId.
const PoolTarget = ""

// Stream is the WS-Man input stream data arrived on.
type Stream uint8

// Input streams (MS-PSRP 3.1.5.3 over MS-WSMV): stdin carries PSRP data,
// pr carries host-call responses.
const (
	StreamStdin Stream = iota
	StreamPR
)

// Errors returned by writes and sends.
var (
	// ErrClosed: the pool was closed or broken.
	ErrClosed = errors.New("psrp: runspace pool closed")
	// ErrPipelineDone: the pipeline already reached a terminal state
	// (stopped, completed or failed) or its input was ended.
	ErrPipelineDone = errors.New("psrp: pipeline finished")
	// ErrNotOpened: the pool is not in the Opened state.
	ErrNotOpened = errors.New("psrp: runspace pool not opened")
	// ErrUnknownPipeline: no pipeline is registered under the id.
	ErrUnknownPipeline = errors.New("psrp: unknown pipeline")
	// ErrTooManyPipelines: ServerConfig.MaxRunningPipelines is reached.
	ErrTooManyPipelines = errors.New("psrp: too many running pipelines")
)

// targetKey normalizes a WS-Man CommandId for use as a map key.
func targetKey(t string) string { return strings.ToUpper(strings.Trim(t, "{}")) }

// queue is the outbound queue of one target. Fields are guarded by
// endpoint.mu.
type queue struct {
	msgs  []*fragment.Cursor
	bytes int // unsent message bytes
	// ready has capacity 1 and is signalled on enqueue and on terminal.
	// It is made by the first Ready, as most queues (every client
	// pipeline's) never need one; signalled records a signal made before,
	// which the new channel then holds, as one made with the queue would.
	ready     chan struct{}
	signalled bool
	// terminal is set once the final PIPELINE_STATE is enqueued; final is
	// reported by DataToSend when that message has been fully handed out.
	terminal, finalSent bool
	// aborted wakes and fails blocked writers (stop, close).
	aborted bool
}

func (q *queue) signal() {
	if q.ready == nil {
		q.signalled = true
		return
	}
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// handler is the role-specific half of an endpoint: ServerPool or
// ClientPool. It is called with endpoint.mu held.
type handler interface {
	handle(target string, stream Stream, m Message) error
}

// endpoint is the layer client and server share: inbound reassembly and
// decoding, per-target outbound queues, the event list. One mutex guards
// everything, including the role's and its pipelines' state.
type endpoint struct {
	mu   sync.Mutex
	cond sync.Cond // on mu; broadcast when queues drain or abort
	cfg  Config
	dest Destination // Destination written on outbound messages
	role handler

	rpid   WireGUID // guarded by mu
	ids    fragment.ObjectIDs
	defrag fragment.Defragmenter
	// poolQ is the queue of PoolTarget, which every endpoint uses; queues
	// holds the pipelines' queues by targetKey and is nil until the first
	// one, so that an idle pool carries no map. Guarded by mu.
	poolQ  *queue
	queues map[string]*queue
	events []Event // guarded by mu
	closed bool    // guarded by mu
}

func (e *endpoint) init(cfg Config, dest Destination, role handler) {
	e.cfg, e.dest, e.role = cfg, dest, role
	e.cond.L = &e.mu
	e.defrag = fragment.Defragmenter{MaxMessageSize: cfg.MaxMessageSize, MaxPendingSize: cfg.MaxPendingSize}
	e.poolQ = newQueue()
}

func newQueue() *queue { return &queue{} }

// queueLocked returns the queue of target, creating it.
func (e *endpoint) queueLocked(target string) *queue {
	if q := e.lookupLocked(target); q != nil {
		return q
	}
	if e.queues == nil {
		e.queues = make(map[string]*queue)
	}
	q := newQueue()
	e.queues[targetKey(target)] = q
	return q
}

// dropQueueLocked forgets the queue of a pipeline target; the map goes
// with its last queue.
func (e *endpoint) dropQueueLocked(target string) {
	k := targetKey(target)
	if k == PoolTarget {
		return
	}
	delete(e.queues, k)
	if len(e.queues) == 0 {
		e.queues = nil
	}
}

// lookupLocked returns the queue of target, or nil if it has none.
func (e *endpoint) lookupLocked(target string) *queue {
	k := targetKey(target)
	if k == PoolTarget {
		return e.poolQ
	}
	return e.queues[k]
}

// encoder is anything that becomes message data: the payload types'
// Marshal methods, rawData and valueData.
type encoder interface{ Marshal() ([]byte, error) }

// messageEncoder is an encoder that also writes a whole message, header
// (m, whose Data is ignored) and data, with the bytes Marshal and
// Message.Encode would give, in one allocation instead of two copies.
type messageEncoder interface {
	encoder
	encodeMessage(m Message) ([]byte, error)
}

// rawData is message data that is already encoded (or empty).
type rawData []byte

func (d rawData) Marshal() ([]byte, error) { return d, nil }

// valueData is message data holding one CLIXML value.
type valueData struct{ v clixml.Value }

func (d valueData) Marshal() ([]byte, error) { return marshal(d.v) }

// enqueueLocked encodes a message and appends it to target's queue
// without blocking; nothing is queued if encoding fails.
func (e *endpoint) enqueueLocked(target string, t MessageType, pid WireGUID, enc encoder) error {
	m := Message{Destination: e.dest, Type: t, RPID: e.rpid, PID: pid}
	var b []byte
	if me, ok := enc.(messageEncoder); ok {
		var err error
		if b, err = me.encodeMessage(m); err != nil {
			return err
		}
	} else {
		data, err := enc.Marshal()
		if err != nil {
			return err
		}
		m.Data = data
		b = m.Encode()
	}
	q := e.queueLocked(target)
	q.msgs = append(q.msgs, fragment.NewCursor(e.ids.Next(), b))
	q.bytes += len(b)
	q.signal()
	return nil
}

// waitRoomLocked blocks while target's queue holds more than
// MaxQueuedBytes, until DataToSend drains it or the queue is aborted.
func (e *endpoint) waitRoomLocked(q *queue) error {
	for e.cfg.MaxQueuedBytes > 0 && q.bytes > e.cfg.MaxQueuedBytes && !q.aborted && !e.closed {
		e.cond.Wait()
	}
	if e.closed {
		return ErrClosed
	}
	if q.aborted {
		return ErrPipelineDone
	}
	return nil
}

// Ready returns a channel that receives a value whenever data is queued
// for target (the pool when target is PoolTarget, else a CommandId) or the
// target reaches a terminal state. The signal is level-collapsed
// (capacity 1): after it fires, call DataToSend until it returns nothing.
// The channel stays valid for the target's lifetime.
func (e *endpoint) Ready(target string) <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	q := e.queueLocked(target)
	if q.ready == nil {
		q.ready = make(chan struct{}, 1)
		if q.signalled {
			q.ready <- struct{}{}
		}
	}
	return q.ready
}

// DataToSend removes up to maxBytes of whole fragments from target's
// queue and returns them concatenated, ready for one WS-Man stream
// element (the caller base64-encodes them). It never mixes targets; it
// cuts messages across calls as the budget requires. final is true exactly
// once per pipeline: on the call that hands out the last fragment of its
// terminal PIPELINE_STATE, after which the transport reports
// CommandState Done. It returns nil when nothing is queued or maxBytes
// cannot hold a fragment header plus one byte. Writers blocked on
// back-pressure are woken.
func (e *endpoint) DataToSend(target string, maxBytes int) (data []byte, final bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	q := e.lookupLocked(target)
	if q == nil {
		return nil, false
	}
	if len(q.msgs) > 0 {
		data = make([]byte, 0, min(maxBytes, q.bytes+fragment.HeaderSize*(len(q.msgs)+q.bytes/e.cfg.MaxFragmentSize+1)))
	}
	for len(q.msgs) > 0 {
		room := maxBytes - len(data) - fragment.HeaderSize
		if room < 1 {
			break
		}
		c := q.msgs[0]
		before := c.Remaining()
		data, _ = c.AppendNext(data, min(room, e.cfg.MaxFragmentSize))
		q.bytes -= before - c.Remaining()
		if c.Done() {
			q.msgs[0] = nil
			q.msgs = q.msgs[1:]
		}
	}
	if len(q.msgs) == 0 {
		q.msgs = nil // an idle queue keeps no backing array
	}
	if len(data) == 0 {
		data = nil
	}
	if q.terminal && !q.finalSent && len(q.msgs) == 0 {
		q.finalSent, final = true, true
	}
	e.cond.Broadcast()
	return data, final
}

// Pending reports whether target has queued data.
func (e *endpoint) Pending(target string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	q := e.lookupLocked(target)
	return q != nil && len(q.msgs) > 0
}

// NextEvent returns the oldest undelivered event, or nil and false. The
// transport calls it until false after every ReceiveData.
func (e *endpoint) NextEvent() (Event, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.events) == 0 {
		return nil, false
	}
	ev := e.events[0]
	e.events[0] = nil
	e.events = e.events[1:]
	if len(e.events) == 0 {
		e.events = nil // an idle endpoint keeps no backing array
	}
	return ev, true
}

// emitLocked appends ev to the event list. A list starts with room for
// a few events: a pipeline's output and its state usually arrive together.
func (e *endpoint) emitLocked(ev Event) {
	if e.events == nil {
		e.events = make([]Event, 0, 4)
	}
	e.events = append(e.events, ev)
}

// ReceiveData consumes payload, the decoded bytes of one WS-Man stream
// element (one or more whole fragments) that arrived for target
// (PoolTarget or a CommandId) on stream. Complete messages are processed
// in order: automatic replies are queued and events appended for
// NextEvent. Processing stops at the first error, which is a fragment
// error (*fragment.SequenceError, *fragment.TruncatedError, ErrTooLarge),
// a message error (*UnknownTypeError, *PayloadError,
// *UnexpectedMessageError, *ProtocolVersionError) or ErrClosed; the
// transport answers it with a fault. Messages before the bad one keep
// their effect. payload is not retained.
func (e *endpoint) ReceiveData(target string, stream Stream, payload []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	msgs, ferr := e.defrag.Write(payload)
	for _, b := range msgs {
		m, err := DecodeMessage(b)
		if err != nil {
			return err
		}
		if err := e.role.handle(target, stream, m); err != nil {
			return err
		}
	}
	return ferr
}

// closeLocked marks the endpoint closed and wakes blocked writers and
// Ready waiters; queued data stays readable.
func (e *endpoint) closeLocked() {
	e.closed = true
	for _, q := range e.queues {
		q.aborted = true
		q.signal()
	}
	e.poolQ.aborted = true
	e.poolQ.signal()
	e.cond.Broadcast()
}
