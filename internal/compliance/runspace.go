package compliance

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ipps/ipps/internal/audit"
	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/storage"
)

// Runspace is one shell's NoLanguage runspace: it runs pipelines of the
// cmdlets its principal's roles grant, restricted to granted parameters.
// It is built by commandView.runspace and shares the view's maps.
type Runspace struct {
	p         *Provider
	principal runspace.Principal
	shellID   string
	view      *commandView // shared; read-only
	closed    atomic.Bool
}

var _ runspace.Runspace = (*Runspace)(nil)

// Commands returns the granted cmdlets' metadata, sorted by name, each
// listing only granted parameters plus all common parameters.
func (r *Runspace) Commands(ctx context.Context) ([]runspace.CommandInfo, error) {
	return append([]runspace.CommandInfo(nil), r.view.infos...), nil
}

// Help returns the Get-Help text of a granted cmdlet.
func (r *Runspace) Help(name string) (string, bool) {
	c, ok := r.view.lookup(name)
	if !ok {
		return "", false
	}
	return c.Help(), true
}

// Close releases the shell's lease. Later Invoke calls fail.
func (r *Runspace) Close(ctx context.Context) error {
	if r.closed.Swap(true) {
		return nil
	}
	return r.p.release(ctx, r.shellID)
}

var errClosed = errors.New("compliance: runspace closed")

// Invoke runs p. Script text fails with ScriptsNotAllowed and an unknown
// or ungranted command with CommandNotFoundException (both terminating).
// Each stage binds its arguments, then runs once per input object (the
// first stage runs once when no input arrives). Every invocation is
// audited before its output is released; see call.
func (r *Runspace) Invoke(ctx context.Context, p *runspace.Pipeline, out runspace.Output) error {
	if r.closed.Load() {
		return errClosed
	}
	var one [1]*cmdlet.Cmdlet // a single-command pipeline's stages, not allocated
	stages := one[:0]
	if len(p.Commands) > 1 {
		stages = make([]*cmdlet.Cmdlet, 0, len(p.Commands))
	}
	for _, c := range p.Commands {
		if c.IsScript {
			return cmdlet.ScriptsNotAllowed(c.Name)
		}
		cm, ok := r.view.lookup(c.Name)
		if !ok {
			rec := cmdlet.CommandNotFound(c.Name)
			if err := r.audit(ctx, c.Name, nil, rec); err != nil {
				return err
			}
			return rec
		}
		stages = append(stages, cm)
	}
	switch len(stages) {
	case 0:
		return nil
	case 1:
		// The common single-command pipeline runs on the caller's
		// goroutine: there is no next stage to feed or cancel.
		return r.runStage(ctx, stages[0], p.Commands[0].Args, p.Input, true, &runspace.SyncOutput{Out: out})
	}
	// A new name, not ctx: the goroutines capture it, and capturing the
	// parameter would move it to the heap on every Invoke.
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	shared := &runspace.SyncOutput{Out: out}
	errs := make([]error, len(stages))
	var wg sync.WaitGroup
	in := p.Input
	for i, c := range stages {
		var next chan clixml.Value
		var sink runspace.Output = shared
		if i < len(stages)-1 {
			next = make(chan clixml.Value, 64)
			sink = &runspace.StageOutput{SyncOutput: shared, Next: next, Ctx: pctx}
		}
		stageIn, first, args := in, i == 0, p.Commands[i].Args
		wg.Add(1)
		go func() {
			defer wg.Done()
			if next != nil {
				defer close(next)
			}
			if err := r.runStage(pctx, c, args, stageIn, first, sink); err != nil {
				errs[i] = err
				cancel()
			}
		}()
		in = next
	}
	wg.Wait()
	var ctxErr error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			ctxErr = err
			continue
		}
		return err
	}
	return ctxErr
}

