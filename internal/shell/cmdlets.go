package shell

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/shell/format"
)

func named(n string) Param            { return Param{Name: n, Position: -1} }
func sw(n string, al ...string) Param { return Param{Name: n, Switch: true, Position: -1, Aliases: al} }

// whereOps are Where-Object's comparison switches, by parameter name.
var whereOps = []string{"EQ", "NE", "GT", "GE", "LT", "LE", "Like", "NotLike", "Match", "NotMatch",
	"Contains", "NotContains", "In", "NotIn", "CEQ", "CNE", "CLike", "CNotLike", "CMatch", "CNotMatch"}

// builtins returns the local cmdlets.
func builtins() []*LocalCommand {
	where := []Param{{Name: "Property", Position: 0}, {Name: "Value", Position: 1}, named("FilterScript"), named("InputObject")}
	for _, op := range whereOps {
		where = append(where, sw(op))
	}
	return []*LocalCommand{
		{Name: "Where-Object", Params: where, Run: whereObject},
		{Name: "ForEach-Object", Params: []Param{{Name: "Process", Position: 0}, named("MemberName")}, Run: forEachObject},
		{Name: "Select-Object", Params: []Param{{Name: "Property", Position: 0}, named("First"), named("Last"), named("Skip"), named("ExpandProperty"), sw("Unique")}, Run: selectObject},
		{Name: "Sort-Object", Params: []Param{{Name: "Property", Position: 0}, sw("Descending"), sw("Unique")}, Run: sortObject},
		{Name: "Measure-Object", Params: []Param{{Name: "Property", Position: 0}, sw("Sum"), sw("Average"), sw("Minimum"), sw("Maximum")}, Run: measureObject},
		{Name: "Format-Table", Params: []Param{{Name: "Property", Position: 0}, sw("AutoSize"), sw("Wrap"), sw("HideTableHeaders")}, Run: formatTable},
		{Name: "Format-List", Params: []Param{{Name: "Property", Position: 0}}, Run: formatList},
		{Name: "ConvertTo-Json", Params: []Param{named("Depth"), sw("Compress"), sw("EnumsAsStrings"), sw("AsArray")}, Run: convertToJSON},
		{Name: "Export-Csv", Params: []Param{{Name: "Path", Position: 0}, sw("NoTypeInformation", "NTI")}, Run: exportCSV},
		{Name: "ConvertTo-Csv", Params: []Param{sw("NoTypeInformation", "NTI")}, Run: convertToCSV},
		{Name: "Get-Help", Params: []Param{{Name: "Name", Position: 0}}, Run: getHelp},
		{Name: "Write-Output", Params: []Param{{Name: "InputObject", Position: 0}}, Run: writeOutput},
		{Name: "Write-Host", Params: []Param{{Name: "Object", Position: 0}, sw("NoNewline")}, Run: writeHost},
		{Name: "Get-Variable", Params: []Param{{Name: "Name", Position: 0}, sw("ValueOnly")}, Run: getVariable},
	}
}

func whereObject(_ context.Context, c *Call) error {
	filter := func(v clixml.Value) (bool, error) {
		if c.Has("FilterScript") {
			out, err := c.RunBlock(c.Arg("FilterScript"), v)
			return truthy(pack(out)), err
		}
		prop := clixml.DisplayString(c.Arg("Property"))
		lhs := member(v, prop)
		for _, op := range whereOps {
			if c.Switch(op) {
				r, err := compare("-"+strings.ToLower(op), lhs, c.Arg("Value"))
				return truthy(r), err
			}
		}
		return truthy(lhs), nil // Where-Object Enabled
	}
	for _, v := range c.Input {
		ok, err := filter(v)
		if err != nil {
			return err
		}
		if ok {
			if err := c.Out(v); err != nil {
				return err
			}
		}
	}
	return nil
}

func forEachObject(_ context.Context, c *Call) error {
	for _, v := range c.Input {
		if c.Has("MemberName") {
			if err := emitAll(c, member(v, clixml.DisplayString(c.Arg("MemberName")))); err != nil {
				return err
			}
			continue
		}
		if _, ok := c.Arg("Process").(block); !ok && c.Has("Process") {
			if err := emitAll(c, member(v, clixml.DisplayString(c.Arg("Process")))); err != nil {
				return err
			}
			continue
		}
		out, err := c.RunBlock(c.Arg("Process"), v)
		if err != nil {
			return err
		}
		for _, o := range out {
			if err := c.Out(o); err != nil {
				return err
			}
		}
	}
	return nil
}

func emitAll(c *Call, v clixml.Value) error {
	if v == nil {
		return nil
	}
	for _, it := range unroll(v) {
		if err := c.Out(it); err != nil {
			return err
		}
	}
	return nil
}

