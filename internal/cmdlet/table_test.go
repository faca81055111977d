package cmdlet

import (
	"context"
	"testing"
)

func run(context.Context, *Invocation) error { return nil }

func TestTableLookupAndChecks(t *testing.T) {
	a := &Cmdlet{Name: "Get-A", Run: run}
	b := &Cmdlet{Name: "Add-B", Run: run}
	tb, err := NewTable(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := tb.Lookup("get-a"); !ok || c != a {
		t.Error("case-insensitive lookup failed")
	}
	if all := tb.All(); all[0] != b || all[1] != a {
		t.Error("not sorted")
	}
	bad := []*Cmdlet{
		{Name: "Get-A", Run: run},
		{Name: "X-NoRun"},
		{Name: "X-Dup", Run: run, Params: []*Param{{Name: "ea"}}},
		{Name: "X-Pos", Run: run, Params: []*Param{{Name: "A", Position: 1}, {Name: "B", Position: 1}}},
	}
	if _, err := NewTable(a, bad[0]); err == nil {
		t.Error("duplicate cmdlet accepted")
	}
	for _, c := range bad[1:] {
		if _, err := NewTable(c); err == nil {
			t.Errorf("%s accepted", c.Name)
		}
	}
}
