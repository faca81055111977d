package remoting

import (
	"testing"

	"github.com/ipps/ipps/internal/psrp"
)

func TestEventTargetPoolEvents(t *testing.T) {
	for _, ev := range []psrp.Event{psrp.ApplicationPrivateDataEvent{}, psrp.RunspacePoolStateEvent{}, psrp.RunspaceAvailabilityEvent{}} {
		if got := eventTarget(ev); got != "" {
			t.Errorf("eventTarget(%T) = %q, want pool", ev, got)
		}
	}
	var r eventRouter
	r.init()
	r.byTarget["A"] = []psrp.Event{psrp.OutputEvent{}}
	if len(r.take("A")) != 1 || len(r.take("A")) != 0 {
		t.Fatal("take does not hand out events exactly once")
	}
}