// selector is one Select-Object -Property entry: a name (wildcards
// allowed) or a calculated @{Name=...; Expression={...}}.
type selector struct {
	name string
	expr clixml.Value // script block or property name, for calculated
}

func selectors(v clixml.Value) []selector {
	var out []selector
	if v == nil {
		return nil
	}
	for _, it := range unroll(v) {
		if h, ok := it.(*clixml.Object); ok && h.Kind == clixml.Dictionary {
			var s selector
			for _, e := range h.Entries {
				k := strings.ToLower(clixml.DisplayString(e.Key))
				switch {
				case strings.HasPrefix("name", k) || strings.HasPrefix("label", k):
					s.name = clixml.DisplayString(e.Value)
				case strings.HasPrefix("expression", k):
					s.expr = e.Value
				}
			}
			out = append(out, s)
			continue
		}
		out = append(out, selector{name: clixml.DisplayString(it)})
	}
	return out
}

// project builds the Selected.<Type> PSCustomObject for v.
func (c *Call) project(v clixml.Value, sels []selector) (clixml.Value, error) {
	o := clixml.NewPSCustomObject()
	if tn := clixml.TypeName(v); tn != "" {
		o.TypeNames = append([]string{"Selected." + strings.TrimPrefix(tn, "Deserialized.")}, o.TypeNames...)
	}
	for _, s := range sels {
		switch {
		case s.expr != nil:
			var val clixml.Value
			if _, isBlock := s.expr.(block); isBlock {
				out, err := c.RunBlock(s.expr, v)
				if err != nil {
					return nil, err
				}
				val = pack(out)
			} else {
				val = member(v, clixml.DisplayString(s.expr))
			}
			o.Extended = append(o.Extended, clixml.Property{Name: s.name, Value: val})
		case strings.ContainsAny(s.name, "*?["):
			re := wildcard(s.name, true)
			for _, p := range format.Properties(v) {
				if re.MatchString(p.Name) {
					o.Extended = append(o.Extended, p)
				}
			}
		default:
			name := s.name
			for _, p := range format.Properties(v) {
				if strings.EqualFold(p.Name, name) {
					name = p.Name
				}
			}
			o.Extended = append(o.Extended, clixml.Property{Name: name, Value: member(v, s.name)})
		}
	}
	return o, nil
}

func selectObject(_ context.Context, c *Call) error {
	items := c.Input
	if c.Switch("Unique") {
		var uniq []clixml.Value
		for _, v := range items {
			dup := false
			for _, u := range uniq {
				if clixml.Equal(u, v) {
					dup = true
					break
				}
			}
			if !dup {
				uniq = append(uniq, v)
			}
		}
		items = uniq
	}
	if skip := c.Int("Skip", 0); skip > 0 {
		items = items[min(skip, len(items)):]
	}
	if c.Has("First") || c.Has("Last") {
		var picked []clixml.Value
		if n := c.Int("First", 0); c.Has("First") {
			picked = append(picked, items[:min(max(n, 0), len(items))]...)
		}
		if n := c.Int("Last", 0); c.Has("Last") {
			picked = append(picked, items[len(items)-min(max(n, 0), len(items)):]...)
		}
		items = picked
	}
	sels := selectors(c.Arg("Property"))
	for _, v := range items {
		if c.Has("ExpandProperty") {
			name := clixml.DisplayString(c.Arg("ExpandProperty"))
			m, found := lookupProperty(v, name)
			if !found {
				return fmt.Errorf("Property \"%s\" cannot be found.", name)
			}
			if err := emitAll(c, m); err != nil {
				return err
			}
			continue
		}
		if len(sels) == 0 {
			if err := c.Out(v); err != nil {
				return err
			}
			continue
		}
		o, err := c.project(v, sels)
		if err != nil {
			return err
		}
		if err := c.Out(o); err != nil {
			return err
		}
	}
	return nil
}

func lookupProperty(v clixml.Value, name string) (clixml.Value, bool) {
	if o, ok := v.(*clixml.Object); ok {
		if o.Kind == clixml.Dictionary {
			m := member(v, name)
			return m, m != nil
		}
		return o.Get(name)
	}
	m := member(v, name)
	return m, m != nil
}

