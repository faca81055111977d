package shell

import (
	"context"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/shell/parse"
)

// evaluator runs statements and evaluates expressions for one top-level
// statement. locals is the innermost script-block scope ($_ and variables
// assigned inside the block); nil at top level, where variables go to the
// shell.
type evaluator struct {
	sh     *Shell
	src    string
	ctx    context.Context
	locals *scope
}

// scope is a script-block scope chained to its parent.
type scope struct {
	vars   map[string]clixml.Value
	parent *scope
}

func (ev *evaluator) lookupVar(name string) (clixml.Value, bool) {
	k := strings.ToLower(name)
	if k == "psitem" {
		k = "_"
	}
	for sc := ev.locals; sc != nil; sc = sc.parent {
		if v, ok := sc.vars[k]; ok {
			return v, true
		}
	}
	switch k {
	case "true":
		return true, true
	case "false":
		return false, true
	case "null":
		return nil, true
	}
	v, ok := ev.sh.vars[k]
	return v, ok
}

func (ev *evaluator) setVar(name string, v clixml.Value) {
	if ev.locals != nil {
		ev.locals.vars[strings.ToLower(name)] = v
		return
	}
	ev.sh.SetVariable(name, v)
}

// script runs every statement of sc, sending output to out.
func (ev *evaluator) script(sc *parse.Script, out func(clixml.Value) error) error {
	for _, st := range sc.Statements {
		if err := ev.statement(st, out); err != nil {
			return err
		}
	}
	return nil
}

func (ev *evaluator) statement(st parse.Statement, out func(clixml.Value) error) error {
	if err := ev.ctx.Err(); err != nil {
		return err
	}
	switch x := st.(type) {
	case *parse.Assignment:
		vals, err := ev.collect(x.Value)
		if err != nil {
			return err
		}
		ev.setVar(x.Target.Name, pack(vals))
		return nil
	case *parse.Pipeline:
		return ev.pipeline(x, out)
	}
	return nil
}

// collect runs a statement and returns its output.
func (ev *evaluator) collect(st parse.Statement) ([]clixml.Value, error) {
	var vals []clixml.Value
	err := ev.statement(st, func(v clixml.Value) error {
		vals = append(vals, v)
		return nil
	})
	return vals, err
}

// pack turns pipeline output into a value as PowerShell assignment does:
// nothing is $null, one object is itself, more is an object[].
func pack(vals []clixml.Value) clixml.Value {
	switch len(vals) {
	case 0:
		return nil
	case 1:
		return vals[0]
	}
	return clixml.NewList(vals...)
}

// runBlock runs a script block with $_ bound to item and returns its output.
func (ev *evaluator) runBlock(sb *parse.ScriptBlock, item clixml.Value) ([]clixml.Value, error) {
	inner := *ev
	inner.locals = &scope{vars: map[string]clixml.Value{"_": item}, parent: ev.locals}
	var vals []clixml.Value
	err := inner.script(sb.Body, func(v clixml.Value) error {
		vals = append(vals, v)
		return nil
	})
	return vals, err
}

// block is a script block value: its AST travels with the ScriptBlock text
// so local cmdlets can run it.
type block struct {
	*clixml.Object
	ast *parse.ScriptBlock
}

// eval evaluates an expression to a single value (lists stay lists).
func (ev *evaluator) eval(e parse.Expr) (clixml.Value, error) {
	switch x := e.(type) {
	case *parse.StringLit:
		return x.Value, nil
	case *parse.NumberLit:
		return x.Value, nil
	case *parse.ExpandString:
		var b strings.Builder
		for _, p := range x.Parts {
			v, err := ev.eval(p)
			if err != nil {
				return nil, err
			}
			b.WriteString(expandText(v))
		}
		return b.String(), nil
	case *parse.Variable:
		v, _ := ev.lookupVar(x.Name)
		return v, nil
	case *parse.Member:
		t, err := ev.eval(x.Target)
		if err != nil {
			return nil, err
		}
		return member(t, x.Name), nil
	case *parse.Index:
		t, err := ev.eval(x.Target)
		if err != nil {
			return nil, err
		}
		i, err := ev.eval(x.Index)
		if err != nil {
			return nil, err
		}
		return index(t, i), nil
	case *parse.ArrayLit:
		items := make([]clixml.Value, 0, len(x.Elems))
		for _, el := range x.Elems {
			v, err := ev.eval(el)
			if err != nil {
				return nil, err
			}
			items = append(items, v)
		}
		return clixml.NewList(items...), nil
	case *parse.Paren:
		vals, err := ev.collect(x.Body)
		return pack(vals), err
	case *parse.SubExpr:
		vals, err := ev.collectScript(x.Body)
		return pack(vals), err
	case *parse.ArrayExpr:
		vals, err := ev.collectScript(x.Body)
		var flat []clixml.Value
		for _, v := range vals {
			flat = append(flat, unroll(v)...)
		}
		return clixml.NewList(flat...), err
	case *parse.Hashtable:
		h := clixml.NewHashtable()
		for _, en := range x.Entries {
			k, err := ev.eval(en.Key)
			if err != nil {
				return nil, err
			}
			vals, err := ev.collect(en.Value)
			if err != nil {
				return nil, err
			}
			h.Entries = append(h.Entries, clixml.Entry{Key: k, Value: pack(vals)})
		}
		return h, nil
	case *parse.ScriptBlock:
		o := &clixml.Object{TypeNames: []string{"System.Management.Automation.ScriptBlock", "System.Object"}, ToString: clixml.Str(x.Text)}
		return block{Object: o, ast: x}, nil
	case *parse.Unary:
		v, err := ev.eval(x.Operand)
		if err != nil {
			return nil, err
		}
		if x.Op == "-" {
			return arith("-", int32(0), v)
		}
		return !truthy(v), nil
	case *parse.Binary:
		return ev.binary(x)
	}
	return nil, nil
}

