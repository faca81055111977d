package clixml

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestPooledDecoderForgets checks that RefIds and TN RefIds of one
// message are unknown to the next, which may reuse the same pooled state.
func TestPooledDecoderForgets(t *testing.T) {
	first := `<Obj RefId="0"><TN RefId="0"><T>A</T></TN><LST><Obj RefId="1"><TN RefId="7"><T>B</T></TN></Obj><Obj RefId="x1"><TN RefId="x"><T>C</T></TN></Obj></LST></Obj>`
	for _, next := range []string{
		`<Obj RefId="0"><LST><Ref RefId="1" /></LST></Obj>`,
		`<Obj RefId="0"><LST><Ref RefId="x1" /></LST></Obj>`,
		`<Obj RefId="0"><TNRef RefId="7" /></Obj>`,
		`<Obj RefId="0"><TNRef RefId="x" /></Obj>`,
	} {
		if _, err := Unmarshal([]byte(first)); err != nil {
			t.Fatal(err)
		}
		if _, err := Unmarshal([]byte(next)); !errors.Is(err, ErrUnknownRef) {
			t.Errorf("Unmarshal(%s) after a message defining it: %v, want ErrUnknownRef", next, err)
		}
	}
}

// TestRefIDForms checks that RefIds are matched as text: "01" and "1" are
// different ids, and ids too large for the table still resolve.
func TestRefIDForms(t *testing.T) {
	v, err := Unmarshal([]byte(`<Obj RefId="0"><LST><Obj RefId="01" /><Obj RefId="1" /><Obj RefId="99999" /><Ref RefId="01" /><Ref RefId="1" /><Ref RefId="99999" /></LST></Obj>`))
	if err != nil {
		t.Fatal(err)
	}
	items, _ := AsList(v)
	for i := 0; i < 3; i++ {
		if items[i] != items[i+3] {
			t.Errorf("item %d does not resolve to its <Obj>", i+3)
		}
	}
	if items[0] == items[1] {
		t.Error(`RefId "01" and "1" resolve to the same object`)
	}
	for _, s := range []string{
		`<Obj RefId="0"><LST><Obj RefId="1" /><Obj RefId="1" /></LST></Obj>`,
		`<Obj RefId="0"><LST><Obj RefId="a" /><Obj RefId="a" /></LST></Obj>`,
	} {
		if _, err := Unmarshal([]byte(s)); err == nil {
			t.Errorf("Unmarshal(%s) accepted a duplicate RefId", s)
		}
	}
}

// TestCarvedSlicesAreCapped checks that the slices the decoder carves
// from shared slabs cannot overwrite each other when a caller appends.
func TestCarvedSlicesAreCapped(t *testing.T) {
	data, err := Marshal(NewList(compliancePolicy(1), compliancePolicy(2)))
	if err != nil {
		t.Fatal(err)
	}
	v, err := Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	items, _ := AsList(v)
	if cap(items) != len(items) {
		t.Errorf("Items cap %d, len %d", cap(items), len(items))
	}
	for _, it := range items {
		o := it.(*Object)
		if cap(o.Extended) != len(o.Extended) || cap(o.TypeNames) != len(o.TypeNames) {
			t.Errorf("Extended cap %d len %d, TypeNames cap %d len %d", cap(o.Extended), len(o.Extended), cap(o.TypeNames), len(o.TypeNames))
		}
	}
	a, b := items[0].(*Object), items[1].(*Object)
	before, _ := b.Get("Name")
	a.Extended = append(a.Extended, Property{"Extra", "x"})
	a.TypeNames = append(a.TypeNames, "Extra")
	*a.ToString = "changed"
	if after, _ := b.Get("Name"); after != before || b.TypeNames[0] == "Extra" || *b.ToString == "changed" {
		t.Error("appending to one decoded object changed another")
	}
}

// TestObjectBound checks that objectBound, which sizes the object slab,
// is at least the number of Objects a message decodes to.
func TestObjectBound(t *testing.T) {
	inputs := []string{
		`<Obj RefId="0"><MS><S N="a">x</S><MS N="inner"><I32 N="n">1</I32><MS N="deeper"><B N="b">true</B></MS></MS></MS></Obj>`,
		`<Obj RefId="0"><LST><Obj RefId="1"/><Obj RefId="2"><Obj RefId="3"/></Obj><Ref RefId="1"/></LST></Obj>`,
		`<S>no objects</S>`,
	}
	for _, name := range []string{"policy.xml", "batch3.xml", "create_pipeline.xml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		vs, err := UnmarshalDocument([]byte("<Objs>" + in + "</Objs>"))
		if err != nil {
			t.Fatalf("%.60s: %v", in, err)
		}
		seen := map[*Object]bool{}
		for _, v := range vs {
			countObjects(v, seen)
		}
		if got := objectBound([]byte(in)); got < len(seen) {
			t.Errorf("%.60s: objectBound %d, decoded %d objects", in, got, len(seen))
		}
	}
}

func countObjects(v Value, seen map[*Object]bool) {
	o, ok := v.(*Object)
	if !ok || o == nil || seen[o] {
		return
	}
	seen[o] = true
	countObjects(o.Primitive, seen)
	if o.Base != nil {
		countObjects(o.Base, seen)
	}
	for _, it := range o.Items {
		countObjects(it, seen)
	}
	for _, e := range o.Entries {
		countObjects(e.Key, seen)
		countObjects(e.Value, seen)
	}
	for _, p := range append(append([]Property(nil), o.Adapted...), o.Extended...) {
		countObjects(p.Value, seen)
	}
}