func sortObject(_ context.Context, c *Call) error {
	items := append([]clixml.Value(nil), c.Input...)
	keys := selectors(c.Arg("Property"))
	desc := c.Switch("Descending")
	keyOf := func(v clixml.Value, s selector) clixml.Value {
		if s.expr != nil {
			if _, ok := s.expr.(block); ok {
				out, _ := c.RunBlock(s.expr, v)
				return pack(out)
			}
			return member(v, clixml.DisplayString(s.expr))
		}
		return member(v, s.name)
	}
	cmp := func(a, b clixml.Value) int {
		if len(keys) == 0 {
			return order(a, b, false)
		}
		for _, k := range keys {
			if r := order(keyOf(a, k), keyOf(b, k), false); r != 0 {
				return r
			}
		}
		return 0
	}
	sort.SliceStable(items, func(i, j int) bool {
		r := cmp(items[i], items[j])
		if desc {
			return r > 0
		}
		return r < 0
	})
	var last clixml.Value
	for i, v := range items {
		if c.Switch("Unique") && i > 0 && cmp(last, v) == 0 {
			continue
		}
		last = v
		if err := c.Out(v); err != nil {
			return err
		}
	}
	return nil
}

func measureObject(_ context.Context, c *Call) error {
	props := c.Strings("Property")
	if len(props) == 0 {
		props = []string{""}
	}
	for _, p := range props {
		var count int32
		var sum float64
		var minV, maxV clixml.Value
		for _, v := range c.Input {
			x := v
			if p != "" {
				x = member(v, p)
				if x == nil {
					continue
				}
			}
			count++
			if f, ok := toFloat(x); ok {
				sum += f
			}
			if minV == nil || order(x, minV, false) < 0 {
				minV = x
			}
			if maxV == nil || order(x, maxV, false) > 0 {
				maxV = x
			}
		}
		o := &clixml.Object{TypeNames: []string{"Microsoft.PowerShell.Commands.GenericMeasureInfo", "Microsoft.PowerShell.Commands.MeasureInfo", "System.Object"}}
		opt := func(on bool, v clixml.Value) clixml.Value {
			if !on {
				return nil
			}
			return v
		}
		var avg clixml.Value
		if count > 0 {
			avg = sum / float64(count)
		}
		var prop clixml.Value
		if p != "" {
			prop = p
		}
		o.Adapted = []clixml.Property{
			{Name: "Count", Value: count},
			{Name: "Average", Value: opt(c.Switch("Average"), avg)},
			{Name: "Sum", Value: opt(c.Switch("Sum"), sum)},
			{Name: "Maximum", Value: opt(c.Switch("Maximum"), numOrNil(maxV))},
			{Name: "Minimum", Value: opt(c.Switch("Minimum"), numOrNil(minV))},
			{Name: "Property", Value: prop},
		}
		if err := c.Out(o); err != nil {
			return err
		}
	}
	return nil
}

func numOrNil(v clixml.Value) clixml.Value {
	if f, ok := toFloat(v); ok {
		return f
	}
	return nil
}

// expandProps resolves -Property names (wildcards allowed) against v.
func expandProps(v clixml.Value, names []string) []string {
	var out []string
	for _, n := range names {
		if strings.ContainsAny(n, "*?[") {
			re := wildcard(n, true)
			for _, p := range format.Properties(v) {
				if re.MatchString(p.Name) {
					out = append(out, p.Name)
				}
			}
			continue
		}
		out = append(out, n)
	}
	return out
}

func formatTable(_ context.Context, c *Call) error {
	if len(c.Input) == 0 {
		return nil
	}
	var items []clixml.Value
	for _, v := range c.Input {
		items = append(items, unroll(v)...)
	}
	var cols []format.Column
	if c.Has("Property") {
		for _, n := range expandProps(items[0], c.Strings("Property")) {
			cols = append(cols, format.Column{Property: n})
		}
	} else if c.Shell.cfg.Views != nil {
		if o, ok := items[0].(*clixml.Object); ok {
			if v := c.Shell.cfg.Views.Lookup(o.TypeNames); v != nil && v.Table != nil {
				cols = v.Table
			}
		}
	}
	var b strings.Builder
	err := format.WriteTable(&b, items, format.TableOptions{Width: c.Shell.cfg.Width, Columns: cols, AutoSize: c.Switch("AutoSize"), Wrap: c.Switch("Wrap"), HideHeaders: c.Switch("HideTableHeaders")})
	if err != nil {
		return err
	}
	return c.Out(rendered(b.String() + "\n"))
}

func formatList(_ context.Context, c *Call) error {
	if len(c.Input) == 0 {
		return nil
	}
	var b strings.Builder
	for _, v := range c.Input {
		if err := format.WriteList(&b, []clixml.Value{v}, format.ListOptions{Width: c.Shell.cfg.Width, Properties: expandProps(v, c.Strings("Property"))}); err != nil {
			return err
		}
	}
	// Consecutive objects share one block: drop the per-object leading blank.
	text := strings.ReplaceAll(b.String(), "\n\n\n", "\n\n")
	return c.Out(rendered(text + "\n"))
}

