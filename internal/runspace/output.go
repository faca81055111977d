package runspace

import (
	"context"
	"sync"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp"
)

// SyncOutput serializes writes to Out, so the concurrent stages of one
// pipeline can share the client's Output (which is for one goroutine at a
// time).
type SyncOutput struct {
	mu  sync.Mutex // serializes every call to Out
	Out Output
}

var _ Output = (*SyncOutput)(nil)

// WriteObject implements Output.
func (s *SyncOutput) WriteObject(v clixml.Value) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Out.WriteObject(v)
}

// WriteError implements Output.
func (s *SyncOutput) WriteError(rec *psrp.ErrorRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Out.WriteError(rec)
}

// WriteInformational implements Output.
func (s *SyncOutput) WriteInformational(rec psrp.InformationalRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Out.WriteInformational(rec)
}

// WriteProgress implements Output.
func (s *SyncOutput) WriteProgress(rec psrp.ProgressRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Out.WriteProgress(rec)
}

// WriteInformation implements Output.
func (s *SyncOutput) WriteInformation(rec psrp.InformationRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Out.WriteInformation(rec)
}

// StageOutput is the Output of a pipeline stage that is not the last one:
// objects go to the next stage through Next (blocking until it reads them
// or Ctx ends), every other stream goes to the shared client Output.
type StageOutput struct {
	*SyncOutput
	Next chan<- clixml.Value
	Ctx  context.Context
}

// WriteObject hands v to the next stage.
func (s *StageOutput) WriteObject(v clixml.Value) error {
	select {
	case s.Next <- v:
		return nil
	case <-s.Ctx.Done():
		return s.Ctx.Err()
	}
}
