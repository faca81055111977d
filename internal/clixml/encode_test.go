package clixml

import (
	"strings"
	"testing"
)

func TestMarshalRefsAndTNRef(t *testing.T) {
	shared := NewPSCustomObject(Property{"A", int32(1)})
	top := NewList(shared, shared, NewPSCustomObject())
	b, err := Marshal(top)
	if err != nil {
		t.Fatal(err)
	}
	want := `<Obj RefId="0"><TN RefId="0"><T>System.Object[]</T><T>System.Array</T><T>System.Object</T></TN><LST>` +
		`<Obj RefId="1"><TN RefId="1"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS><I32 N="A">1</I32></MS></Obj>` +
		`<Ref RefId="1" />` +
		`<Obj RefId="2"><TNRef RefId="1" /></Obj>` +
		`</LST></Obj>`
	if string(b) != want {
		t.Fatalf("Marshal =\n%s\nwant\n%s", b, want)
	}
	v, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	items, _ := AsList(v)
	if len(items) != 3 || items[0] != items[1] || items[0] == items[2] {
		t.Fatalf("decoded sharing wrong: %#v", items)
	}
	if !Equal(v, top) {
		t.Error("round trip not Equal")
	}
}

// TestMarshalRefIdsRestart checks that each call is a new serializer state.
func TestMarshalRefIdsRestart(t *testing.T) {
	o := NewPSCustomObject()
	a, _ := Marshal(o)
	b, _ := Marshal(o)
	if string(a) != string(b) || !strings.HasPrefix(string(a), `<Obj RefId="0"><TN RefId="0">`) {
		t.Errorf("second Marshal differs or does not start at 0: %s / %s", a, b)
	}
}

func TestMarshalCycles(t *testing.T) {
	a := NewPSCustomObject()
	b := NewPSCustomObject(Property{"Parent", a})
	a.Set("Child", b)
	l := NewList()
	l.Items = append(l.Items, l)
	h := NewHashtable()
	h.Entries = append(h.Entries, Entry{Key: "self", Value: h})
	for _, v := range []*Object{a, l, h} {
		out, err := Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), `<Ref `) {
			t.Errorf("no <Ref> in %s", out)
		}
		got, err := Unmarshal(out)
		if err != nil {
			t.Fatalf("Unmarshal(%s): %v", out, err)
		}
		if !Equal(got, v) {
			t.Errorf("cycle round trip not Equal: %s", out)
		}
	}
	got, _ := Unmarshal(must(Marshal(a)))
	child, _ := got.(*Object).Get("Child")
	parent, _ := child.(*Object).Get("Parent")
	if parent != got {
		t.Error("decoded cycle does not point back to the same object")
	}
}

func TestMarshalMemberSet(t *testing.T) {
	ms := &Object{MemberSet: true, Extended: []Property{{"x", "y"}}}
	o := &Object{Extended: []Property{{"inner", ms}}}
	b, err := Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if want := `<Obj RefId="0"><MS><MS N="inner"><S N="x">y</S></MS></MS></Obj>`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	o.Extended = append(o.Extended, Property{"again", ms})
	if _, err := Marshal(o); err == nil {
		t.Error("shared member set: want error")
	}
	// As a list item a member set is written as an ordinary object.
	b, err = Marshal(NewList(&Object{MemberSet: true}))
	if err != nil || !strings.Contains(string(b), `<LST><Obj RefId="1"></Obj></LST>`) {
		t.Errorf("member set as item = %s, %v", b, err)
	}
}

func TestMarshalDocument(t *testing.T) {
	shared := NewPSCustomObject()
	b, err := MarshalDocument([]Value{"a", shared, shared})
	if err != nil {
		t.Fatal(err)
	}
	want := `<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><S>a</S>` +
		`<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN></Obj>` +
		`<Ref RefId="0" /></Objs>`
	if string(b) != want {
		t.Fatalf("MarshalDocument =\n%s\nwant\n%s", b, want)
	}
	vs, err := UnmarshalDocument(b)
	if err != nil || len(vs) != 3 || vs[1] != vs[2] || vs[0] != "a" {
		t.Fatalf("UnmarshalDocument = %#v, %v", vs, err)
	}
	empty, _ := MarshalDocument(nil)
	if vs, err := UnmarshalDocument(empty); err != nil || len(vs) != 0 {
		t.Errorf("empty document: %v, %v", vs, err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
