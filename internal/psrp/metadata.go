package psrp

import (
	"fmt"

	"github.com/ipps/ipps/internal/clixml"
)

// CommandTypes values (System.Management.Automation.CommandTypes).
const (
	CommandTypeAlias    int32 = 1
	CommandTypeFunction int32 = 2
	CommandTypeFilter   int32 = 4
	CommandTypeCmdlet   int32 = 8
	// CommandTypeImportDefault is what Import-PSSession asks for: All
	// minus Application, Script and ExternalScript.
	CommandTypeImportDefault int32 = 271
)

var commandTypeNames = map[int32]string{1: "Alias", 2: "Function", 4: "Filter", 8: "Cmdlet", 16: "ExternalScript", 32: "Application", 64: "Script", 256: "Configuration"}

// GetCommandMetadata is the GET_COMMAND_METADATA request (MS-PSRP
// 2.2.2.14): implicit remoting's Get-Command.
type GetCommandMetadata struct {
	// Names are wildcard patterns; a Nil Name on the wire decodes as {"*"}.
	Names       []string
	CommandType int32
	// Namespace lists module names; nil means any.
	Namespace    []string
	ArgumentList []clixml.Value
}

// Marshal encodes m as message data.
func (m GetCommandMetadata) Marshal() ([]byte, error) {
	var ns, args clixml.Value
	if m.Namespace != nil {
		ns = clixml.NewStringList(m.Namespace...)
	}
	if m.ArgumentList != nil {
		args = clixml.NewList(m.ArgumentList...)
	}
	return marshal(msObject(
		prop("Name", clixml.NewStringList(m.Names...)),
		prop("CommandType", clixml.NewEnum("System.Management.Automation.CommandTypes", m.CommandType, commandTypeNames[m.CommandType])),
		prop("Namespace", ns),
		prop("ArgumentList", args),
	))
}

// DecodeGetCommandMetadata decodes GET_COMMAND_METADATA data. CommandType
// may be a bare integer or an enum object; a missing one means 271.
func DecodeGetCommandMetadata(data []byte) (GetCommandMetadata, error) {
	o, err := decodeObject(MsgGetCommandMetadata, data)
	if err != nil {
		return GetCommandMetadata{}, err
	}
	f := fields{t: MsgGetCommandMetadata, o: o}
	m := GetCommandMetadata{Names: f.stringList("Name"), Namespace: f.stringList("Namespace"), CommandType: CommandTypeImportDefault}
	if len(m.Names) == 0 {
		m.Names = []string{"*"}
	}
	if _, ok := o.Get("CommandType"); ok {
		m.CommandType = int32(f.int("CommandType", false))
	}
	if av, ok := o.Get("ArgumentList"); ok && av != nil {
		m.ArgumentList, _ = clixml.AsList(av)
	}
	return m, f.err
}

// ParameterMetadata describes one parameter in a metadata reply.
type ParameterMetadata struct {
	Name string
	// Type is the .NET full type name, e.g. "System.String".
	Type            string
	Aliases         []string
	IsDynamic       bool
	SwitchParameter bool
}

// CommonParameters returns the common parameters (PowerShell 5.1 set).
// The Windows client turns a command into a [CmdletBinding()] proxy only
// if its Parameters contain all of them, so callers building
// CommandMetadata for Import-PSSession must append these.
func CommonParameters() []ParameterMetadata {
	p := func(name, typ string, aliases ...string) ParameterMetadata {
		return ParameterMetadata{Name: name, Type: typ, Aliases: aliases, SwitchParameter: typ == "System.Management.Automation.SwitchParameter"}
	}
	const sw, pref, str, i32 = "System.Management.Automation.SwitchParameter", "System.Management.Automation.ActionPreference", "System.String", "System.Int32"
	return []ParameterMetadata{
		p("Verbose", sw, "vb"), p("Debug", sw, "db"),
		p("ErrorAction", pref, "ea"), p("WarningAction", pref, "wa"), p("InformationAction", pref, "infa"),
		p("ErrorVariable", str, "ev"), p("WarningVariable", str, "wv"), p("InformationVariable", str, "iv"),
		p("OutVariable", str, "ov"), p("OutBuffer", i32, "ob"), p("PipelineVariable", str, "pv"),
	}
}

// CommandMetadata is one command of a GET_COMMAND_METADATA reply
// (MS-PSRP 2.2.3.22).
type CommandMetadata struct {
	Name                string
	Namespace           string
	HelpURI             string
	CommandType         int32
	ResolvedCommandName string
	OutputType          []string
	// Parameters must include CommonParameters for the Windows client to
	// generate a proxy with common-parameter support.
	Parameters []ParameterMetadata
}

const (
	dictTypes  = "System.Collections.Generic.Dictionary`2[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089],[System.Management.Automation.ParameterMetadata, System.Management.Automation, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]"
	outTypes   = "System.Collections.ObjectModel.ReadOnlyCollection`1[[System.Management.Automation.PSTypeName, System.Management.Automation, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]"
	aliasTypes = "System.Collections.ObjectModel.Collection`1[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089]]"
)