func (ev *evaluator) collectScript(sc *parse.Script) ([]clixml.Value, error) {
	var vals []clixml.Value
	err := ev.script(sc, func(v clixml.Value) error {
		vals = append(vals, v)
		return nil
	})
	return vals, err
}

func (ev *evaluator) binary(x *parse.Binary) (clixml.Value, error) {
	l, err := ev.eval(x.Left)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case "-and":
		if !truthy(l) {
			return false, nil
		}
		r, err := ev.eval(x.Right)
		return truthy(r), err
	case "-or":
		if truthy(l) {
			return true, nil
		}
		r, err := ev.eval(x.Right)
		return truthy(r), err
	}
	r, err := ev.eval(x.Right)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case "-xor":
		return truthy(l) != truthy(r), nil
	case "+", "-", "*", "/", "%":
		return arith(x.Op, l, r)
	}
	return compare(x.Op, l, r)
}

// expandText is how a value appears inside a double-quoted string:
// lists are joined with spaces.
func expandText(v clixml.Value) string {
	if items, ok := listOf(v); ok {
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = clixml.DisplayString(it)
		}
		return strings.Join(parts, " ")
	}
	return clixml.DisplayString(v)
}

// listOf returns the items of a collection value.
func listOf(v clixml.Value) ([]clixml.Value, bool) {
	if o, ok := v.(*clixml.Object); ok && o != nil && o.Kind != clixml.NoContainer && o.Kind != clixml.Dictionary {
		return o.Items, true
	}
	return nil, false
}

// unroll enumerates a collection as the pipeline does.
func unroll(v clixml.Value) []clixml.Value {
	if items, ok := listOf(v); ok {
		return items
	}
	return []clixml.Value{v}
}

// member reads property name of v. On a collection it enumerates the
// members of the items (member enumeration), flattening list results;
// Count and Length of a collection are its size. A dictionary key is
// readable as a property. Missing properties are $null.
func member(v clixml.Value, name string) clixml.Value {
	if items, ok := listOf(v); ok {
		if strings.EqualFold(name, "Count") || strings.EqualFold(name, "Length") {
			return int32(len(items))
		}
		var out []clixml.Value
		for _, it := range items {
			m := member(it, name)
			if m == nil {
				continue
			}
			out = append(out, unroll(m)...)
		}
		return pack(out)
	}
	switch x := v.(type) {
	case *clixml.Object:
		if x == nil {
			return nil
		}
		if x.Kind == clixml.Dictionary {
			for _, e := range x.Entries {
				if k, ok := e.Key.(string); ok && strings.EqualFold(k, name) {
					return e.Value
				}
			}
			if strings.EqualFold(name, "Count") {
				return int32(len(x.Entries))
			}
			return nil
		}
		if m, ok := x.Get(name); ok {
			return m
		}
		if x.Primitive != nil {
			return member(x.Primitive, name)
		}
	case block:
		return member(x.Object, name)
	case string:
		if strings.EqualFold(name, "Length") {
			return int32(len([]rune(x)))
		}
	}
	if v != nil && strings.EqualFold(name, "Count") {
		return int32(1)
	}
	return nil
}

// index implements v[i] with negative indexes from the end.
func index(v, i clixml.Value) clixml.Value {
	n, ok := clixml.AsInt64(i)
	items, isList := listOf(v)
	if !isList {
		if o, isObj := v.(*clixml.Object); isObj && o.Kind == clixml.Dictionary {
			return member(v, clixml.DisplayString(i))
		}
		items = []clixml.Value{v}
	}
	if !ok {
		return nil
	}
	if n < 0 {
		n += int64(len(items))
	}
	if n < 0 || n >= int64(len(items)) {
		return nil
	}
	return items[n]
}

// isErrorRecord reports whether a remote sent a non-terminating error.
func isErrorRecord(v clixml.Value) (*psrp.ErrorRecord, bool) {
	r, ok := v.(*psrp.ErrorRecord)
	return r, ok
}
