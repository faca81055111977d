package compliance

import (
	"context"
	"errors"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/runspace"
)

// bufferOutput holds a mutating cmdlet's output until its audit record is
// durable.
type bufferOutput struct {
	items []func(runspace.Output) error
}

func (b *bufferOutput) add(f func(runspace.Output) error) error {
	b.items = append(b.items, f)
	return nil
}

func (b *bufferOutput) WriteObject(v clixml.Value) error {
	return b.add(func(o runspace.Output) error { return o.WriteObject(v) })
}

func (b *bufferOutput) WriteError(rec *psrp.ErrorRecord) error {
	return b.add(func(o runspace.Output) error { return o.WriteError(rec) })
}

func (b *bufferOutput) WriteInformational(rec psrp.InformationalRecord) error {
	return b.add(func(o runspace.Output) error { return o.WriteInformational(rec) })
}

func (b *bufferOutput) WriteProgress(rec psrp.ProgressRecord) error {
	return b.add(func(o runspace.Output) error { return o.WriteProgress(rec) })
}

func (b *bufferOutput) WriteInformation(rec psrp.InformationRecord) error {
	return b.add(func(o runspace.Output) error { return o.WriteInformation(rec) })
}

func (b *bufferOutput) flush(o runspace.Output) error {
	for _, f := range b.items {
		if err := f(o); err != nil {
			return err
		}
	}
	return nil
}

// prefOutput applies -WarningAction to warnings.
type prefOutput struct {
	runspace.Output
	warn string
}

func (p *prefOutput) WriteInformational(rec psrp.InformationalRecord) error {
	if rec.Kind == psrp.Warning && (p.warn == "SilentlyContinue" || p.warn == "Ignore") {
		return nil
	}
	return p.Output.WriteInformational(rec)
}

func filterOutput(b *cmdlet.Bound, out runspace.Output) runspace.Output {
	if w := b.String("WarningAction"); w != "" {
		return &prefOutput{Output: out, warn: w}
	}
	return out
}

// nonTerminating writes rec per -ErrorAction: Stop makes it terminating,
// SilentlyContinue/Ignore drop it.
func (r *Runspace) nonTerminating(b *cmdlet.Bound, rec *psrp.ErrorRecord, out runspace.Output) error {
	switch b.String("ErrorAction") {
	case "Stop":
		return rec
	case "SilentlyContinue", "Ignore":
		return nil
	}
	return out.WriteError(rec)
}

// report turns a handler error into what the client sees: TaskErrors are
// non-terminating records; binding errors and error records terminate;
// cancellation passes through; anything else is logged and reported
// without internal detail.
func (r *Runspace) report(ctx context.Context, c *cmdlet.Cmdlet, b *cmdlet.Bound, err error, out runspace.Output) error {
	var te *cmdlet.TaskError
	var be *cmdlet.BindError
	var rec *psrp.ErrorRecord
	switch {
	case errors.As(err, &te):
		return r.nonTerminating(b, te.Record(c.Name, r.p.cfg.Server), out)
	case errors.As(err, &be):
		return be.Record()
	case errors.As(err, &rec):
		return rec
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return err
	}
	r.p.logger.ErrorContext(ctx, "cmdlet failed", "cmdlet", c.Name, "user", r.principal.UPN, "err", err)
	return &psrp.ErrorRecord{
		Message:               "An internal error occurred while running the command. Please try again later.",
		ExceptionType:         []string{"System.InvalidOperationException", "System.SystemException", "System.Exception", "System.Object"},
		FullyQualifiedErrorID: "InternalError," + c.Name,
		Category:              psrp.CategoryNotSpecified,
		CategoryActivity:      c.Name,
	}
}
