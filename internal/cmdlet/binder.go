package cmdlet

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/runspace"
)

// Bind binds args to c's parameters following PowerShell's rules:
// case-insensitive names and aliases with unambiguous prefixes ("-Name:v"
// and "-Name v" forms), switches (present, or given a value as in
// -Confirm:$false), positional arguments by Position within the still
// possible parameter sets, type conversion and validation, then parameter
// set resolution and the mandatory check.
//
// When expectInput is true, mandatory parameters that take pipeline input
// are not required yet; BindInput must then be called per input object.
// Errors are *BindError with PowerShell's text.
func Bind(c *Cmdlet, args []runspace.Arg, expectInput bool) (*Bound, error) {
	b := newBound(c)
	all := c.paramLists()
	var positional []clixml.Value
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a.Name == "" {
			positional = append(positional, a.Value)
			continue
		}
		name := strings.TrimSuffix(strings.TrimLeft(strings.TrimSpace(a.Name), "-"), ":")
		p, err := lookup(c, all, name)
		if err != nil {
			return nil, err
		}
		if b.has(p) {
			return nil, bindErr(c, "ParameterAlreadyBound", p.Name, fmt.Sprintf(
				"Cannot bind parameter because parameter '%s' is specified more than once. To provide multiple values to parameters that can accept multiple values, use the array syntax. For example, \"-parameter value1,value2,value3\".", p.Name))
		}
		v := a.Value
		switch {
		case p.Kind == Switch && a.Switch:
			v = true
		case a.Switch:
			// "-Name value" sent as two arguments: take the next positional.
			if i+1 < len(args) && args[i+1].Name == "" {
				i++
				v = args[i].Value
			} else {
				return nil, bindErr(c, "MissingArgument", p.Name, fmt.Sprintf(
					"Missing an argument for parameter '%s'. Specify a parameter of type '%s' and try again.", p.Name, p.TypeName()))
			}
		}
		if err := b.bind(p, v); err != nil {
			return nil, err
		}
	}
	if err := b.bindPositional(positional); err != nil {
		return nil, err
	}
	if err := b.resolve(expectInput); err != nil {
		return nil, err
	}
	return b, nil
}

