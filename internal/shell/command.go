package shell

import (
	"context"
	"fmt"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/shell/parse"
)

// Param declares a parameter of a LocalCommand. Position is the 0-based
// position for positional binding, or -1 for named only.
type Param struct {
	Name     string
	Aliases  []string
	Switch   bool
	Position int
	// Values lists valid values, offered by tab completion.
	Values []string
}

// LocalCommand is a command implemented in the shell process. Run gets
// the bound parameters and the pipeline input and writes output objects
// with Call.Out.
type LocalCommand struct {
	Name   string
	Params []Param
	Run    func(ctx context.Context, c *Call) error
}

// Call is one invocation of a LocalCommand.
type Call struct {
	Shell *Shell
	// Input holds the previous stage's output (nil when first).
	Input []clixml.Value
	// Out writes one output object; it fails once the pipeline stops.
	Out  func(clixml.Value) error
	args map[string]clixml.Value // lower-case parameter name -> value
	ev   *evaluator
}

// Has reports whether the parameter was given.
func (c *Call) Has(name string) bool { _, ok := c.args[strings.ToLower(name)]; return ok }

// Arg returns a parameter value (nil when absent).
func (c *Call) Arg(name string) clixml.Value { return c.args[strings.ToLower(name)] }

// Switch reports whether a switch parameter is present and not -X:$false.
func (c *Call) Switch(name string) bool {
	v, ok := c.args[strings.ToLower(name)]
	return ok && truthy(v)
}

// Strings returns a parameter as a list of strings.
func (c *Call) Strings(name string) []string {
	v, ok := c.args[strings.ToLower(name)]
	if !ok {
		return nil
	}
	var out []string
	for _, it := range unroll(v) {
		out = append(out, clixml.DisplayString(it))
	}
	return out
}

// Int returns a parameter as an int, or def when absent.
func (c *Call) Int(name string, def int) int {
	v, ok := c.args[strings.ToLower(name)]
	if !ok {
		return def
	}
	f, ok := toFloat(v)
	if !ok {
		return def
	}
	return int(f)
}

// RunBlock runs a script block argument with $_ set to item.
func (c *Call) RunBlock(v clixml.Value, item clixml.Value) ([]clixml.Value, error) {
	b, ok := v.(block)
	if !ok {
		return nil, fmt.Errorf("shell: %s is not a script block", clixml.DisplayString(v))
	}
	return c.ev.runBlock(b.ast, item)
}

// boundArg is one argument after pairing "-Name value".
type boundArg struct {
	name   string // "" for positional
	value  clixml.Value
	isSw   bool
	source *parse.CommandArg
}

// bindArgs evaluates a command's arguments, pairing "-Name value" unless
// isSwitch reports Name to be a switch or no value follows.
func (ev *evaluator) bindArgs(c *parse.Command, isSwitch func(string) bool) ([]boundArg, error) {
	var out []boundArg
	for i := 0; i < len(c.Args); i++ {
		a := c.Args[i]
		switch {
		case a.Param == "":
			v, err := ev.eval(a.Value)
			if err != nil {
				return nil, err
			}
			out = append(out, boundArg{value: v, source: a})
		case a.Colon:
			v, err := ev.eval(a.Value)
			if err != nil {
				return nil, err
			}
			out = append(out, boundArg{name: a.Param, value: v, isSw: isSwitch(a.Param), source: a})
		case isSwitch(a.Param) || i+1 >= len(c.Args) || c.Args[i+1].Param != "":
			out = append(out, boundArg{name: a.Param, value: true, isSw: true, source: a})
		default:
			i++
			v, err := ev.eval(c.Args[i].Value)
			if err != nil {
				return nil, err
			}
			out = append(out, boundArg{name: a.Param, value: v, source: a})
		}
	}
	return out, nil
}

// findParam matches a written parameter name against declared ones:
// exact name or alias first, then a unique prefix, as PowerShell does.
func findParam(params []Param, name string) (*Param, error) {
	var hits []*Param
	for i := range params {
		p := &params[i]
		if strings.EqualFold(p.Name, name) {
			return p, nil
		}
		for _, al := range p.Aliases {
			if strings.EqualFold(al, name) {
				return p, nil
			}
		}
		if len(name) <= len(p.Name) && strings.EqualFold(p.Name[:len(name)], name) {
			hits = append(hits, p)
		}
	}
	if len(hits) == 1 {
		return hits[0], nil
	}
	if len(hits) > 1 {
		names := make([]string, len(hits))
		for i, h := range hits {
			names[i] = h.Name
		}
		return nil, fmt.Errorf("Parameter cannot be processed because the parameter name '%s' is ambiguous. Possible matches include: -%s.", name, strings.Join(names, " -"))
	}
	return nil, nil
}

