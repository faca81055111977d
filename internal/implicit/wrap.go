// Package implicit adds to any runspace the built-in commands a
// NoLanguage endpoint must expose for Import-PSSession and Enter-PSSession
// (remoting-protocol.md §5): Get-Command, Get-FormatData, Select-Object,
// Measure-Object, Get-Help, Out-Default, Exit-PSSession and Clear-Host.
// They work over whatever command table the wrapped runspace reports, and
// pipelines may mix them with the wrapped runspace's commands, e.g.
// "Get-FormatData -TypeName * | Measure-Object" or
// "Get-RetentionCompliancePolicy | Measure-Object".
package implicit

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/runspace"
)

// Helper is implemented by runspaces that can render Get-Help text for
// their commands.
type Helper interface {
	Help(name string) (string, bool)
}

// Wrap returns rs with the built-in proxies added. formats feeds
// Get-FormatData. Close and Commands delegate (Commands appends the
// built-ins).
func Wrap(rs runspace.Runspace, formats FormatTable) runspace.Runspace {
	return &wrapped{inner: rs, formats: formats}
}

// Provider wraps every runspace p opens.
func Provider(p runspace.Provider, formats FormatTable) runspace.Provider {
	return providerFunc(func(ctx context.Context, pr runspace.Principal, shellID string) (runspace.Runspace, error) {
		rs, err := p.Open(ctx, pr, shellID)
		if err != nil {
			return nil, err
		}
		return Wrap(rs, formats), nil
	})
}

type providerFunc func(ctx context.Context, pr runspace.Principal, shellID string) (runspace.Runspace, error)

func (f providerFunc) Open(ctx context.Context, pr runspace.Principal, shellID string) (runspace.Runspace, error) {
	return f(ctx, pr, shellID)
}

type wrapped struct {
	inner   runspace.Runspace
	formats FormatTable
}

var _ runspace.Runspace = (*wrapped)(nil)

// Commands returns the wrapped runspace's commands followed by the
// built-ins.
func (w *wrapped) Commands(ctx context.Context) ([]runspace.CommandInfo, error) {
	infos, err := w.inner.Commands(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range builtins {
		infos = append(infos, b.decl.Metadata())
	}
	return infos, nil
}

// Help serves Get-Help for built-ins and wrapped commands.
func (w *wrapped) Help(name string) (string, bool) {
	if b, ok := lookupBuiltin(name); ok {
		return b.decl.Help(), true
	}
	if h, ok := w.inner.(Helper); ok {
		return h.Help(name)
	}
	return "", false
}

func (w *wrapped) Close(ctx context.Context) error { return w.inner.Close(ctx) }

// Invoke delegates pipelines without built-ins. Otherwise it splits the
// pipeline into built-in stages and runs of wrapped commands, connected by
// channels, each run in its own goroutine.
func (w *wrapped) Invoke(ctx context.Context, p *runspace.Pipeline, out runspace.Output) error {
	hasBuiltin := false
	for _, c := range p.Commands {
		if c.IsScript {
			return cmdlet.ScriptsNotAllowed(c.Name)
		}
		if _, ok := lookupBuiltin(c.Name); ok {
			hasBuiltin = true
		}
	}
	if !hasBuiltin {
		return w.inner.Invoke(ctx, p, out)
	}
	type segment struct {
		b    *builtin
		args []runspace.Arg
		cmds []runspace.Command
	}
	var segs []segment
	for _, c := range p.Commands {
		if b, ok := lookupBuiltin(c.Name); ok {
			segs = append(segs, segment{b: b, args: c.Args})
			continue
		}
		if n := len(segs); n > 0 && segs[n-1].b == nil {
			segs[n-1].cmds = append(segs[n-1].cmds, c)
			continue
		}
		segs = append(segs, segment{cmds: []runspace.Command{c}})
	}
	// Bind built-ins first so binding errors fail the pipeline before it runs.
	bounds := make([]*cmdlet.Bound, len(segs))
	for i, s := range segs {
		if s.b != nil {
			b, err := cmdlet.Bind(s.b.decl, s.args, true)
			if err != nil {
				var be *cmdlet.BindError
				if errors.As(err, &be) {
					return be.Record()
				}
				return err
			}
			bounds[i] = b
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	shared := &runspace.SyncOutput{Out: out}
	errs := make([]error, len(segs))
	var wg sync.WaitGroup
	in := p.Input
	for i, s := range segs {
		var next chan clixml.Value
		var sink runspace.Output = shared
		if i < len(segs)-1 {
			next = make(chan clixml.Value, 64)
			sink = &runspace.StageOutput{SyncOutput: shared, Next: next, Ctx: ctx}
		}
		stageIn, bound := in, bounds[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			if next != nil {
				defer close(next)
			}
			var err error
			if s.b != nil {
				err = s.b.run(ctx, w, bound, stageIn, sink)
			} else {
				err = w.inner.Invoke(ctx, &runspace.Pipeline{Commands: s.cmds, Input: stageIn}, sink)
			}
			if err != nil {
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
		if errors.Is(err, context.Canceled) {
			ctxErr = err
			continue
		}
		return err
	}
	return ctxErr
}

// drain collects every input object (nil channel: none).
func drain(ctx context.Context, in <-chan clixml.Value) ([]clixml.Value, error) {
	var out []clixml.Value
	if in == nil {
		return nil, nil
	}
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case v, ok := <-in:
			if !ok {
				return out, nil
			}
			out = append(out, v)
		}
	}
}

func lookupBuiltin(name string) (*builtin, bool) {
	for _, b := range builtins {
		if strings.EqualFold(b.decl.Name, strings.TrimSpace(name)) {
			return b, true
		}
	}
	return nil, false
}