// runStage binds args and runs c per input object.
func (r *Runspace) runStage(ctx context.Context, c *cmdlet.Cmdlet, args []runspace.Arg, in <-chan clixml.Value, first bool, out runspace.Output) error {
	bound, err := cmdlet.Bind(c, args, in != nil)
	if err != nil {
		var be *cmdlet.BindError
		if errors.As(err, &be) {
			if aerr := r.audit(ctx, c.Name, nil, be); aerr != nil {
				return aerr
			}
			return be.Record()
		}
		return err
	}
	ran := false
	if in != nil {
	loop:
		for {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case v, ok := <-in:
				if !ok {
					break loop
				}
				ran = true
				nb, err := bound.BindInput(v)
				if err != nil {
					var be *cmdlet.BindError
					if errors.As(err, &be) {
						if err := r.nonTerminating(bound, be.Record(), out); err != nil {
							return err
						}
						continue
					}
					return err
				}
				if err := r.call(ctx, c, nb, v, out); err != nil {
					return err
				}
			}
		}
	}
	if ran || !first {
		return nil
	}
	if in == nil {
		// Bound without expecting input: already complete.
		return r.call(ctx, c, bound, nil, out)
	}
	nb, err := bound.Complete()
	if err != nil {
		var be *cmdlet.BindError
		if errors.As(err, &be) {
			if aerr := r.audit(ctx, c.Name, nil, be); aerr != nil {
				return aerr
			}
			return be.Record()
		}
		return err
	}
	return r.call(ctx, c, nb, nil, out)
}

// readOnly reports verbs that change nothing; their output streams.
func readOnly(c *cmdlet.Cmdlet) bool {
	v := c.Verb()
	return strings.EqualFold(v, "Get") || strings.EqualFold(v, "Search")
}

// call runs one invocation with fail-closed audit. Read-only cmdlets are
// recorded before they run and their output streams (a failure adds a
// second, failed record). All others run inside the audit transaction
// (audit.Broker.Apply): the change and its record commit together, a
// failed cmdlet's writes are undone, and the buffered output is released
// only after the commit. If a record cannot be written the invocation
// fails with errAuditRecord and nothing it did is kept.
func (r *Runspace) call(ctx context.Context, c *cmdlet.Cmdlet, b *cmdlet.Bound, input clixml.Value, out runspace.Output) error {
	inv := &cmdlet.Invocation{Cmdlet: c, Principal: r.principal, Bound: b, Input: input, Server: r.p.cfg.Server, SessionID: r.shellID}
	out = filterOutput(b, out)
	if readOnly(c) {
		if err := r.audit(ctx, c.Name, b, nil); err != nil {
			return err
		}
		inv.Out = out
		if err := c.Run(ctx, inv); err != nil {
			if aerr := r.audit(ctx, c.Name, b, err); aerr != nil {
				return aerr
			}
			return r.report(ctx, c, b, err, out)
		}
		return nil
	}
	var buf *bufferOutput
	err, aerr := r.p.broker.Apply(ctx, r.event(c.Name, b, nil), func(ctx context.Context, _ storage.Storage) error {
		buf = &bufferOutput{} // fresh on every attempt of a retried transaction
		inv.Out = buf
		return c.Run(ctx, inv)
	})
	if aerr != nil {
		return auditRecordError(c.Name)
	}
	if ferr := buf.flush(out); ferr != nil {
		return ferr
	}
	if err != nil {
		return r.report(ctx, c, b, err, out)
	}
	return nil
}

// audit records one event; failure yields the terminating audit error.
func (r *Runspace) audit(ctx context.Context, name string, b *cmdlet.Bound, outcome error) error {
	if err := r.p.broker.Record(ctx, r.event(name, b, outcome)); err != nil {
		return auditRecordError(name)
	}
	return nil
}

// event describes one invocation of name by this runspace's principal.
func (r *Runspace) event(name string, b *cmdlet.Bound, outcome error) audit.Event {
	ev := audit.Event{TenantID: r.principal.TenantID, UserID: r.principal.UserID, UPN: r.principal.UPN,
		ClientAddr: r.principal.ClientAddr, SessionID: r.shellID, Cmdlet: name, Err: outcome}
	if b != nil {
		ev.Params = b.Params()
		if id := b.String("Identity"); id != "" {
			ev.ObjectIDs = []string{id}
		} else if n := b.String("Name"); n != "" {
			ev.ObjectIDs = []string{n}
		}
	}
	return ev
}

func auditRecordError(name string) *psrp.ErrorRecord {
	return &psrp.ErrorRecord{
		Message:               "The command couldn't be completed because its audit record couldn't be written. Please try again later.",
		ExceptionType:         []string{"Microsoft.Exchange.Configuration.Tasks.AuditLogException", "System.Exception", "System.Object"},
		FullyQualifiedErrorID: "AuditRecordNotWritten," + name,
		Category:              psrp.ErrorCategory(23), // WriteError
		CategoryActivity:      name,
		CategoryReason:        "AuditLogException",
	}
}
