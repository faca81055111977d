package cmdlet

import (
	"fmt"
	"strings"

	"github.com/ipps/ipps/internal/runspace"
)

// CommandTypeCmdlet is CommandTypes.Cmdlet.
const CommandTypeCmdlet = 8

// Metadata returns the command metadata the Windows client needs to build
// a proxy: every declared parameter followed by all common parameters
// (and WhatIf/Confirm when ShouldProcess), with .NET type names.
func (c *Cmdlet) Metadata() runspace.CommandInfo {
	info := runspace.CommandInfo{
		Name:        c.Name,
		Module:      c.Module,
		CommandType: CommandTypeCmdlet,
		OutputType:  append([]string(nil), c.OutputTypes...),
	}
	for _, p := range c.allParams() {
		info.Parameters = append(info.Parameters, runspace.ParameterInfo{
			Name:    p.Name,
			Type:    p.TypeName(),
			Aliases: append([]string(nil), p.Aliases...),
			Switch:  p.Kind == Switch,
		})
	}
	return info
}

// Syntax returns one PowerShell syntax line per parameter set, e.g.
// "Remove-X [-Identity] <String> [-Confirm] [<CommonParameters>]".
func (c *Cmdlet) Syntax() []string {
	var out []string
	for _, set := range c.SetNames() {
		var b strings.Builder
		b.WriteString(c.Name)
		for _, p := range c.Params {
			sp, ok := p.spec(set)
			if !ok {
				continue
			}
			b.WriteByte(' ')
			b.WriteString(paramSyntax(p, sp))
		}
		if c.ShouldProcess {
			b.WriteString(" [-WhatIf] [-Confirm]")
		}
		b.WriteString(" [<CommonParameters>]")
		out = append(out, b.String())
	}
	return out
}

func paramSyntax(p *Param, sp SetSpec) string {
	name := "-" + p.Name
	if sp.Position > 0 {
		name = "[" + name + "]"
	}
	switch p.Kind {
	case Switch:
	case Enum:
		name += fmt.Sprintf(" {%s}", strings.Join(p.Values, " | "))
	default:
		typ := p.TypeName()
		if i := strings.LastIndexByte(typ, '.'); i >= 0 && !strings.Contains(typ, "`") {
			typ = typ[i+1:]
		}
		name += " <" + typ + ">"
	}
	if !sp.Mandatory {
		return "[" + name + "]"
	}
	return name
}
