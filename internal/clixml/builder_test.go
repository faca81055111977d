package clixml

import (
	"strings"
	"testing"
)

func TestNewEnumWire(t *testing.T) {
	b, err := Marshal(NewEnum("System.Management.Automation.Runspaces.PSThreadOptions", 2, "ReuseThread"))
	if err != nil {
		t.Fatal(err)
	}
	want := `<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.Runspaces.PSThreadOptions</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>ReuseThread</ToString><I32>2</I32></Obj>`
	if string(b) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, want)
	}
}

func TestBuilders(t *testing.T) {
	tests := []struct {
		o     *Object
		types string
		kind  ContainerKind
	}{
		{NewPSCustomObject(Property{"a", 1}), "System.Management.Automation.PSCustomObject,System.Object", NoContainer},
		{NewTypedObject([]string{"A", "B"}), "A,B", NoContainer},
		{NewList(1, "x"), "System.Object[],System.Array,System.Object", List},
		{NewStringList("x"), "System.String[],System.Array,System.Object", List},
		{NewHashtable(Entry{"k", "v"}), "System.Collections.Hashtable,System.Object", Dictionary},
		{NewPSPrimitiveDictionary(), "System.Management.Automation.PSPrimitiveDictionary,System.Collections.Hashtable,System.Object", Dictionary},
	}
	for _, tc := range tests {
		if got := strings.Join(tc.o.TypeNames, ","); got != tc.types || tc.o.Kind != tc.kind {
			t.Errorf("%s: types %s kind %d", tc.types, got, tc.o.Kind)
		}
		roundTrip(t, tc.o)
	}
	// Builders copy their inputs and do not share chains.
	names := []string{"A"}
	o := NewTypedObject(names)
	names[0] = "changed"
	a, b := NewList(), NewList()
	a.TypeNames[0] = "changed"
	if o.TypeNames[0] != "A" || b.TypeNames[0] != "System.Object[]" {
		t.Error("builder shares a slice with its caller or another object")
	}
}

func TestObjectGetSet(t *testing.T) {
	o := NewPSCustomObject(Property{"Name", "a"})
	o.Adapted = []Property{{"Length", int32(1)}}
	o.Set("name", "b")
	o.Set("LENGTH", int32(2))
	o.Set("New", true)
	if v, _ := o.Get("NAME"); v != "b" {
		t.Errorf("Name = %v", v)
	}
	if v, _ := o.Get("length"); v != int32(2) {
		t.Errorf("Length = %v", v)
	}
	ps := o.Properties()
	if len(ps) != 3 || ps[0].Name != "Length" || ps[2].Name != "New" {
		t.Errorf("Properties = %v", ps)
	}
	if !o.IsA("system.object") || !(&Object{TypeNames: []string{"Deserialized.X"}}).IsA("x") {
		t.Error("IsA")
	}
	var nilObj *Object
	if _, ok := nilObj.Get("x"); ok || nilObj.IsA("x") {
		t.Error("nil object")
	}
}
