package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/runspace"
)

// Stats accumulates what the workers of one target observed. Safe for
// concurrent use.
type Stats struct {
	Latency Histogram
	Errors  ErrorCounts

	mu        sync.Mutex
	perCmdlet map[string]*cmdletStats
	lost      int
}

type cmdletStats struct {
	latency Histogram
	errors  atomic.Int64
}

func (s *Stats) cmdlet(name string) *cmdletStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perCmdlet == nil {
		s.perCmdlet = map[string]*cmdletStats{}
	}
	c := s.perCmdlet[name]
	if c == nil {
		c = &cmdletStats{}
		s.perCmdlet[name] = c
	}
	return c
}

// worker drives one shell: a closed loop of cmdlets picked from the mix,
// each started as soon as the previous one returns.
type worker struct {
	shell  *remoting.Client
	target string
	// prefix makes the names this worker creates unique in the run.
	prefix  string
	mix     Mix
	rng     *rand.Rand
	stats   *Stats
	ledger  *Ledger
	timeout time.Duration
	// own lists the policies this worker created and has not removed.
	own []string
	seq int
	// interval, when positive, paces the worker (open loop): the n-th
	// cmdlet is due at next, and its latency counts from that scheduled
	// time, so a server that falls behind is charged for the wait
	// (no coordinated omission). Zero: closed loop.
	interval time.Duration
	next     time.Time
}

// due waits until the worker's next scheduled start and returns it (or
// now, in a closed loop); false when ctx ended first.
func (w *worker) due(ctx context.Context) (time.Time, bool) {
	if w.interval <= 0 {
		return time.Now(), true
	}
	if w.next.IsZero() { // spread the shells' first calls over one interval
		w.next = time.Now().Add(time.Duration(w.rng.Int64N(int64(w.interval))))
	}
	at := w.next
	w.next = w.next.Add(w.interval)
	if d := time.Until(at); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return time.Time{}, false
		case <-t.C:
		}
	}
	return at, true
}

// seed creates the worker's first policy before the measured phase, so
// that its Gets are point reads (-Identity) from the first call rather
// than listings of a tenant that grows with every shell. The write is
// recorded in the ledger; its latency is not measured.
func (w *worker) seed(ctx context.Context) error {
	var err error
	for range 3 {
		cmd, _, ack, _ := w.plan("New-RetentionCompliancePolicy")
		cctx, cancel := context.WithTimeout(ctx, w.timeout)
		err = invoke(cctx, w.shell, cmd, nil)
		cancel()
		if err == nil {
			ack()
			return nil
		}
		w.ledger.indeterminate.Add(1)
		if ctx.Err() != nil {
			break
		}
	}
	return err
}

// warm runs one unmeasured Get of the worker's own policy (see Fleet.Drive);
// its outcome is ignored.
func (w *worker) warm(ctx context.Context) {
	cmd, _, _, _ := w.plan("Get-RetentionCompliancePolicy")
	cctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	_ = invoke(cctx, w.shell, cmd, nil)
}

// run loops until ctx ends or the shell is lost (its replica is gone).
func (w *worker) run(ctx context.Context) {
	for ctx.Err() == nil {
		start, ok := w.due(ctx)
		if !ok {
			return
		}
		name := w.mix.Pick(w.rng)
		cmd, write, ack, unsure := w.plan(name)
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.timeout)
		err := invoke(cctx, w.shell, cmd, nil)
		elapsed := time.Since(start)
		cancel()
		cs := w.stats.cmdlet(cmd.Name)
		if err != nil {
			cs.errors.Add(1)
			kind := w.stats.Errors.Add(fmt.Errorf("%s: %w", cmd.Name, err))
			if write {
				w.ledger.indeterminate.Add(1)
				if unsure != nil {
					unsure()
				}
			}
			if kind.shellLost() {
				w.stats.mu.Lock()
				w.stats.lost++
				w.stats.mu.Unlock()
				return
			}
			continue
		}
		w.stats.Latency.Record(elapsed)
		cs.latency.Record(elapsed)
		if ack != nil {
			ack()
		}
	}
}

