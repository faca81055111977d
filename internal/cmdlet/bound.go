package cmdlet

import (
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ipps/ipps/internal/clixml"
)

// Bound is the result of binding: the chosen parameter set and the
// converted values, keyed by canonical parameter name. Values have these Go
// types: String/Identity/Enum string; Int int; Bool/Switch bool; DateTime
// time.Time (UTC); Unlimited UnlimitedValue; GUID string; SecureString
// clixml.SecureString; Hashtable clixml.Value; Multi []string (or []any for
// non-string kinds); AddRemove *MultiValue. A parameter explicitly given
// $null is present with a nil value.
type Bound struct {
	// Set is the resolved parameter set name.
	Set    string
	cmd    *Cmdlet
	values map[string]any
	order  []*Param
	sets   []string // still-possible sets
	base   []string // all sets, for re-resolution with input
}

func newBound(c *Cmdlet) *Bound {
	sets := c.SetNames()
	return &Bound{cmd: c, values: map[string]any{}, sets: append([]string(nil), sets...), base: sets}
}

func (b *Bound) clone() *Bound {
	nb := *b
	nb.values = maps.Clone(b.values)
	nb.order = append([]*Param(nil), b.order...)
	nb.sets = append([]string(nil), b.sets...)
	return &nb
}

func (b *Bound) has(p *Param) bool {
	_, ok := b.lookup(p.Name)
	return ok
}

// lookup returns the value stored under strings.ToLower(name) without
// allocating the key for an ASCII name of up to 64 bytes (every declared
// parameter name), since handlers look values up on every invocation.
func (b *Bound) lookup(name string) (any, bool) {
	var buf [64]byte
	ascii := len(name) <= len(buf)
	for i := 0; ascii && i < len(name); i++ {
		c := name[i]
		if c >= utf8.RuneSelf {
			ascii = false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	if ascii {
		v, ok := b.values[string(buf[:len(name)])]
		return v, ok
	}
	v, ok := b.values[strings.ToLower(name)]
	return v, ok
}

// Has reports whether the parameter called name was bound.
func (b *Bound) Has(name string) bool {
	_, ok := b.lookup(name)
	return ok
}

// Value returns the bound value of name, or nil.
func (b *Bound) Value(name string) any {
	v, _ := b.lookup(name)
	return v
}

// String returns a string-kind value, or "".
func (b *Bound) String(name string) string {
	s, _ := b.Value(name).(string)
	return s
}

// Int returns an Int value, or def when unbound.
func (b *Bound) Int(name string, def int) int {
	if n, ok := b.Value(name).(int); ok {
		return n
	}
	return def
}

// Bool returns a Bool value, or def when unbound.
func (b *Bound) Bool(name string, def bool) bool {
	if v, ok := b.Value(name).(bool); ok {
		return v
	}
	return def
}

// Switch reports whether a switch was present (and not given $false).
func (b *Bound) Switch(name string) bool { return b.Bool(name, false) }

// Strings returns a multi-valued string parameter (a replacement list for
// an AddRemove parameter), or nil.
func (b *Bound) Strings(name string) []string {
	switch v := b.Value(name).(type) {
	case []string:
		return v
	case *MultiValue:
		if v.IsReplace {
			return v.Replace
		}
	case string:
		return []string{v}
	}
	return nil
}

// Multi returns an AddRemove parameter's value, or nil when unbound.
func (b *Bound) Multi(name string) *MultiValue {
	switch v := b.Value(name).(type) {
	case *MultiValue:
		return v
	case []string:
		return &MultiValue{Replace: v, IsReplace: true}
	}
	return nil
}

// Unlimited returns an Unlimited value and whether it was bound.
func (b *Bound) Unlimited(name string) (UnlimitedValue, bool) {
	u, ok := b.Value(name).(UnlimitedValue)
	return u, ok
}

// Time returns a DateTime value and whether it was bound.
func (b *Bound) Time(name string) (time.Time, bool) {
	t, ok := b.Value(name).(time.Time)
	return t, ok
}

// Hashtable returns a Hashtable value as clixml.
func (b *Bound) Hashtable(name string) clixml.Value { return b.Value(name) }

// Param is one bound parameter, in binding order.
type BoundParam struct {
	Param *Param
	Value any
}

// Params lists the bound parameters in binding order (common ones too).
func (b *Bound) Params() []BoundParam {
	out := make([]BoundParam, 0, len(b.order))
	for _, p := range b.order {
		out = append(out, BoundParam{Param: p, Value: b.Value(p.Name)})
	}
	return out
}
