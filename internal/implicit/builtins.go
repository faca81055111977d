package implicit

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/runspace"
)

// builtin is a proxy command served by the wrapper itself. run consumes
// the stage's input channel (nil when there is none) as it needs.
type builtin struct {
	decl *cmdlet.Cmdlet
	run  func(ctx context.Context, w *wrapped, b *cmdlet.Bound, in <-chan clixml.Value, out runspace.Output) error
}

// selectProperties is the Property set a restricted session's Select-Object
// accepts (InitialSessionState.CreateRestricted).
var selectProperties = []string{"ModuleName", "Namespace", "OutputType", "Count", "HelpUri", "Name", "CommandType",
	"ResolvedCommandName", "DefaultParameterSet", "CmdletBinding", "Parameters"}

func noRun(context.Context, *cmdlet.Invocation) error { return nil }

// builtins is set in init: its handlers refer back to it via Commands.
var builtins []*builtin

func init() {
	builtins = []*builtin{
		{decl: &cmdlet.Cmdlet{Name: "Get-Command", Module: "Microsoft.PowerShell.Core", Synopsis: "Gets all commands.",
			OutputTypes: []string{"System.Management.Automation.CmdletInfo"}, Run: noRun, Params: []*cmdlet.Param{
				{Name: "Name", Kind: cmdlet.String, Multi: true, Position: 1, FromPipelineByName: true},
				{Name: "Module", Kind: cmdlet.String, Multi: true, Aliases: []string{"PSSnapin"}},
				{Name: "ArgumentList", Kind: cmdlet.Hashtable, Aliases: []string{"Args"}, Type: "System.Object[]"},
				{Name: "CommandType", Kind: cmdlet.Hashtable, Aliases: []string{"Type"}, Type: "System.Management.Automation.CommandTypes"},
				{Name: "ListImported", Kind: cmdlet.Switch},
				{Name: "ShowCommandInfo", Kind: cmdlet.Switch},
			}}, run: getCommand},
		{decl: &cmdlet.Cmdlet{Name: "Get-FormatData", Module: "Microsoft.PowerShell.Utility", Synopsis: "Gets the formatting data in the current session.",
			OutputTypes: []string{typeExtendedTypeDefinition}, Run: noRun, Params: []*cmdlet.Param{
				{Name: "TypeName", Kind: cmdlet.String, Multi: true, Position: 1},
				{Name: "PowerShellVersion", Kind: cmdlet.Hashtable, Type: "System.Version"},
			}}, run: getFormatData},
		{decl: &cmdlet.Cmdlet{Name: "Select-Object", Module: "Microsoft.PowerShell.Utility", Synopsis: "Selects object properties.", Run: noRun,
			Params: []*cmdlet.Param{
				{Name: "Property", Kind: cmdlet.String, Multi: true, Position: 1, Values: selectProperties},
				{Name: "InputObject", Kind: cmdlet.Hashtable, Type: "System.Management.Automation.PSObject", FromPipeline: true},
			}}, run: selectObject},
		{decl: &cmdlet.Cmdlet{Name: "Measure-Object", Module: "Microsoft.PowerShell.Utility", Synopsis: "Counts objects.",
			OutputTypes: []string{typeGenericMeasureInfo}, Run: noRun, Params: []*cmdlet.Param{
				{Name: "InputObject", Kind: cmdlet.Hashtable, Type: "System.Management.Automation.PSObject", FromPipeline: true},
			}}, run: measureObject},
		{decl: &cmdlet.Cmdlet{Name: "Get-Help", Module: "Microsoft.PowerShell.Core", Synopsis: "Displays information about PowerShell commands.", Run: noRun,
			Params: []*cmdlet.Param{
				{Name: "Name", Kind: cmdlet.String, Position: 1},
				{Name: "Category", Kind: cmdlet.String, Multi: true},
			}}, run: getHelp},
		{decl: &cmdlet.Cmdlet{Name: "Out-Default", Module: "Microsoft.PowerShell.Core", Synopsis: "Sends the output to the default formatter.", Run: noRun,
			Params: []*cmdlet.Param{
				{Name: "Transcript", Kind: cmdlet.Switch},
				{Name: "InputObject", Kind: cmdlet.Hashtable, Type: "System.Management.Automation.PSObject", FromPipeline: true},
			}}, run: outDefault},
		{decl: &cmdlet.Cmdlet{Name: "Exit-PSSession", Module: "Microsoft.PowerShell.Core", Synopsis: "Ends an interactive session.", Run: noRun}, run: nothing},
		{decl: &cmdlet.Cmdlet{Name: "Clear-Host", Module: "Microsoft.PowerShell.Core", Synopsis: "Clears the display.", Run: noRun}, run: nothing},
	}
}

func nothing(ctx context.Context, _ *wrapped, _ *cmdlet.Bound, in <-chan clixml.Value, _ runspace.Output) error {
	_, err := drain(ctx, in)
	return err
}