// plan turns a mix entry into a command. Writes only touch policies this
// worker created, so no two shells race on one object:
//
//	New-RetentionCompliancePolicy   creates <prefix>-<n>, -ExchangeLocation All
//	Set-RetentionCompliancePolicy   sets -Comment on one of its own policies
//	                                (creates one first if it has none)
//	Remove-RetentionCompliancePolicy removes its oldest own policy
//	                                (-Confirm:$false), keeping the last
//	                                one (creates one instead)
//	Get-RetentionCompliancePolicy   -Identity one of its own policies, or
//	                                the whole list while it has none
//	anything else                   runs without arguments
//
// ack, if non-nil, records the write in the ledger once acknowledged;
// unsure, if non-nil, records that a failed call may still have taken
// effect (it failed after the server accepted it).
func (w *worker) plan(cmdlet string) (cmd runspace.Command, write bool, ack, unsure func()) {
	// Names compare case-insensitively, without lowering (an allocation
	// per cmdlet).
	is := func(name string) bool { return strings.EqualFold(cmdlet, name) }
	switch {
	case is("Set-RetentionCompliancePolicy"):
		if len(w.own) == 0 {
			return w.plan("New-RetentionCompliancePolicy")
		}
	case is("Remove-RetentionCompliancePolicy"):
		// Keep one policy, so that Gets stay point reads.
		if len(w.own) <= 1 {
			return w.plan("New-RetentionCompliancePolicy")
		}
	}
	switch {
	case is("New-RetentionCompliancePolicy"):
		w.seq++
		name := fmt.Sprintf("%s-%d", w.prefix, w.seq)
		return runspace.Command{Name: cmdlet, Args: []runspace.Arg{{Name: "Name", Value: name}, {Name: "ExchangeLocation", Value: "All"}}},
			true, func() { w.own = append(w.own, name); w.ledger.Created(w.target, name) }, nil
	case is("Set-RetentionCompliancePolicy"):
		name := w.own[w.rng.IntN(len(w.own))]
		w.seq++
		comment := fmt.Sprintf("load comment %d", w.seq)
		return runspace.Command{Name: cmdlet, Args: []runspace.Arg{{Name: "Identity", Value: name}, {Name: "Comment", Value: comment}}},
			true, func() { w.ledger.Commented(name, comment) }, func() { w.ledger.MaybeCommented(name, comment) }
	case is("Remove-RetentionCompliancePolicy"):
		name := w.own[0]
		return runspace.Command{Name: cmdlet, Args: []runspace.Arg{{Name: "Identity", Value: name}, {Name: "Confirm", Value: false}}},
			true, func() { w.own = w.own[1:]; w.ledger.Removed(name) }, func() { w.ledger.MaybeRemoved(name) }
	case is("Get-RetentionCompliancePolicy"):
		if len(w.own) > 0 {
			return runspace.Command{Name: cmdlet, Args: []runspace.Arg{{Name: "Identity", Value: w.own[w.rng.IntN(len(w.own))]}}}, false, nil, nil
		}
	}
	return runspace.Command{Name: cmdlet}, false, nil, nil
}

// invoke runs one command. A pipeline that completes but wrote an error
// record (Exchange's non-terminating errors, e.g. "object couldn't be
// found") counts as failed: its first record is returned as a
// *remoting.PipelineError. Output goes to out when non-nil.
func invoke(ctx context.Context, sh *remoting.Client, cmd runspace.Command, out func(clixml.Value)) error {
	var first *psrp.ErrorRecord
	err := sh.Invoke(ctx, []runspace.Command{cmd}, nil, remoting.Handlers{Output: out, Error: func(rec *psrp.ErrorRecord) {
		if first == nil {
			first = rec
		}
	}})
	if err == nil && first != nil {
		err = &remoting.PipelineError{Record: first}
	}
	return err
}
