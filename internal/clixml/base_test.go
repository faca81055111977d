package clixml

import (
	"bytes"
	"strings"
	"testing"
)

// nestedBase is a PSObject whose base object is itself a serialized
// PSObject (an unnamed <Obj> directly inside <Obj>), the shape Windows
// writes when a note-carrying PSObject wraps another deserialized object.
// The outer object has its own TN, notes and no Props; the inner one has
// the adapted properties and the ToString.
const nestedBase = `<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN>` +
	`<Obj RefId="1"><TN RefId="1"><T>Microsoft.Exchange.Data.Directory.Management.Mailbox</T><T>System.Object</T></TN>` +
	`<ToString>alice</ToString><Props><S N="Name">alice</S><I32 N="Count">3</I32></Props></Obj>` +
	`<MS><S N="PSComputerName">ps.compliance.protection.outlook.com</S><Ref N="Self" RefId="1" /></MS></Obj>`

// nestedPrimitive wraps an extended-primitive object (an enum) without a
// TN of its own, so the outer object takes the inner type name and value.
const nestedPrimitive = `<Obj RefId="0"><MS><B N="Flag">true</B></MS><Obj RefId="1"><TN RefId="0"><T>System.ConsoleColor</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Blue</ToString><I32>9</I32></Obj></Obj>`

func TestUnmarshalBaseObject(t *testing.T) {
	v, err := Unmarshal([]byte(nestedBase))
	if err != nil {
		t.Fatal(err)
	}
	o := v.(*Object)
	if o.Base == nil || o.Primitive != nil || o.Kind != NoContainer {
		t.Fatalf("outer = %+v, want Base set", o)
	}
	if got := o.Base.TypeNames[0]; got != "Microsoft.Exchange.Data.Directory.Management.Mailbox" {
		t.Errorf("base type = %q", got)
	}
	if self, _ := o.Get("Self"); self != o.Base {
		t.Error("<Ref> does not resolve to the base object")
	}
	// Properties of the base are reachable through the outer object.
	if n, ok := o.Get("count"); !ok || n != int32(3) {
		t.Errorf("Get(count) = %#v, %v", n, ok)
	}
	if s, _ := o.Get("PSComputerName"); s != "ps.compliance.protection.outlook.com" {
		t.Errorf("PSComputerName = %#v", s)
	}
	if got := DisplayString(o); got != "alice" {
		t.Errorf("DisplayString = %q", got)
	}
	if got := TypeName(o); got != "System.Management.Automation.PSCustomObject" {
		t.Errorf("TypeName = %q", got)
	}
	b := roundTrip(t, v)
	if !bytes.Contains(b, []byte(`</TN><Obj RefId="1">`)) || !bytes.Contains(b, []byte(`<Ref N="Self" RefId="1" />`)) {
		t.Errorf("re-encoded form %s", b)
	}

	v, err = Unmarshal([]byte(nestedPrimitive))
	if err != nil {
		t.Fatal(err)
	}
	o = v.(*Object)
	if n, ok := EnumValue(o); !ok || n != 9 || DisplayString(o) != "Blue" || TypeName(o) != "System.ConsoleColor" {
		t.Errorf("wrapped enum: %d %v %q %q", n, ok, DisplayString(o), TypeName(o))
	}
	if b := roundTrip(t, v); !bytes.Equal(b, []byte(`<Obj RefId="0"><Obj RefId="1"><TN RefId="0"><T>System.ConsoleColor</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Blue</ToString><I32>9</I32></Obj><MS><B N="Flag">true</B></MS></Obj>`)) {
		t.Errorf("re-encoded form %s", b)
	}
}

func TestUnmarshalBaseObjectDeserialized(t *testing.T) {
	v, err := UnmarshalWithOptions([]byte(nestedBase), DecodeOptions{Deserialized: true})
	if err != nil {
		t.Fatal(err)
	}
	o := v.(*Object)
	if o.TypeNames[0] != "Deserialized.System.Management.Automation.PSCustomObject" ||
		o.Base.TypeNames[0] != "Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox" {
		t.Errorf("type names %q / %q", o.TypeNames, o.Base.TypeNames)
	}
}

func TestUnmarshalBaseObjectMalformed(t *testing.T) {
	for _, in := range []string{
		`<Obj RefId="0"><Obj RefId="1" /><Obj RefId="2" /></Obj>`,
		`<Obj RefId="0"><S>x</S><Obj RefId="1" /></Obj>`,
		`<Obj RefId="0"><Obj RefId="1" /><LST /></Obj>`,
		`<Obj RefId="0"><Ref RefId="0" /></Obj>`,
		`<Obj RefId="0"><Obj RefId="0" /></Obj>`,
		strings.Repeat(`<Obj>`, 70) + strings.Repeat(`</Obj>`, 70),
	} {
		if _, err := Unmarshal([]byte(in)); err == nil {
			t.Errorf("Unmarshal(%.60q) succeeded", in)
		}
	}
}

func TestMarshalBaseObject(t *testing.T) {
	shared := NewTypedObject([]string{"T"}, Property{"P", "v"})
	outer := &Object{Base: shared}
	// The base object is met first as a list item, so it is written again
	// in full inside outer rather than as a <Ref>, which is invalid there.
	b := roundTrip(t, NewList(shared, outer))
	if bytes.Contains(b, []byte(`"><Ref`)) || bytes.Count(b, []byte(`<S N="P">v</S>`)) != 2 {
		t.Errorf("shared base written as %s", b)
	}

	cyc := &Object{}
	cyc.Base = cyc
	if _, err := Marshal(cyc); err == nil {
		t.Error("Marshal of a cyclic Base chain succeeded")
	}
	a, c := &Object{}, &Object{}
	a.Base, c.Base = c, a
	if _, err := Marshal(a); err == nil {
		t.Error("Marshal of a two-object Base cycle succeeded")
	}
	if _, err := Marshal(&Object{Base: &Object{}, Primitive: "x"}); err == nil {
		t.Error("Marshal of Base with Primitive succeeded")
	}
	// Accessors stop on a caller-built cycle.
	if _, ok := cyc.Get("x"); ok || TypeName(cyc) != "" || DisplayString(cyc) == "\x00" {
		t.Error("accessors on a Base cycle")
	}
}
