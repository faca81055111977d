package cmdlet

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/runspace"
)

var getThing = &Cmdlet{
	Name: "Get-Thing",
	Params: []*Param{
		{Name: "Identity", Kind: Identity, Position: 1, FromPipeline: true},
		{Name: "Enabled", Kind: Bool},
		{Name: "Count", Kind: Int, Range: &Range{Min: 1, Max: 5000}, Aliases: []string{"Size"}},
		{Name: "Label", Kind: String, Length: &Range{Min: 1, Max: 64}},
		{Name: "Color", Kind: String, Values: []string{"Red", "Blue"}},
		{Name: "Action", Kind: Enum, Type: "Ns.ActionType", Values: []string{"Delete", "Keep", "KeepAndDelete"}},
		{Name: "Force", Kind: Switch},
		{Name: "When", Kind: DateTime},
		{Name: "Duration", Kind: Unlimited},
		{Name: "Locations", Kind: String, Multi: true, AddRemove: true},
		{Name: "Tags", Kind: String, Multi: true, Position: 2},
	},
}

// newPolicy mirrors New-RetentionCompliancePolicy's sets (no default set).
var newPolicy = &Cmdlet{
	Name:          "New-Policy",
	ShouldProcess: true,
	Params: []*Param{
		{Name: "Name", Kind: String, Mandatory: true, Position: 1},
		{Name: "ExchangeLocation", Kind: String, Multi: true, Sets: []SetSpec{{Name: "Default"}}},
		{Name: "TeamsChatLocation", Kind: String, Multi: true, Sets: []SetSpec{{Name: "TeamLocation"}}},
		{Name: "AdaptiveScopeLocation", Kind: String, Multi: true, Sets: []SetSpec{{Name: "AdaptiveScopeLocation", Mandatory: true}}},
	},
}

var removeThing = &Cmdlet{
	Name:          "Remove-Thing",
	ShouldProcess: true,
	Params: []*Param{
		{Name: "Identity", Kind: Identity, Mandatory: true, Position: 1, FromPipeline: true},
		{Name: "Comment", Kind: String, FromPipelineByName: true},
	},
}

func named(name string, v clixml.Value) runspace.Arg { return runspace.Arg{Name: name, Value: v} }
func pos(v clixml.Value) runspace.Arg                { return runspace.Arg{Value: v} }
func sw(name string) runspace.Arg                    { return runspace.Arg{Name: name, Switch: true} }
func list(vs ...clixml.Value) *clixml.Object         { return &clixml.Object{Kind: clixml.List, Items: vs} }

func bindErrOf(t *testing.T, err error) *BindError {
	t.Helper()
	var be *BindError
	if !errors.As(err, &be) {
		t.Fatalf("error = %v, want *BindError", err)
	}
	if !errors.Is(err, ErrBinding) {
		t.Fatalf("errors.Is(err, ErrBinding) = false")
	}
	return be
}