// CommandCountObject returns the first PIPELINE_OUTPUT of a metadata
// reply: a Selected GenericMeasureInfo with Count. The Windows client reads
// and skips it; omitting it swallows the first command.
func CommandCountObject(n int) *clixml.Object {
	return clixml.NewTypedObject([]string{
		"Selected.Microsoft.PowerShell.Commands.GenericMeasureInfo",
		"System.Management.Automation.PSCustomObject", "System.Object",
	}, prop("Count", int32(n)))
}

func commandInfoType(t int32) string {
	switch t {
	case CommandTypeAlias:
		return "AliasInfo"
	case CommandTypeFunction, CommandTypeFilter:
		return "FunctionInfo"
	}
	return "CmdletInfo"
}

// Object returns c as the Selected.*CmdletInfo object of MS-PSRP 2.2.3.22.
func (c CommandMetadata) Object() *clixml.Object {
	outs := make([]clixml.Value, len(c.OutputType))
	for i, s := range c.OutputType {
		outs[i] = s
	}
	params := make([]clixml.Entry, len(c.Parameters))
	for i, p := range c.Parameters {
		aliases := make([]clixml.Value, len(p.Aliases))
		for j, a := range p.Aliases {
			aliases[j] = a
		}
		pm := &clixml.Object{
			TypeNames: []string{"System.Management.Automation.ParameterMetadata", "System.Object"},
			ToString:  clixml.Str("System.Management.Automation.ParameterMetadata"),
			Adapted: []clixml.Property{
				prop("Name", p.Name),
				prop("ParameterType", p.Type),
				prop("Aliases", &clixml.Object{TypeNames: []string{aliasTypes, "System.Object"}, Kind: clixml.List, Items: aliases}),
				prop("IsDynamic", p.IsDynamic),
				prop("SwitchParameter", p.SwitchParameter),
			},
		}
		params[i] = clixml.Entry{Key: p.Name, Value: pm}
	}
	var resolved clixml.Value
	if c.ResolvedCommandName != "" {
		resolved = c.ResolvedCommandName
	}
	o := clixml.NewTypedObject([]string{
		"Selected.System.Management.Automation." + commandInfoType(c.CommandType),
		"System.Management.Automation.PSCustomObject", "System.Object",
	},
		prop("Name", c.Name),
		prop("Namespace", c.Namespace),
		prop("HelpUri", nilIfEmpty(c.HelpURI)),
		prop("CommandType", clixml.NewEnum("System.Management.Automation.CommandTypes", c.CommandType, commandTypeNames[c.CommandType])),
		prop("ResolvedCommandName", resolved),
		prop("OutputType", &clixml.Object{TypeNames: []string{outTypes, "System.Object"}, Kind: clixml.List, Items: outs}),
		prop("Parameters", &clixml.Object{TypeNames: []string{dictTypes, "System.Object"}, Kind: clixml.Dictionary, Entries: params}),
	)
	return o
}

// DecodeCommandMetadata converts one reply object back (client side).
func DecodeCommandMetadata(v clixml.Value) (CommandMetadata, error) {
	o, ok := v.(*clixml.Object)
	if !ok || o == nil {
		return CommandMetadata{}, &PayloadError{Type: MsgPipelineOutput, Err: fmt.Errorf("%w: want command object, got %T", errWrongType, v)}
	}
	f := fields{t: MsgPipelineOutput, o: o}
	c := CommandMetadata{
		Name:                f.str("Name", true),
		Namespace:           f.str("Namespace", false),
		HelpURI:             f.str("HelpUri", false),
		CommandType:         int32(f.int("CommandType", false)),
		ResolvedCommandName: f.str("ResolvedCommandName", false),
		OutputType:          f.stringList("OutputType"),
	}
	pv, _ := o.Get("Parameters")
	entries, _ := clixml.AsEntries(pv)
	for _, e := range entries {
		po, _ := e.Value.(*clixml.Object)
		if po == nil {
			continue
		}
		pf := fields{t: MsgPipelineOutput, o: po}
		c.Parameters = append(c.Parameters, ParameterMetadata{
			Name:            pf.str("Name", false),
			Type:            pf.str("ParameterType", false),
			Aliases:         pf.stringList("Aliases"),
			IsDynamic:       pf.bool("IsDynamic", false),
			SwitchParameter: pf.bool("SwitchParameter", false),
		})
	}
	return c, f.err
}

// DecodeCommandCount reads Count from the first metadata reply object.
func DecodeCommandCount(v clixml.Value) (int, bool) {
	o, ok := v.(*clixml.Object)
	if !ok {
		return 0, false
	}
	n, ok := o.Get("Count")
	if !ok {
		return 0, false
	}
	c, ok := clixml.AsInt64(n)
	return int(c), ok
}
