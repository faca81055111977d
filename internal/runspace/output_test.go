package runspace

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp"
)

// countOutput is not safe for concurrent use on purpose: the race
// detector catches any unserialized call through SyncOutput.
type countOutput struct{ objs, errs, infos, progress, information int }

func (c *countOutput) WriteObject(clixml.Value) error                    { c.objs++; return nil }
func (c *countOutput) WriteError(*psrp.ErrorRecord) error                { c.errs++; return nil }
func (c *countOutput) WriteInformational(psrp.InformationalRecord) error { c.infos++; return nil }
func (c *countOutput) WriteProgress(psrp.ProgressRecord) error           { c.progress++; return nil }
func (c *countOutput) WriteInformation(psrp.InformationRecord) error     { c.information++; return nil }

func TestSyncOutputSerializes(t *testing.T) {
	c := &countOutput{}
	s := &SyncOutput{Out: c}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				s.WriteObject("x")
				s.WriteError(&psrp.ErrorRecord{})
				s.WriteInformational(psrp.InformationalRecord{})
				s.WriteProgress(psrp.ProgressRecord{})
				s.WriteInformation(psrp.InformationRecord{})
			}
		})
	}
	wg.Wait()
	if c.objs != 800 || c.errs != 800 || c.infos != 800 || c.progress != 800 || c.information != 800 {
		t.Fatalf("lost writes: %+v", c)
	}
}

func TestStageOutputRoutesObjectsAndStops(t *testing.T) {
	c := &countOutput{}
	next := make(chan clixml.Value, 1)
	ctx, cancel := context.WithCancel(context.Background())
	s := &StageOutput{SyncOutput: &SyncOutput{Out: c}, Next: next, Ctx: ctx}
	if err := s.WriteObject("to next stage"); err != nil {
		t.Fatal(err)
	}
	s.WriteError(&psrp.ErrorRecord{})
	if v := <-next; v != "to next stage" || c.objs != 0 || c.errs != 1 {
		t.Fatalf("routing: next got %v, client objs %d errs %d", v, c.objs, c.errs)
	}
	next <- "fill"
	cancel()
	if err := s.WriteObject("blocked"); !errors.Is(err, context.Canceled) {
		t.Fatalf("a blocked write must end with the context: %v", err)
	}
}
