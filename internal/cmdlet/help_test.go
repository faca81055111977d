package cmdlet

import (
	"strings"
	"testing"
)

func TestHelpFromDeclaration(t *testing.T) {
	c := &Cmdlet{Name: "Get-Thing", Synopsis: "Gets things.", OutputTypes: []string{"Ns.Thing"}, Params: []*Param{
		{Name: "Identity", Kind: Identity, Position: 1, FromPipeline: true, Help: "The thing to get."},
		{Name: "Action", Kind: Enum, Type: "Ns.A", Values: []string{"Keep", "Delete"}},
	}}
	h := c.Help()
	for _, want := range []string{
		"NAME\n    Get-Thing", "SYNOPSIS\n    Gets things.", "Get-Thing [[-Identity] <String>] [-Action {Keep | Delete}] [<CommonParameters>]",
		"-Identity <System.String>\n        The thing to get.", "Position?                    1", "Accept pipeline input?       True (ByValue)",
		"Valid values: Keep, Delete", "OUTPUTS\n    Ns.Thing",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("help lacks %q\n%s", want, h)
		}
	}
}