// commandTypeMask reads -CommandType as a CommandTypes value: a number,
// an enum object, or names ("Cmdlet, Function"). Absent means All.
func commandTypeMask(v any) int64 {
	if v == nil {
		return 0x1FF
	}
	if n, ok := clixml.AsInt64(v); ok {
		return n
	}
	names := map[string]int64{"alias": 1, "function": 2, "filter": 4, "cmdlet": 8, "externalscript": 16, "application": 32,
		"script": 64, "workflow": 128, "configuration": 256, "all": 0x1FF}
	var mask int64
	var parts []string
	if list, ok := clixml.AsList(v); ok {
		for _, it := range list {
			s, _ := clixml.AsString(it)
			parts = append(parts, s)
		}
	} else if s, ok := clixml.AsString(v); ok {
		parts = strings.Split(s, ",")
	}
	for _, p := range parts {
		p = strings.ToLower(strings.TrimSpace(p))
		if n, err := strconv.ParseInt(p, 10, 64); err == nil {
			mask |= n
		}
		mask |= names[p]
	}
	return mask
}

func matchAny(patterns []string, s string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(s)); ok {
			return true
		}
	}
	return false
}

func getCommand(ctx context.Context, w *wrapped, b *cmdlet.Bound, in <-chan clixml.Value, out runspace.Output) error {
	if _, err := drain(ctx, in); err != nil {
		return err
	}
	infos, err := w.Commands(ctx)
	if err != nil {
		return err
	}
	mask := commandTypeMask(b.Value("CommandType"))
	names, modules := b.Strings("Name"), b.Strings("Module")
	for _, info := range infos {
		if int64(info.CommandType)&mask == 0 || !matchAny(names, info.Name) || !matchAny(modules, info.Module) {
			continue
		}
		if err := out.WriteObject(commandInfoObject(info)); err != nil {
			return err
		}
	}
	return nil
}

const (
	typeParameterDictionary = "System.Collections.Generic.Dictionary`2[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089],[System.Management.Automation.ParameterMetadata, System.Management.Automation, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]"
	typeStringCollection    = "System.Collections.ObjectModel.Collection`1[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089]]"
	typeOutputTypes         = "System.Collections.ObjectModel.ReadOnlyCollection`1[[System.Management.Automation.PSTypeName, System.Management.Automation, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]"
	typeGenericMeasureInfo  = "Microsoft.PowerShell.Commands.GenericMeasureInfo"
)

// commandInfoObject renders a CmdletInfo with the properties implicit
// remoting selects (remoting-protocol.md §3.9).
func commandInfoObject(info runspace.CommandInfo) *clixml.Object {
	params := &clixml.Object{TypeNames: []string{typeParameterDictionary, "System.Object"}, Kind: clixml.Dictionary}
	for _, p := range info.Parameters {
		aliases := &clixml.Object{TypeNames: []string{typeStringCollection, "System.Object"}, Kind: clixml.List}
		for _, a := range p.Aliases {
			aliases.Items = append(aliases.Items, a)
		}
		pm := &clixml.Object{TypeNames: []string{"System.Management.Automation.ParameterMetadata", "System.Object"}, ToString: clixml.Str(p.Name),
			Adapted: []clixml.Property{{Name: "Name", Value: p.Name}, {Name: "ParameterType", Value: p.Type}, {Name: "Aliases", Value: aliases},
				{Name: "IsDynamic", Value: false}, {Name: "SwitchParameter", Value: p.Switch}}}
		params.Entries = append(params.Entries, clixml.Entry{Key: p.Name, Value: pm})
	}
	outTypes := &clixml.Object{TypeNames: []string{typeOutputTypes, "System.Object"}, Kind: clixml.List}
	for _, t := range info.OutputType {
		outTypes.Items = append(outTypes.Items, t)
	}
	verb, noun, _ := strings.Cut(info.Name, "-")
	o := clixml.NewTypedObject([]string{"System.Management.Automation.CmdletInfo", "System.Management.Automation.CommandInfo", "System.Object"},
		clixml.Property{Name: "Name", Value: info.Name},
		clixml.Property{Name: "Namespace", Value: info.Module},
		clixml.Property{Name: "ModuleName", Value: info.Module},
		clixml.Property{Name: "HelpUri", Value: nilIfEmpty(info.HelpURI)},
		clixml.Property{Name: "CommandType", Value: clixml.NewEnum("System.Management.Automation.CommandTypes", info.CommandType, commandTypeName(info.CommandType))},
		clixml.Property{Name: "ResolvedCommandName", Value: nil},
		clixml.Property{Name: "OutputType", Value: outTypes},
		clixml.Property{Name: "Parameters", Value: params},
		clixml.Property{Name: "DefaultParameterSet", Value: nil},
		clixml.Property{Name: "CmdletBinding", Value: true},
		clixml.Property{Name: "Verb", Value: verb},
		clixml.Property{Name: "Noun", Value: noun},
		clixml.Property{Name: "Count", Value: int32(1)},
	)
	o.ToString = clixml.Str(info.Name)
	return o
}