func convertToJSON(_ context.Context, c *Call) error {
	if len(c.Input) == 0 {
		return nil
	}
	var b strings.Builder
	depth := c.Int("Depth", 2)
	if depth == 0 {
		depth = -2 // -Depth 0: everything below the top is a string
	}
	trunc, err := format.WriteJSON(&b, c.Input, format.JSONOptions{Depth: depth, Compress: c.Switch("Compress"), EnumsAsStrings: c.Switch("EnumsAsStrings"), AsArray: c.Switch("AsArray")})
	if err != nil {
		return err
	}
	if trunc {
		c.Shell.warn(fmt.Sprintf("Resulting JSON is truncated as serialization has exceeded the set depth of %d.", c.Int("Depth", 2)))
	}
	return c.Out(strings.TrimSuffix(b.String(), "\n"))
}

func exportCSV(_ context.Context, c *Call) error {
	path := clixml.DisplayString(c.Arg("Path"))
	if path == "" {
		return fmt.Errorf("Cannot bind argument to parameter 'Path' because it is an empty string.")
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("shell: Export-Csv: %w", err)
	}
	werr := format.WriteCSV(f, c.Input, format.CSVOptions{NoTypeInformation: c.Switch("NoTypeInformation")})
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}

func convertToCSV(_ context.Context, c *Call) error {
	var b strings.Builder
	if err := format.WriteCSV(&b, c.Input, format.CSVOptions{NoTypeInformation: c.Switch("NoTypeInformation")}); err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if err := c.Out(line); err != nil {
			return err
		}
	}
	return nil
}

func getHelp(_ context.Context, c *Call) error {
	name := clixml.DisplayString(c.Arg("Name"))
	if name == "" {
		return c.Out(rendered("\nType a command name after Get-Help, for example: Get-Help Get-RetentionCompliancePolicy\n\n"))
	}
	var b strings.Builder
	if lc, ok := c.Shell.locals[strings.ToLower(name)]; ok {
		b.WriteString("\nNAME\n    " + lc.Name + "\n\nSYNTAX\n    " + lc.Name)
		for _, p := range lc.Params {
			b.WriteString(" " + syntaxParam(p.Name, p.Switch, p.Position, "Object"))
		}
		b.WriteString("\n\n")
		return c.Out(rendered(b.String()))
	}
	r, ok := resolveRemote(c.Shell.cfg.Sessions, name)
	if !ok {
		return notRecognized(name)
	}
	b.WriteString("\nNAME\n    " + name + "\n\nSYNTAX\n    " + name)
	for _, p := range r.info.Parameters {
		t := p.Type[strings.LastIndex(p.Type, ".")+1:]
		b.WriteString(" " + syntaxParam(p.Name, p.Switch, -1, t))
	}
	b.WriteString("\n\nPARAMETERS\n")
	for _, p := range r.info.Parameters {
		fmt.Fprintf(&b, "    -%s <%s>\n", p.Name, p.Type)
		if len(p.Aliases) > 0 {
			fmt.Fprintf(&b, "        Aliases: %s\n", strings.Join(p.Aliases, ", "))
		}
	}
	if r.info.HelpURI != "" {
		b.WriteString("\nRELATED LINKS\n    " + r.info.HelpURI + "\n")
	}
	b.WriteString("\n")
	return c.Out(rendered(b.String()))
}

func syntaxParam(name string, isSwitch bool, pos int, typ string) string {
	if isSwitch {
		return "[-" + name + "]"
	}
	if pos >= 0 {
		return "[[-" + name + "] <" + typ + ">]"
	}
	return "[-" + name + " <" + typ + ">]"
}

func writeOutput(_ context.Context, c *Call) error {
	if c.Has("InputObject") {
		return emitAll(c, c.Arg("InputObject"))
	}
	for _, v := range c.Input {
		if err := c.Out(v); err != nil {
			return err
		}
	}
	return nil
}

func writeHost(_ context.Context, c *Call) error {
	text := expandText(c.Arg("Object"))
	if !c.Switch("NoNewline") {
		text += "\n"
	}
	return c.Out(rendered(text))
}

func getVariable(_ context.Context, c *Call) error {
	names := make([]string, 0, len(c.Shell.vars))
	for k := range c.Shell.vars {
		names = append(names, k)
	}
	sort.Strings(names)
	pat := c.Strings("Name")
	for _, n := range names {
		if len(pat) > 0 && !wildcard(pat[0], true).MatchString(n) {
			continue
		}
		if c.Switch("ValueOnly") {
			if err := emitAll(c, c.Shell.vars[n]); err != nil {
				return err
			}
			continue
		}
		o := clixml.NewTypedObject([]string{"System.Management.Automation.PSVariable", "System.Object"},
			clixml.Property{Name: "Name", Value: n}, clixml.Property{Name: "Value", Value: c.Shell.vars[n]})
		if err := c.Out(o); err != nil {
			return err
		}
	}
	return nil
}
