package implicit

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/runspace"
)

// fakeRunspace serves one command, Get-Thing, which emits three objects.
type fakeRunspace struct{ closed bool }

var thing = &cmdlet.Cmdlet{Name: "Get-Thing", Module: "tmp_fake", Synopsis: "Gets things.", OutputTypes: []string{"Fake.Thing"},
	Run:    func(context.Context, *cmdlet.Invocation) error { return nil },
	Params: []*cmdlet.Param{{Name: "Identity", Kind: cmdlet.Identity, Position: 1}}}

func (f *fakeRunspace) Invoke(ctx context.Context, p *runspace.Pipeline, out runspace.Output) error {
	for _, c := range p.Commands {
		if !strings.EqualFold(c.Name, "Get-Thing") {
			return cmdlet.CommandNotFound(c.Name)
		}
	}
	for i := range 3 {
		o := clixml.NewTypedObject([]string{"Fake.Thing", "System.Object"}, clixml.Property{Name: "Name", Value: string(rune('a' + i))})
		if err := out.WriteObject(o); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeRunspace) Commands(context.Context) ([]runspace.CommandInfo, error) {
	return []runspace.CommandInfo{thing.Metadata()}, nil
}

func (f *fakeRunspace) Help(name string) (string, bool) {
	if strings.EqualFold(name, "Get-Thing") {
		return thing.Help(), true
	}
	return "", false
}

func (f *fakeRunspace) Close(context.Context) error { f.closed = true; return nil }

type sink struct {
	mu   sync.Mutex
	objs []clixml.Value
	errs []*psrp.ErrorRecord
}

func (s *sink) WriteObject(v clixml.Value) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objs = append(s.objs, v)
	return nil
}
func (s *sink) WriteError(r *psrp.ErrorRecord) error              { s.errs = append(s.errs, r); return nil }
func (s *sink) WriteInformational(psrp.InformationalRecord) error { return nil }
func (s *sink) WriteProgress(psrp.ProgressRecord) error           { return nil }
func (s *sink) WriteInformation(psrp.InformationRecord) error     { return nil }

var formats = FormatTable{
	{TypeName: "Fake.Thing", Table: []Column{{Property: "Name"}}},
	{TypeName: "Fake.Other", Table: []Column{{Property: "Name", Label: "N", Width: 10}}, List: []string{"Name", "Id"}},
}

func invoke(t *testing.T, rs runspace.Runspace, cmds ...runspace.Command) (*sink, error) {
	t.Helper()
	s := &sink{}
	return s, rs.Invoke(context.Background(), &runspace.Pipeline{Commands: cmds}, s)
}

func cmd(name string, args ...runspace.Arg) runspace.Command {
	return runspace.Command{Name: name, Args: args}
}
func arg(name string, v clixml.Value) runspace.Arg { return runspace.Arg{Name: name, Value: v} }

func get(v clixml.Value, name string) clixml.Value {
	o, _ := v.(*clixml.Object)
	p, _ := o.Get(name)
	return p
}