func TestBindErrors(t *testing.T) {
	tests := []struct {
		name    string
		cmd     *Cmdlet
		args    []runspace.Arg
		id, msg string
	}{
		{"unknown", getThing, []runspace.Arg{named("Nope", "x")}, "NamedParameterNotFound",
			"A parameter cannot be found that matches parameter name 'Nope'."},
		{"ambiguous prefix incl. common", getThing, []runspace.Arg{named("e", true)}, "AmbiguousParameter",
			"Parameter cannot be processed because the parameter name 'e' is ambiguous. Possible matches include: -Enabled -ErrorAction -ErrorVariable."},
		{"two positionals", getThing, []runspace.Arg{pos("a"), pos("b"), pos("c")}, "PositionalParameterNotFound",
			"A positional parameter cannot be found that accepts argument 'c'."},
		{"int conversion", getThing, []runspace.Arg{named("Count", "abc")}, "CannotConvertArgumentNoMessage",
			`Cannot bind parameter 'Count'. Cannot convert value "abc" to type "System.Int32". Error: "Input string was not in a correct format."`},
		{"validate set", getThing, []runspace.Arg{named("Color", "purple")}, "ParameterArgumentValidationError",
			`Cannot validate argument on parameter 'Color'. The argument "purple" does not belong to the set "Red,Blue" specified by the ValidateSet attribute. Supply an argument that is in the set and then try the command again.`},
		{"validate range", getThing, []runspace.Arg{named("Count", int32(6000))}, "ParameterArgumentValidationError",
			"Cannot validate argument on parameter 'Count'. The 6000 argument is greater than the maximum allowed range of 5000. Supply an argument that is less than or equal to 5000 and then try the command again."},
		{"validate length", getThing, []runspace.Arg{named("Label", strings.Repeat("x", 65))}, "ParameterArgumentValidationError",
			`Cannot validate argument on parameter 'Label'. The character length of the 65 argument is too long. Shorten the character length of the argument so it is fewer than or equal to "64" characters, and then try the command again.`},
		{"bool from string", getThing, []runspace.Arg{named("Enabled", "yes")}, "ParameterArgumentTransformationError",
			`Cannot process argument transformation on parameter 'Enabled'. Cannot convert value "System.String" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.`},
		{"enum", getThing, []runspace.Arg{named("Action", "Purge")}, "CannotConvertArgumentNoMessage",
			"Cannot bind parameter 'Action'. Cannot convert value \"Purge\" to type \"Ns.ActionType\". Error: \"Unable to match the identifier name Purge to a valid enumerator name. Specify one of the following enumerator names and try again:\r\nDelete, Keep, KeepAndDelete\""},
		{"date", getThing, []runspace.Arg{named("When", "soon")}, "CannotConvertArgumentNoMessage",
			`Cannot bind parameter 'When'. Cannot convert value "soon" to type "System.DateTime". Error: "String was not recognized as a valid DateTime."`},
		{"twice", getThing, []runspace.Arg{named("Count", int32(1)), named("size", int32(2))}, "ParameterAlreadyBound",
			`Cannot bind parameter because parameter 'Count' is specified more than once. To provide multiple values to parameters that can accept multiple values, use the array syntax. For example, "-parameter value1,value2,value3".`},
		{"missing argument", getThing, []runspace.Arg{sw("Label")}, "MissingArgument",
			"Missing an argument for parameter 'Label'. Specify a parameter of type 'System.String' and try again."},
		{"no set without locations", newPolicy, []runspace.Arg{named("Name", "p")}, "AmbiguousParameterSet",
			"Parameter set cannot be resolved using the specified named parameters."},
		{"sets exclude each other", newPolicy, []runspace.Arg{named("Name", "p"), named("ExchangeLocation", "All"), named("TeamsChatLocation", "All")}, "AmbiguousParameterSet",
			"Parameter set cannot be resolved using the specified named parameters."},
		{"missing mandatory", newPolicy, []runspace.Arg{named("ExchangeLocation", "All")}, "MissingMandatoryParameter",
			"Cannot process command because of one or more missing mandatory parameters: Name."},
		{"empty mandatory string", newPolicy, []runspace.Arg{named("Name", ""), named("ExchangeLocation", "All")}, "ParameterArgumentValidationErrorEmptyStringNotAllowed",
			"Cannot bind argument to parameter 'Name' because it is an empty string."},
		{"null mandatory", newPolicy, []runspace.Arg{named("Name", nil), named("ExchangeLocation", "All")}, "ParameterArgumentValidationErrorNullNotAllowed",
			"Cannot bind argument to parameter 'Name' because it is null."},
		{"missing identity without input", removeThing, nil, "MissingMandatoryParameter",
			"Cannot process command because of one or more missing mandatory parameters: Identity."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Bind(tt.cmd, tt.args, false)
			be := bindErrOf(t, err)
			if be.ID != tt.id || be.Message != tt.msg {
				t.Errorf("got %s: %q\nwant %s: %q", be.ID, be.Message, tt.id, tt.msg)
			}
			rec := be.Record()
			if rec.FullyQualifiedErrorID != tt.id+","+tt.cmd.Name || rec.Message != tt.msg {
				t.Errorf("record FQEID %q", rec.FullyQualifiedErrorID)
			}
		})
	}
}

