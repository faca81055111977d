package psrp

import (
	"reflect"
	"testing"

	"github.com/ipps/ipps/internal/clixml"
)

func TestGetCommandMetadataDecode(t *testing.T) {
	// As Import-PSSession sends it: Name list, CommandType enum, Nil rest.
	xml := `<Obj RefId="0"><MS><Obj N="Name" RefId="1"><TN RefId="0"><T>System.String[]</T><T>System.Array</T><T>System.Object</T></TN><LST><S>Get-*</S><S>Set-Mailbox</S></LST></Obj>` +
		`<Obj N="CommandType" RefId="2"><TN RefId="1"><T>System.Management.Automation.CommandTypes</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Alias, Function, Filter, Cmdlet, Configuration</ToString><I32>271</I32></Obj>` +
		`<Nil N="Namespace" /><Nil N="ArgumentList" /></MS></Obj>`
	m, err := DecodeGetCommandMetadata([]byte(xml))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, GetCommandMetadata{Names: []string{"Get-*", "Set-Mailbox"}, CommandType: 271}) {
		t.Fatalf("%+v", m)
	}
	// Nil Name means "*"; a bare I32 CommandType is accepted.
	m, err = DecodeGetCommandMetadata([]byte(`<Obj RefId="0"><MS><Nil N="Name" /><I32 N="commandtype">8</I32><Obj N="Namespace" RefId="1"><LST><S>Mod</S></LST></Obj></MS></Obj>`))
	if err != nil || !reflect.DeepEqual(m, GetCommandMetadata{Names: []string{"*"}, CommandType: 8, Namespace: []string{"Mod"}}) {
		t.Fatalf("%+v %v", m, err)
	}
	in := GetCommandMetadata{Names: []string{"*"}, CommandType: CommandTypeImportDefault, Namespace: []string{"a"}, ArgumentList: []clixml.Value{"x"}}
	if got, err := DecodeGetCommandMetadata(mustEncode(in.Marshal())); err != nil || !reflect.DeepEqual(got, in) {
		t.Fatalf("round trip %+v %v", got, err)
	}
}

func TestCommandMetadataObject(t *testing.T) {
	c := CommandMetadata{
		Name: "Get-Mailbox", Namespace: "tmp_abc", CommandType: CommandTypeCmdlet, OutputType: []string{"System.Object"},
		Parameters: append([]ParameterMetadata{
			{Name: "Identity", Type: "System.String", Aliases: []string{}},
			{Name: "Force", Type: "System.Management.Automation.SwitchParameter", SwitchParameter: true, Aliases: []string{"f"}},
		}, CommonParameters()...),
	}
	o := c.Object()
	if o.TypeNames[0] != "Selected.System.Management.Automation.CmdletInfo" || !o.IsA("System.Management.Automation.PSCustomObject") {
		t.Fatalf("types %v", o.TypeNames)
	}
	for _, name := range []string{"Name", "Namespace", "HelpUri", "CommandType", "ResolvedCommandName", "OutputType", "Parameters"} {
		if _, ok := o.Get(name); !ok {
			t.Errorf("missing %s", name)
		}
	}
	v, err := clixml.Unmarshal(mustEncode(marshal(o)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeCommandMetadata(v)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("round trip\n%+v\nwant\n%+v", got, c)
	}
	common := map[string]bool{}
	for _, p := range CommonParameters() {
		common[p.Name] = true
	}
	for _, n := range []string{"Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ErrorVariable", "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable"} {
		if !common[n] {
			t.Errorf("common parameter %s missing", n)
		}
	}
	cnt, err := clixml.Unmarshal(mustEncode(marshal(CommandCountObject(3))))
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := DecodeCommandCount(cnt); !ok || n != 3 || cnt.(*clixml.Object).TypeNames[0] != "Selected.Microsoft.PowerShell.Commands.GenericMeasureInfo" {
		t.Fatalf("count %v %v", n, ok)
	}
	if f := (CommandMetadata{Name: "f", CommandType: CommandTypeFunction}).Object(); f.TypeNames[0] != "Selected.System.Management.Automation.FunctionInfo" {
		t.Fatalf("function type %v", f.TypeNames)
	}
}
