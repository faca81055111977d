package cmdlet

import (
	"fmt"
	"strings"
)

// Help renders the Get-Help -Full text for c from its declaration: name,
// synopsis, syntax per parameter set, description, every parameter with
// its attributes, and output types.
func (c *Cmdlet) Help() string {
	var b strings.Builder
	section := func(title string) { fmt.Fprintf(&b, "\n%s\n", title) }
	b.WriteString("\nNAME\n    " + c.Name + "\n")
	section("SYNOPSIS")
	b.WriteString("    " + orDefault(c.Synopsis, c.Name) + "\n")
	section("SYNTAX")
	for _, s := range c.Syntax() {
		b.WriteString("    " + s + "\n\n")
	}
	section("DESCRIPTION")
	b.WriteString("    " + orDefault(c.Description, orDefault(c.Synopsis, "")) + "\n")
	section("PARAMETERS")
	for _, p := range c.Params {
		typ := p.TypeName()
		if p.Kind == Switch {
			typ = "SwitchParameter"
		}
		fmt.Fprintf(&b, "    -%s <%s>\n", p.Name, typ)
		if p.Help != "" {
			b.WriteString("        " + p.Help + "\n")
		}
		if p.Kind == Enum || len(p.Values) > 0 {
			b.WriteString("        Valid values: " + strings.Join(p.Values, ", ") + "\n")
		}
		b.WriteString("\n")
		fmt.Fprintf(&b, "        Required?                    %t\n", p.mandatoryAnywhere())
		fmt.Fprintf(&b, "        Position?                    %s\n", positionText(p))
		fmt.Fprintf(&b, "        Accept pipeline input?       %s\n", pipelineText(p))
		fmt.Fprintf(&b, "        Parameter set name           %s\n", strings.Join(setNames(p), ", "))
		if len(p.Aliases) > 0 {
			fmt.Fprintf(&b, "        Aliases                      %s\n", strings.Join(p.Aliases, ", "))
		} else {
			b.WriteString("        Aliases                      None\n")
		}
		b.WriteString("        Dynamic?                     false\n\n")
	}
	b.WriteString("    <CommonParameters>\n        This cmdlet supports the common parameters: Verbose, Debug,\n" +
		"        ErrorAction, ErrorVariable, WarningAction, WarningVariable,\n" +
		"        OutBuffer, PipelineVariable, and OutVariable. For more information, see\n" +
		"        about_CommonParameters (https://go.microsoft.com/fwlink/?LinkID=113216).\n")
	section("OUTPUTS")
	for _, t := range c.OutputTypes {
		b.WriteString("    " + t + "\n")
	}
	return b.String()
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func positionText(p *Param) string {
	pos := p.Position
	if len(p.Sets) > 0 {
		pos = 0
		for _, s := range p.Sets {
			if s.Position > 0 {
				pos = s.Position
				break
			}
		}
	}
	if pos <= 0 {
		return "Named"
	}
	return fmt.Sprint(pos)
}

func pipelineText(p *Param) string {
	switch {
	case p.FromPipeline && p.FromPipelineByName:
		return "True (ByPropertyName, ByValue)"
	case p.FromPipeline:
		return "True (ByValue)"
	case p.FromPipelineByName:
		return "True (ByPropertyName)"
	}
	return "False"
}

func setNames(p *Param) []string {
	if len(p.Sets) == 0 {
		return []string{"(All)"}
	}
	out := make([]string, len(p.Sets))
	for i, s := range p.Sets {
		out[i] = s.Name
	}
	return out
}
