package implicit

import (
	"context"
	"slices"
	"testing"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
)

// TestImportPSSessionSequence replays what Import-PSSession asks of a
// NoLanguage endpoint (remoting-protocol.md §5).
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
