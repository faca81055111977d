package cmdlet

import (
	"fmt"
	"sort"
	"strings"
)

// Table is an immutable set of cmdlets looked up case-insensitively by
// name. Build it once with NewTable; it is safe for concurrent reads.
type Table struct {
	byName map[string]*Cmdlet
	names  []string // sorted, canonical spelling
}

// NewTable builds a table. It returns an error for a duplicate name, a
// cmdlet without Run, or a declaration the binder cannot serve (duplicate
// parameter names or aliases, a set position used twice).
func NewTable(cmdlets ...*Cmdlet) (*Table, error) {
	t := &Table{byName: make(map[string]*Cmdlet, len(cmdlets))}
	for _, c := range cmdlets {
		if err := c.check(); err != nil {
			return nil, err
		}
		k := strings.ToLower(c.Name)
		if _, dup := t.byName[k]; dup {
			return nil, fmt.Errorf("cmdlet: %s declared twice", c.Name)
		}
		t.byName[k] = c
		t.names = append(t.names, c.Name)
	}
	sort.Slice(t.names, func(i, j int) bool { return strings.ToLower(t.names[i]) < strings.ToLower(t.names[j]) })
	return t, nil
}

// MustTable is NewTable for package-level declarations; it panics on error.
func MustTable(cmdlets ...*Cmdlet) *Table {
	t, err := NewTable(cmdlets...)
	if err != nil {
		panic(err)
	}
	return t
}

// Lookup returns the cmdlet called name, case-insensitively.
func (t *Table) Lookup(name string) (*Cmdlet, bool) {
	c, ok := t.byName[strings.ToLower(name)]
	return c, ok
}

// All returns the cmdlets sorted by name.
func (t *Table) All() []*Cmdlet {
	out := make([]*Cmdlet, len(t.names))
	for i, n := range t.names {
		out[i] = t.byName[strings.ToLower(n)]
	}
	return out
}

func (c *Cmdlet) check() error {
	if c.Run == nil {
		return fmt.Errorf("cmdlet: %s has no Run handler", c.Name)
	}
	seen := map[string]bool{}
	for _, p := range c.allParams() {
		for _, n := range append([]string{p.Name}, p.Aliases...) {
			k := strings.ToLower(n)
			if seen[k] {
				return fmt.Errorf("cmdlet: %s: parameter name or alias %q used twice", c.Name, n)
			}
			seen[k] = true
		}
		if p.Kind == Enum && len(p.Values) == 0 {
			return fmt.Errorf("cmdlet: %s: enum parameter %s has no values", c.Name, p.Name)
		}
	}
	for _, set := range c.SetNames() {
		pos := map[int]string{}
		for _, p := range c.Params {
			if sp, ok := p.spec(set); ok && sp.Position > 0 {
				if other, dup := pos[sp.Position]; dup {
					return fmt.Errorf("cmdlet: %s: set %s: %s and %s share position %d", c.Name, set, other, p.Name, sp.Position)
				}
				pos[sp.Position] = p.Name
			}
		}
	}
	return nil
}
