package remoting

import (
	"sync"

	"github.com/ipps/ipps/internal/psrp"
)

// eventRouter sorts the events of a psrp.ClientPool by pipeline. The pool
// keeps one event list; with concurrent pipelines, the goroutine that
// drains it may find another pipeline's events, so each is parked under
// its pipeline id ("" for pool events) until that pipeline's goroutine
// takes it. Each goroutine drains after its own ReceiveData and before
// take, so no event is missed.
type eventRouter struct {
	mu sync.Mutex
	// byTarget holds undelivered events per pipeline id; guarded by mu.
	byTarget map[string][]psrp.Event
}

func (r *eventRouter) init() { r.byTarget = make(map[string][]psrp.Event) }

// drain moves every pending pool event to its pipeline's list.
func (r *eventRouter) drain(p *psrp.ClientPool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		ev, ok := p.NextEvent()
		if !ok {
			return
		}
		k := eventTarget(ev)
		r.byTarget[k] = append(r.byTarget[k], ev)
	}
}

// take returns and forgets the events parked for target.
func (r *eventRouter) take(target string) []psrp.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	evs := r.byTarget[target]
	delete(r.byTarget, target)
	return evs
}

// collect drains the pool's pending events like drain, and appends the
// events for target (those parked earlier, then the new ones, in order)
// to dst instead of parking them: drain then take, without the round
// trip through the map in the common case of one pipeline per shell.
func (r *eventRouter) collect(p *psrp.ClientPool, target string, dst []psrp.Event) []psrp.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	if parked, ok := r.byTarget[target]; ok {
		dst = append(dst, parked...)
		delete(r.byTarget, target)
	}
	for {
		ev, ok := p.NextEvent()
		if !ok {
			return dst
		}
		if k := eventTarget(ev); k == target {
			dst = append(dst, ev)
		} else {
			r.byTarget[k] = append(r.byTarget[k], ev)
		}
	}
}

// forget drops whatever is left for a finished pipeline.
func (r *eventRouter) forget(target string) { r.take(target) }

// eventTarget returns the pipeline id an event belongs to, "" for pool
// events.
func eventTarget(ev psrp.Event) string {
	var pl *psrp.ClientPipeline
	switch ev := ev.(type) {
	case psrp.OutputEvent:
		pl = ev.Pipeline
	case psrp.ErrorRecordEvent:
		pl = ev.Pipeline
	case psrp.InformationalEvent:
		pl = ev.Pipeline
	case psrp.ProgressEvent:
		pl = ev.Pipeline
	case psrp.InformationEvent:
		pl = ev.Pipeline
	case psrp.PipelineStateEvent:
		pl = ev.Pipeline
	}
	if pl == nil {
		return ""
	}
	return pl.ID()
}
