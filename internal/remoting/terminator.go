package remoting

import (
	"context"
	"sync"
	"time"

	"github.com/ipps/ipps/internal/wsman"
)

// terminateTimeout bounds a background Terminate.
const terminateTimeout = 30 * time.Second

// terminatorIdle is how long an idle terminator goroutine waits for the
// next finished command before it exits. A shell running pipelines back
// to back finishes one every few milliseconds, so one goroutine (with its
// grown stack) serves them all; an idle shell keeps none.
const terminatorIdle = 250 * time.Millisecond

// maxTerminators bounds the goroutines sending one Client's Terminates.
// Terminates queue behind each other only when more commands finish at
// once than there are goroutines.
const maxTerminators = 4

// terminator sends the Signal Terminate of finished commands in the
// background (see Client.terminate). Its goroutines are counted in the
// Client's bg WaitGroup, so Close waits for every queued Terminate.
type terminator struct {
	mu sync.Mutex
	// queue holds the command ids still to terminate, oldest first;
	// workers counts the running goroutines. Guarded by mu.
	queue   []string
	workers int
	// wake tells a waiting goroutine that the queue grew (capacity 1: one
	// token is enough, as a goroutine drains the queue before it waits).
	wake chan struct{}
	// closing is closed by Client.Close: goroutines exit as soon as the
	// queue is empty instead of waiting terminatorIdle.
	closing   chan struct{}
	closeOnce sync.Once
}

func (t *terminator) init() {
	t.wake = make(chan struct{}, 1)
	t.closing = make(chan struct{})
}

// terminate discards a finished command on the server (Signal Terminate,
// like WSManCloseCommand) in the background, so Invoke returns as soon as
// the pipeline is done; Close waits for outstanding terminations.
func (c *Client) terminate(id string) {
	t := &c.term
	t.mu.Lock()
	t.queue = append(t.queue, id)
	start := t.workers == 0 || (len(t.queue) > t.workers && t.workers < maxTerminators)
	if start {
		t.workers++
		c.bg.Add(1)
	}
	t.mu.Unlock()
	if start {
		go c.terminateLoop()
		return
	}
	select {
	case t.wake <- struct{}{}:
	default: // a token is already pending
	}
}

// terminateLoop sends queued Terminates until the queue has been empty
// for terminatorIdle, or is empty once Close began.
func (c *Client) terminateLoop() {
	defer c.bg.Done()
	t := &c.term
	var idle *time.Timer
	defer func() {
		if idle != nil {
			idle.Stop()
		}
	}()
	for {
		t.mu.Lock()
		if len(t.queue) > 0 {
			id := t.queue[0]
			n := copy(t.queue, t.queue[1:]) // short: keep the array
			t.queue[n] = ""
			t.queue = t.queue[:n]
			t.mu.Unlock()
			c.sendTerminate(id)
			continue
		}
		t.mu.Unlock()
		if idle == nil {
			idle = time.NewTimer(terminatorIdle)
		} else {
			idle.Reset(terminatorIdle)
		}
		exit := false
		select {
		case <-t.wake:
		case <-idle.C:
			exit = true
		case <-t.closing:
			exit = true
		}
		if exit {
			t.mu.Lock()
			if len(t.queue) == 0 {
				t.workers--
				t.mu.Unlock()
				return
			}
			t.mu.Unlock()
		}
	}
}

// sendTerminate sends one Signal Terminate, logging a failure.
func (c *Client) sendTerminate(id string) {
	if _, err := c.ws.doWithin(context.Background(), terminateTimeout, c.shellID,
		&wsman.Signal{CommandID: id, Code: wsman.SignalTerminate}); err != nil {
		c.log.Debug("remoting: terminate", "command", id, "err", err)
	}
}

// stopTerminators makes idle terminator goroutines exit now; those with
// work finish it first. Called by Close before it waits for bg.
func (t *terminator) stopTerminators() {
	t.closeOnce.Do(func() { close(t.closing) })
}