// lookup finds the parameter called name: an exact name or alias match
// wins, otherwise a unique prefix of names and aliases.
func lookup(c *Cmdlet, all [3][]*Param, name string) (*Param, *BindError) {
	for _, list := range all {
		for _, p := range list {
			if strings.EqualFold(p.Name, name) {
				return p, nil
			}
			for _, al := range p.Aliases {
				if strings.EqualFold(al, name) {
					return p, nil
				}
			}
		}
	}
	var matches []*Param
	var labels []string
	ln := strings.ToLower(name)
	for _, list := range all {
		for _, p := range list {
			hit := strings.HasPrefix(strings.ToLower(p.Name), ln)
			for _, al := range p.Aliases {
				if strings.HasPrefix(strings.ToLower(al), ln) {
					hit = true
				}
			}
			if hit && name != "" {
				matches = append(matches, p)
				labels = append(labels, "-"+p.Name)
			}
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return nil, bindErr(c, "NamedParameterNotFound", name, fmt.Sprintf(
			"A parameter cannot be found that matches parameter name '%s'.", name))
	}
	return nil, bindErr(c, "AmbiguousParameter", name, fmt.Sprintf(
		"Parameter cannot be processed because the parameter name '%s' is ambiguous. Possible matches include: %s.",
		name, strings.Join(labels, " ")))
}

// bind converts, validates and records v for p, narrowing the sets.
func (b *Bound) bind(p *Param, v clixml.Value) *BindError {
	x, err := convert(b.cmd, p, v)
	if err != nil {
		return err
	}
	if err := validate(b.cmd, p, x); err != nil {
		return err
	}
	b.values[strings.ToLower(p.Name)] = x
	b.order = append(b.order, p)
	if !isCommon(p) && len(p.Sets) > 0 {
		b.sets = slices.DeleteFunc(b.sets, func(s string) bool {
			_, in := p.spec(s)
			return !in
		})
	}
	return nil
}

// bindPositional binds positional values in ascending Position order to
// unbound parameters of the remaining sets.
func (b *Bound) bindPositional(vals []clixml.Value) *BindError {
	for len(vals) > 0 {
		type cand struct {
			p   *Param
			pos int
		}
		var cands []cand
		for _, p := range b.cmd.Params {
			if b.has(p) {
				continue
			}
			best := -1
			for _, s := range b.sets {
				if sp, ok := p.spec(s); ok && sp.Position > 0 && (best < 0 || sp.Position < best) {
					best = sp.Position
				}
			}
			if best >= 0 {
				cands = append(cands, cand{p, best})
			}
		}
		sort.SliceStable(cands, func(i, j int) bool { return cands[i].pos < cands[j].pos })
		bound := false
		var firstErr *BindError
		for _, cd := range cands {
			if len(cands) > 0 && cd.pos != cands[0].pos {
				break
			}
			if err := b.bind(cd.p, vals[0]); err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			bound = true
			break
		}
		if !bound {
			if firstErr != nil {
				return firstErr
			}
			return bindErr(b.cmd, "PositionalParameterNotFound", "", fmt.Sprintf(
				"A positional parameter cannot be found that accepts argument '%s'.", argText(unwrap(vals[0]))))
		}
		vals = vals[1:]
	}
	return nil
}

// resolve picks the parameter set and checks mandatory parameters.
func (b *Bound) resolve(expectInput bool) *BindError {
	c := b.cmd
	ambiguous := func() *BindError {
		return bindErr(c, "AmbiguousParameterSet", "", "Parameter set cannot be resolved using the specified named parameters.")
	}
	if len(b.sets) == 0 {
		return ambiguous()
	}
	missing := func(set string) []string {
		var out []string
		for _, p := range c.Params {
			sp, ok := p.spec(set)
			if !ok || !sp.Mandatory || b.has(p) {
				continue
			}
			if expectInput && (p.FromPipeline || p.FromPipelineByName) {
				continue
			}
			out = append(out, p.Name)
		}
		return out
	}
	var satisfied []string
	for _, s := range b.sets {
		if len(missing(s)) == 0 {
			satisfied = append(satisfied, s)
		}
	}
	switch {
	case len(satisfied) == 1:
		b.Set = satisfied[0]
	case len(satisfied) > 1 && slices.Contains(satisfied, c.DefaultSet):
		b.Set = c.DefaultSet
	case len(satisfied) > 1 && expectInput:
		b.Set = satisfied[0] // refined once input binds
	case len(satisfied) > 1:
		return ambiguous()
	case slices.Contains(b.sets, c.DefaultSet):
		b.Set = c.DefaultSet
	case len(b.sets) == 1:
		b.Set = b.sets[0]
	default:
		return ambiguous()
	}
	if m := missing(b.Set); len(m) > 0 {
		return bindErr(c, "MissingMandatoryParameter", m[0], fmt.Sprintf(
			"Cannot process command because of one or more missing mandatory parameters: %s.", strings.Join(m, " ")))
	}
	return nil
}

// BindInput returns a copy of b with the pipeline input object v bound by
// value (ValueFromPipeline) or by property name, then resolves the set and
// checks mandatory parameters again.
func (b *Bound) BindInput(v clixml.Value) (*Bound, error) {
	nb := b.clone()
	nb.sets = append([]string(nil), b.base...)
	for _, p := range nb.order {
		if !isCommon(p) && len(p.Sets) > 0 {
			nb.sets = slices.DeleteFunc(nb.sets, func(s string) bool { _, in := p.spec(s); return !in })
		}
	}
	inSets := func(p *Param) bool {
		for _, s := range nb.sets {
			if _, ok := p.spec(s); ok {
				return true
			}
		}
		return false
	}
	any := false
	for _, p := range nb.cmd.Params {
		if p.FromPipeline && !nb.has(p) && inSets(p) {
			if err := nb.bind(p, v); err == nil {
				any = true
				break
			}
		}
	}
	if o, ok := unwrap(v).(*clixml.Object); ok {
		for _, p := range nb.cmd.Params {
			if !p.FromPipelineByName || nb.has(p) || !inSets(p) {
				continue
			}
			for _, n := range append([]string{p.Name}, p.Aliases...) {
				if pv, ok := o.Get(n); ok && pv != nil {
					if err := nb.bind(p, pv); err != nil {
						return nil, err
					}
					any = true
					break
				}
			}
		}
	}
	if !any {
		return nil, bindErr(nb.cmd, "InputObjectNotBound", "",
			"The input object cannot be bound to any parameters for the command either because the command does not take pipeline input or the input and its properties do not match any of the parameters that take pipeline input.")
	}
	if err := nb.resolve(false); err != nil {
		return nil, err
	}
	return nb, nil
}

// Complete returns b re-resolved for a run without pipeline input: the
// mandatory pipeline parameters that Bind deferred are now required.
func (b *Bound) Complete() (*Bound, error) {
	nb := b.clone()
	if err := nb.resolve(false); err != nil {
		return nil, err
	}
	return nb, nil
}