func commandTypeName(t int32) string {
	switch t {
	case 1:
		return "Alias"
	case 2:
		return "Function"
	}
	return "Cmdlet"
}

func nilIfEmpty(s string) clixml.Value {
	if s == "" {
		return nil
	}
	return s
}

func selectObject(ctx context.Context, _ *wrapped, b *cmdlet.Bound, in <-chan clixml.Value, out runspace.Output) error {
	props := b.Strings("Property")
	emit := func(v clixml.Value) error {
		src, _ := v.(*clixml.Object)
		first := "System.Management.Automation.PSObject"
		if src != nil && len(src.TypeNames) > 0 {
			first = strings.TrimPrefix(src.TypeNames[0], "Deserialized.")
		}
		o := clixml.NewTypedObject([]string{"Selected." + first, "System.Management.Automation.PSCustomObject", "System.Object"})
		for _, p := range props {
			val, _ := src.Get(p)
			o.Extended = append(o.Extended, clixml.Property{Name: p, Value: val})
		}
		return out.WriteObject(o)
	}
	if b.Has("InputObject") {
		return emit(b.Value("InputObject"))
	}
	for in != nil {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case v, ok := <-in:
			if !ok {
				return nil
			}
			if err := emit(v); err != nil {
				return err
			}
		}
	}
	return nil
}

// MeasureInfo returns the GenericMeasureInfo for count (Count I32, the
// other statistics Nil), as implicit remoting expects (§5).
func MeasureInfo(count int) *clixml.Object {
	o := &clixml.Object{TypeNames: []string{typeGenericMeasureInfo, "Microsoft.PowerShell.Commands.MeasureInfo", "System.Object"},
		ToString: clixml.Str(typeGenericMeasureInfo),
		Adapted: []clixml.Property{{Name: "Count", Value: int32(count)}, {Name: "Average", Value: nil}, {Name: "Sum", Value: nil},
			{Name: "Maximum", Value: nil}, {Name: "Minimum", Value: nil}, {Name: "Property", Value: nil}}}
	return o
}

func measureObject(ctx context.Context, _ *wrapped, b *cmdlet.Bound, in <-chan clixml.Value, out runspace.Output) error {
	items, err := drain(ctx, in)
	if err != nil {
		return err
	}
	n := len(items)
	if b.Has("InputObject") {
		n++
	}
	return out.WriteObject(MeasureInfo(n))
}

func outDefault(ctx context.Context, _ *wrapped, b *cmdlet.Bound, in <-chan clixml.Value, out runspace.Output) error {
	items, err := drain(ctx, in)
	if err != nil {
		return err
	}
	if b.Has("InputObject") {
		items = append(items, b.Value("InputObject"))
	}
	for _, v := range items {
		if err := out.WriteObject(v); err != nil {
			return err
		}
	}
	return nil
}

func getHelp(ctx context.Context, w *wrapped, b *cmdlet.Bound, in <-chan clixml.Value, out runspace.Output) error {
	if _, err := drain(ctx, in); err != nil {
		return err
	}
	name := b.String("Name")
	if name == "" {
		name = "Get-Help"
	}
	text, ok := w.Help(name)
	if !ok {
		return &psrp.ErrorRecord{
			Message: fmt.Sprintf("Get-Help could not find %s in a help file in this session. To download updated help topics type: \"Update-Help\". "+
				"To get help online, search for the help topic in the TechNet library at https://go.microsoft.com/fwlink/?LinkID=107116.", name),
			ExceptionType:         []string{"Microsoft.PowerShell.Commands.HelpNotFoundException", "System.SystemException", "System.Exception", "System.Object"},
			FullyQualifiedErrorID: "HelpNotFound,Microsoft.PowerShell.Commands.GetHelpCommand",
			Category:              psrp.ErrorCategory(21), // ResourceUnavailable
			CategoryActivity:      "Get-Help",
			CategoryReason:        "HelpNotFoundException",
			TargetObject:          name,
		}
	}
	synopsis := ""
	if _, after, ok := strings.Cut(text, "SYNOPSIS\n"); ok {
		synopsis, _, _ = strings.Cut(strings.TrimSpace(after), "\n")
	}
	o := clixml.NewTypedObject([]string{"MamlCommandHelpInfo", "HelpInfo", "System.Management.Automation.PSCustomObject", "System.Object"},
		clixml.Property{Name: "Name", Value: name},
		clixml.Property{Name: "Category", Value: "Cmdlet"},
		clixml.Property{Name: "Synopsis", Value: synopsis},
		clixml.Property{Name: "Component", Value: nil},
		clixml.Property{Name: "Role", Value: nil},
		clixml.Property{Name: "Functionality", Value: nil},
		clixml.Property{Name: "ModuleName", Value: ""},
	)
	o.ToString = clixml.Str(text)
	return out.WriteObject(o)
}