// runLocal binds and runs a local command.
func (ev *evaluator) runLocal(lc *LocalCommand, c *parse.Command, input []clixml.Value, out func(clixml.Value) error) error {
	isSwitch := func(n string) bool {
		p, _ := findParam(lc.Params, n)
		return p != nil && p.Switch
	}
	bound, err := ev.bindArgs(c, isSwitch)
	if err != nil {
		return err
	}
	call := &Call{Shell: ev.sh, Input: input, Out: out, args: map[string]clixml.Value{}, ev: ev}
	pos := 0
	for _, b := range bound {
		if b.name == "" {
			var target *Param
			for i := range lc.Params {
				if lc.Params[i].Position == pos {
					target = &lc.Params[i]
					break
				}
			}
			if target == nil {
				return ev.bindFail(c, b.source, "PositionalParameterNotFound",
					fmt.Sprintf("A positional parameter cannot be found that accepts argument '%s'.", clixml.DisplayString(b.value)))
			}
			// Where-Object { } binds the block to FilterScript.
			if _, isBlock := b.value.(block); isBlock && strings.EqualFold(lc.Name, "Where-Object") && pos == 0 {
				call.args["filterscript"] = b.value
			} else {
				call.args[strings.ToLower(target.Name)] = b.value
			}
			pos++
			continue
		}
		p, err := findParam(lc.Params, b.name)
		if err != nil {
			return ev.bindFail(c, b.source, "AmbiguousParameter", err.Error())
		}
		if p == nil {
			return ev.bindFail(c, b.source, "NamedParameterNotFound",
				fmt.Sprintf("A parameter cannot be found that matches parameter name '%s'.", b.name))
		}
		if !p.Switch && b.isSw {
			return ev.bindFail(c, b.source, "MissingArgument",
				fmt.Sprintf("Missing an argument for parameter '%s'. Specify a parameter of type 'System.Object' and try again.", p.Name))
		}
		call.args[strings.ToLower(p.Name)] = b.value
	}
	if err := lc.Run(ev.ctx, call); err != nil {
		return ev.wrapLocal(c, err)
	}
	return nil
}

func (ev *evaluator) bindFail(c *parse.Command, a *parse.CommandArg, id, msg string) error {
	e := ev.located(c, bindingError(c.Name, id, msg))
	if a != nil {
		e.Pos = a.At
		e.Len = len([]rune(a.String()))
	}
	return e
}

// located attaches the command's source position to a record.
func (ev *evaluator) located(c *parse.Command, rec *psrp.ErrorRecord) *RuntimeError {
	return &RuntimeError{Record: rec, Command: c.Name, Pos: c.At, Len: len([]rune(c.Name)), Line: parse.LineAt(ev.src, c.At.Line)}
}

// wrapLocal turns a local command's error into a located RuntimeError.
func (ev *evaluator) wrapLocal(c *parse.Command, err error) error {
	switch e := err.(type) {
	case *RuntimeError:
		return e
	case *psrp.ErrorRecord:
		return ev.located(c, e)
	}
	if ev.ctx.Err() != nil {
		return err
	}
	return ev.located(c, invalidOperation(c.Name, "RuntimeException", err.Error()))
}

// runRemote binds and invokes a remote command.
func (ev *evaluator) runRemote(r resolved, c *parse.Command, input []clixml.Value, out func(clixml.Value) error) error {
	isSwitch := func(n string) bool {
		for _, p := range r.info.Parameters {
			if strings.EqualFold(p.Name, n) {
				return p.Switch
			}
		}
		return false
	}
	bound, err := ev.bindArgs(c, isSwitch)
	if err != nil {
		return err
	}
	cmd := runspace.Command{Name: r.info.Name}
	for _, b := range bound {
		a := runspace.Arg{Name: b.name, Value: b.value}
		if b.isSw {
			if _, isBool := b.value.(bool); isBool && b.source != nil && !b.source.Colon {
				a.Value, a.Switch = nil, true
			}
		}
		if v, ok := a.Value.(block); ok {
			a.Value = clixml.ScriptBlock(*v.ToString)
		}
		cmd.Args = append(cmd.Args, a)
	}
	err = r.remote.Invoke(ev.ctx, cmd, input, func(v clixml.Value) error {
		if rec, ok := isErrorRecord(v); ok {
			ev.sh.printError(&RuntimeError{Record: rec, Command: c.Name})
			return nil
		}
		return out(v)
	})
	if err == nil || ev.ctx.Err() != nil {
		return err
	}
	if rec, ok := err.(*psrp.ErrorRecord); ok {
		return &RuntimeError{Record: rec, Command: c.Name}
	}
	return ev.located(c, invalidOperation(c.Name, "RemoteException", err.Error()))
}

// pipeline runs the stages of p left to right. Each stage gets the
// previous stage's complete output as input; the last stage streams to out.
func (ev *evaluator) pipeline(p *parse.Pipeline, out func(clixml.Value) error) error {
	var input []clixml.Value
	for i, el := range p.Elements {
		last := i == len(p.Elements)-1
		var next []clixml.Value
		emit := func(v clixml.Value) error {
			if err := ev.ctx.Err(); err != nil {
				return err
			}
			if last {
				return out(v)
			}
			next = append(next, v)
			return nil
		}
		var err error
		switch x := el.(type) {
		case *parse.Command:
			err = ev.command(x, input, i == 0, emit)
		case parse.Expr:
			var v clixml.Value
			v, err = ev.eval(x)
			if err == nil {
				{
					for _, it := range unrollOut(x, v) {
						if err = emit(it); err != nil {
							break
						}
					}
				}
			}
		}
		if err != nil {
			return err
		}
		input = next
	}
	return nil
}

// unrollOut enumerates an expression's value onto the pipeline; a
// hashtable or scalar is one object.
func unrollOut(_ parse.Expr, v clixml.Value) []clixml.Value {
	if v == nil {
		return nil
	}
	return unroll(v)
}

func (ev *evaluator) command(c *parse.Command, input []clixml.Value, first bool, out func(clixml.Value) error) error {
	if !first && input == nil {
		input = []clixml.Value{}
	}
	if lc, ok := ev.sh.locals[strings.ToLower(c.Name)]; ok {
		return ev.runLocal(lc, c, input, out)
	}
	if r, ok := resolveRemote(ev.sh.cfg.Sessions, c.Name); ok {
		return ev.runRemote(r, c, input, out)
	}
	return ev.located(c, notRecognized(c.Name))
}

// printError writes a non-terminating error to Err.
func (s *Shell) printError(err error) {
	fmt := FormatError(err, s.cfg.Color)
	s.cfg.Err.Write([]byte(fmt))
}
