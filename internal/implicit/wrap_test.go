package implicit

import (
	"context"
	"errors"
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