func TestImportPSSessionSequence(t *testing.T) {
	inner := &fakeRunspace{}
	rs := Wrap(inner, formats)
	// 1. Command discovery with the common parameters the client requires.
	infos, err := rs.Commands(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range infos {
		names = append(names, i.Name)
	}
	for _, n := range []string{"Get-Thing", "Get-Command", "Get-FormatData", "Select-Object", "Measure-Object", "Get-Help", "Out-Default", "Exit-PSSession"} {
		if !slices.Contains(names, n) {
			t.Errorf("Commands lacks %s", n)
		}
	}
	// 2. Get-FormatData -TypeName * | Measure-Object → a Count.
	s, err := invoke(t, rs, cmd("Get-FormatData", arg("TypeName", "*"), arg("PowerShellVersion", clixml.Version("5.1"))), cmd("Measure-Object"))
	if err != nil || len(s.objs) != 1 {
		t.Fatalf("format count: %v %d", err, len(s.objs))
	}
	m := s.objs[0].(*clixml.Object)
	if m.TypeNames[0] != "Microsoft.PowerShell.Commands.GenericMeasureInfo" || get(m, "Count") != int32(2) {
		t.Errorf("measure %v %v", m.TypeNames, get(m, "Count"))
	}
	if v, ok := m.Get("Average"); !ok || v != nil {
		t.Error("Average must be present and Nil")
	}
	// 3. Get-FormatData -TypeName *.
	s, err = invoke(t, rs, cmd("Get-FormatData", arg("TypeName", "Fake.O*")))
	if err != nil || len(s.objs) != 1 {
		t.Fatalf("format data: %v %d", err, len(s.objs))
	}
	def := s.objs[0].(*clixml.Object)
	views, _ := clixml.AsList(get(def, "FormatViewDefinition"))
	if !def.IsA("System.Management.Automation.ExtendedTypeDefinition") || get(def, "TypeName") != "Fake.Other" || len(views) != 2 {
		t.Errorf("definition %v %d views", def.TypeNames, len(views))
	}
	table := get(views[0], "Control").(*clixml.Object)
	headers, _ := clixml.AsList(get(table, "Headers"))
	if !table.IsA("System.Management.Automation.TableControl") || len(headers) != 1 || get(headers[0], "Label") != "N" || get(headers[0], "Width") != int32(10) {
		t.Errorf("table control %v", headers)
	}
	// Get-Command ... | Select-Object <the implicit-remoting properties>.
	props := clixml.NewStringList("Name", "Namespace", "HelpUri", "CommandType", "ResolvedCommandName", "OutputType", "Parameters")
	s, err = invoke(t, rs, cmd("Get-Command", arg("CommandType", int32(271)), arg("Name", "Get-T*")), cmd("Select-Object", arg("Property", props)))
	if err != nil || len(s.objs) != 1 {
		t.Fatalf("get-command: %v %d", err, len(s.objs))
	}
	sel := s.objs[0].(*clixml.Object)
	if sel.TypeNames[0] != "Selected.System.Management.Automation.CmdletInfo" || get(sel, "Name") != "Get-Thing" || get(sel, "Namespace") != "tmp_fake" {
		t.Errorf("selected %v %v", sel.TypeNames, sel.Extended)
	}
	params := get(sel, "Parameters").(*clixml.Object)
	var pnames []string
	for _, e := range params.Entries {
		pnames = append(pnames, e.Key.(string))
	}
	for _, n := range append(cmdlet.CommonParameterNames(), "Identity") {
		if !slices.Contains(pnames, n) {
			t.Errorf("Parameters lacks %s", n)
		}
	}
	if ct := get(sel, "CommandType").(*clixml.Object); *ct.ToString != "Cmdlet" || ct.Primitive != int32(8) {
		t.Errorf("CommandType %v", ct)
	}
	// CommandType filter excluding cmdlets returns nothing.
	if s, _ := invoke(t, rs, cmd("Get-Command", arg("CommandType", "Alias"))); len(s.objs) != 0 {
		t.Errorf("alias filter returned %d", len(s.objs))
	}
	// Get-Command | Measure-Object counts the whole table.
	if s, _ := invoke(t, rs, cmd("Get-Command"), cmd("Measure-Object")); get(s.objs[0], "Count") != int32(len(infos)) {
		t.Errorf("count %v want %d", get(s.objs[0], "Count"), len(infos))
	}
}

func TestMixedPipelinesAndBuiltins(t *testing.T) {
	rs := Wrap(&fakeRunspace{}, formats)
	s, err := invoke(t, rs, cmd("Get-Thing"), cmd("Measure-Object"))
	if err != nil || get(s.objs[0], "Count") != int32(3) {
		t.Fatalf("Get-Thing | Measure-Object: %v %v", err, s.objs)
	}
	s, err = invoke(t, rs, cmd("Get-Thing"), cmd("Out-Default"))
	if err != nil || len(s.objs) != 3 {
		t.Errorf("Out-Default passes objects through: %v %d", err, len(s.objs))
	}
	s, err = invoke(t, rs, cmd("Get-Thing"), cmd("Select-Object", arg("", clixml.NewStringList("Name"))))
	if err != nil || len(s.objs) != 3 || s.objs[0].(*clixml.Object).TypeNames[0] != "Selected.Fake.Thing" {
		t.Errorf("select: %v", err)
	}
	_, err = invoke(t, rs, cmd("Select-Object", arg("Property", "Enabled")))
	var rec *psrp.ErrorRecord
	if !errors.As(err, &rec) || rec.FullyQualifiedErrorID != "ParameterArgumentValidationError,Select-Object" ||
		!strings.HasPrefix(rec.Message, `Cannot validate argument on parameter 'Property'. The argument "Enabled" does not belong to the set "ModuleName,Namespace,OutputType,Count,HelpUri,Name,CommandType,ResolvedCommandName,DefaultParameterSet,CmdletBinding,Parameters"`) {
		t.Errorf("restricted Select-Object: %v", err)
	}
	s, err = invoke(t, rs, cmd("Get-Help", arg("Name", "Get-Thing")))
	if err != nil || len(s.objs) != 1 || get(s.objs[0], "Synopsis") != "Gets things." || !strings.Contains(*s.objs[0].(*clixml.Object).ToString, "SYNTAX") {
		t.Errorf("help: %v", err)
	}
	if _, err := invoke(t, rs, cmd("Get-Help", arg("", "Get-Nope"))); !errors.As(err, &rec) || rec.FullyQualifiedErrorID != "HelpNotFound,Microsoft.PowerShell.Commands.GetHelpCommand" {
		t.Errorf("help not found: %v", err)
	}
	if s, err := invoke(t, rs, cmd("Exit-PSSession")); err != nil || len(s.objs) != 0 {
		t.Errorf("Exit-PSSession: %v", err)
	}
	if _, err := invoke(t, rs, runspace.Command{Name: "1+1", IsScript: true}, cmd("Measure-Object")); !errors.As(err, &rec) || rec.FullyQualifiedErrorID != "ScriptsNotAllowed" {
		t.Errorf("script: %v", err)
	}
	if _, err := invoke(t, rs, cmd("Get-Nope"), cmd("Measure-Object")); !errors.As(err, &rec) || rec.FullyQualifiedErrorID != "CommandNotFoundException" {
		t.Errorf("unknown in mixed pipeline: %v", err)
	}
	inner := &fakeRunspace{}
	Wrap(inner, nil).Close(context.Background())
	if !inner.closed {
		t.Error("Close not delegated")
	}
}
