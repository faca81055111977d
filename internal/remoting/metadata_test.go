package remoting

import (
	"testing"

	"github.com/ipps/ipps/internal/runspace"
)

func TestFilterCommands(t *testing.T) {
	cmds := []runspace.CommandInfo{
		{Name: "Get-Label", Module: "Compliance", CommandType: 8},
		{Name: "Set-Label", Module: "Compliance", CommandType: 8},
		{Name: "gl", Module: "Compliance", CommandType: 1},
		{Name: "Get-Help", Module: "Core", CommandType: 2},
	}
	names := func(cs []runspace.CommandInfo) (out []string) {
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	for _, tc := range []struct {
		names []string
		mask  int32
		ns    []string
		want  int
	}{
		{nil, 0, nil, 4},
		{[]string{"*"}, 271, nil, 4},
		{[]string{"get-*"}, 0, nil, 2},
		{[]string{"?et-Label"}, 0, nil, 2},
		{[]string{"*"}, 8, nil, 2},
		{[]string{"*"}, 2, nil, 1},
		{[]string{"*"}, 0, []string{"core"}, 1},
		{[]string{"[gs]et-label"}, 0, nil, 2},
		{[]string{"nope"}, 0, nil, 0},
	} {
		got := filterCommands(cmds, tc.names, tc.mask, tc.ns)
		if len(got) != tc.want {
			t.Errorf("filterCommands(%v, %d, %v) = %v, want %d commands", tc.names, tc.mask, tc.ns, names(got), tc.want)
		}
	}
}
