package cmdlet

import (
	"testing"
	"time"

	"github.com/ipps/ipps/internal/clixml"
)

func TestConvertKinds(t *testing.T) {
	c := &Cmdlet{Name: "Test-Convert"}
	tests := []struct {
		p    Param
		in   clixml.Value
		want any
	}{
		{Param{Name: "D", Kind: Unlimited}, "Unlimited", UnlimitedValue{Unlimited: true}},
		{Param{Name: "D", Kind: Unlimited}, int32(30), UnlimitedValue{Value: 30}},
		{Param{Name: "D", Kind: Unlimited}, "7.00:00:00", UnlimitedValue{Value: 7}},
		{Param{Name: "D", Kind: Unlimited}, clixml.TimeSpan(48 * time.Hour), UnlimitedValue{Value: 2}},
		{Param{Name: "G", Kind: GUID}, "6F9619FF-8B86-D011-B42D-00C04FC964FF", "6f9619ff-8b86-d011-b42d-00c04fc964ff"},
		{Param{Name: "I", Kind: Int}, &clixml.Object{Primitive: int32(5)}, 5},
		{Param{Name: "B", Kind: Bool}, int32(1), true},
		{Param{Name: "S", Kind: Switch}, &clixml.Object{TypeNames: []string{clixml.TypeSwitchParameter}, Adapted: []clixml.Property{{Name: "IsPresent", Value: true}}}, true},
		{Param{Name: "T", Kind: DateTime}, clixml.DateTime{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Kind: clixml.KindUtc}, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{Param{Name: "T", Kind: DateTime}, "4/13/2016", time.Date(2016, 4, 13, 0, 0, 0, 0, time.UTC)},
		{Param{Name: "Id", Kind: Identity}, clixml.NewPSCustomObject(clixml.Property{Name: "Name", Value: "n"}), "n"},
		{Param{Name: "S", Kind: String}, list("one"), "one"},
	}
	for _, tt := range tests {
		got, err := convert(c, &tt.p, tt.in)
		if err != nil {
			t.Errorf("%s %v: %v", tt.p.Name, tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s %v = %#v, want %#v", tt.p.Name, tt.in, got, tt.want)
		}
	}
	if _, err := convert(c, &Param{Name: "S", Kind: String}, list("a", "b")); err == nil ||
		err.Message != "Cannot convert 'System.Object[]' to the type 'System.String' required by parameter 'S'. Specified method is not supported." {
		t.Errorf("list to scalar: %v", err)
	}
	if _, err := convert(c, &Param{Name: "I", Kind: Int}, "99999999999"); err == nil ||
		err.Message != `Cannot bind parameter 'I'. Cannot convert value "99999999999" to type "System.Int32". Error: "Value was either too large or too small for an Int32."` {
		t.Errorf("overflow: %v", err)
	}
	if _, err := convert(c, &Param{Name: "G", Kind: GUID}, "x"); err == nil || err.ID != "CannotConvertArgumentNoMessage" {
		t.Errorf("guid: %v", err)
	}
}

func TestMultiValueApply(t *testing.T) {
	m := &MultiValue{IsReplace: true, Replace: []string{"x"}}
	if got := m.Apply([]string{"a"}); len(got) != 1 || got[0] != "x" {
		t.Errorf("replace %v", got)
	}
	var nilM *MultiValue
	if got := nilM.Apply([]string{"a"}); len(got) != 1 {
		t.Errorf("nil %v", got)
	}
}

func TestConvertEnumObjectByName(t *testing.T) {
	p := &Param{Name: "Action", Kind: Enum, Type: "X.Action", Values: []string{"Delete", "Keep"}}
	got, err := convert(&Cmdlet{Name: "T"}, p, clixml.NewEnum("X.Action", 7, "Keep"))
	if err != nil || got != "Keep" {
		t.Errorf("enum object: %v %v", got, err)
	}
	ea := commonParams[2]
	got, err = convert(&Cmdlet{Name: "T"}, ea, int32(1))
	if err != nil || got != "Stop" {
		t.Errorf("ActionPreference 1: %v %v", got, err)
	}
}