func TestBindValues(t *testing.T) {
	hash := &clixml.Object{Kind: clixml.Dictionary, Entries: []clixml.Entry{
		{Key: "Add", Value: list("a@x", "b@x")}, {Key: "remove", Value: "c@x"},
	}}
	b, err := Bind(getThing, []runspace.Arg{pos("pol1")}, false)
	if err != nil || b.String("Identity") != "pol1" {
		t.Fatalf("positional: %v %v", b, err)
	}
	b, err = Bind(getThing, []runspace.Arg{
		named("-Cou:", "0x10"), named("ea", "stop"), sw("-Force"), named("Enabled", int32(0)),
		named("When", "2026-03-01"), named("Duration", "unlimited"), named("Locations", hash),
		named("Action", "keepanddelete"), pos("id1"), pos(list("t1", "t2")),
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Int("Count", 0); got != 16 {
		t.Errorf("Count = %d", got)
	}
	if got := b.String("ErrorAction"); got != "Stop" {
		t.Errorf("ErrorAction = %q", got)
	}
	if !b.Switch("Force") || b.Bool("Enabled", true) {
		t.Errorf("Force/Enabled wrong")
	}
	if w, _ := b.Time("When"); !w.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("When = %v", w)
	}
	if u, _ := b.Unlimited("Duration"); !u.Unlimited {
		t.Errorf("Duration = %v", u)
	}
	m := b.Multi("Locations")
	if got := m.Apply([]string{"C@X", "d@x", "a@x"}); !slices.Equal(got, []string{"d@x", "a@x", "b@x"}) {
		t.Errorf("Apply = %v", got)
	}
	if b.String("Action") != "KeepAndDelete" || b.String("Identity") != "id1" || !slices.Equal(b.Strings("Tags"), []string{"t1", "t2"}) {
		t.Errorf("Action/Identity/Tags = %q %q %v", b.String("Action"), b.String("Identity"), b.Strings("Tags"))
	}
	// -Force:$false turns the switch off; "-Label value" as two arguments.
	b, err = Bind(getThing, []runspace.Arg{named("Force", false), sw("Label"), pos("lbl")}, false)
	if err != nil || b.Switch("Force") || b.String("Label") != "lbl" {
		t.Fatalf("switch false / split arg: %v %v", b, err)
	}
}

func TestParameterSets(t *testing.T) {
	for args, want := range map[string]string{
		"ExchangeLocation":      "Default",
		"TeamsChatLocation":     "TeamLocation",
		"AdaptiveScopeLocation": "AdaptiveScopeLocation",
	} {
		b, err := Bind(newPolicy, []runspace.Arg{pos("p"), named(args, "All"), named("Confirm", false)}, false)
		if err != nil || b.Set != want {
			t.Errorf("%s: set %v err %v", args, b, err)
		}
	}
}

func TestPipelineBinding(t *testing.T) {
	b, err := Bind(removeThing, []runspace.Arg{named("Confirm", false)}, true)
	if err != nil {
		t.Fatal(err)
	}
	obj := &clixml.Object{TypeNames: []string{"X"}, Extended: []clixml.Property{{Name: "Identity", Value: "pol9"}, {Name: "Comment", Value: "c"}}}
	nb, err := b.BindInput(obj)
	if err != nil {
		t.Fatal(err)
	}
	if nb.String("Identity") != "pol9" || nb.String("Comment") != "c" || b.Has("Identity") {
		t.Errorf("bound %q %q; original mutated=%v", nb.String("Identity"), nb.String("Comment"), b.Has("Identity"))
	}
	nb, err = b.BindInput("pol10")
	if err != nil || nb.String("Identity") != "pol10" {
		t.Errorf("by value string: %v", err)
	}
	// A cmdlet without pipeline parameters refuses input.
	b2, _ := Bind(newPolicy, []runspace.Arg{pos("p"), named("ExchangeLocation", "All")}, true)
	_, err = b2.BindInput("x")
	if be := bindErrOf(t, err); be.ID != "InputObjectNotBound" {
		t.Errorf("id %s", be.ID)
	}
}

func TestRestrictHidesParameter(t *testing.T) {
	r := getThing.Restrict(func(p string) bool { return p != "Enabled" })
	_, err := Bind(r, []runspace.Arg{named("Enabled", true)}, false)
	if be := bindErrOf(t, err); be.ID != "NamedParameterNotFound" {
		t.Errorf("id %s", be.ID)
	}
	// With Enabled gone, "-e" is still ambiguous between the common ones.
	_, err = Bind(r, []runspace.Arg{named("e", "x")}, false)
	if be := bindErrOf(t, err); !strings.HasSuffix(be.Message, "Possible matches include: -ErrorAction -ErrorVariable.") {
		t.Errorf("msg %s", be.Message)
	}
}

func BenchmarkBind(b *testing.B) {
	args := []runspace.Arg{pos("p"), named("Exch", list("a", "b")), named("Confirm", false)}
	for b.Loop() {
		if _, err := Bind(newPolicy, args, false); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzBind: binding arbitrary names and string values never panics and
// either succeeds or yields a *BindError with a message.
func FuzzBind(f *testing.F) {
	f.Add("Identity", "x", "", "y", false)
	f.Add("e", "1", "Count", "0x10", true)
	f.Add("-Locations:", "a", "Tags", "", false)
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string, sw bool) {
		args := []runspace.Arg{{Name: n1, Value: v1}, {Name: n2, Value: v2, Switch: sw}}
		for _, c := range []*Cmdlet{getThing, newPolicy, removeThing} {
			b, err := Bind(c, args, sw)
			if err != nil {
				var be *BindError
				if !errors.As(err, &be) || be.Message == "" {
					t.Fatalf("bad error %v", err)
				}
				continue
			}
			if _, err := b.BindInput(v1); err != nil && !errors.Is(err, ErrBinding) {
				t.Fatalf("BindInput: %v", err)
			}
		}
	})
}
