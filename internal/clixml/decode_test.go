package clixml

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf16"
)

// sessionCapability is SESSION_CAPABILITY data as a Windows peer sends it
// (reference §3.5), with the optional TimeZone blob.
const sessionCapability = `<Obj RefId="0"><MS><Version N="protocolversion">2.3</Version><Version N="PSVersion">2.0</Version><Version N="SerializationVersion">1.1.0.1</Version><BA N="TimeZone">AAEAAAD/////AQAAAAAAAAA=</BA></MS></Obj>`

// initRunspacePool is INIT_RUNSPACEPOOL data shaped like MS-PSRP 2.2.2.2
// and reference §3.6: enums, a null host, nested member sets and a
// PSPrimitiveDictionary of ApplicationArguments.
const initRunspacePool = `<Obj RefId="0"><MS>
<I32 N="MinRunspaces">1</I32><I32 N="MaxRunspaces">1</I32>
<Obj N="PSThreadOptions" RefId="1"><TN RefId="0"><T>System.Management.Automation.Runspaces.PSThreadOptions</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Default</ToString><I32>0</I32></Obj>
<Obj N="ApartmentState" RefId="2"><TN RefId="1"><T>System.Threading.ApartmentState</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Unknown</ToString><I32>2</I32></Obj>
<Obj N="HostInfo" RefId="3"><MS><B N="_isHostNull">true</B><B N="_isHostUINull">true</B><B N="_isHostRawUINull">true</B><B N="_useRunspaceHost">true</B></MS></Obj>
<Obj N="ApplicationArguments" RefId="4"><TN RefId="2"><T>System.Management.Automation.PSPrimitiveDictionary</T><T>System.Collections.Hashtable</T><T>System.Object</T></TN><DCT>
<En><S N="Key">PSVersionTable</S><Obj N="Value" RefId="5"><TNRef RefId="2" /><DCT>
<En><S N="Key">PSVersion</S><Version N="Value">5.1.19041.1</Version></En>
<En><S N="Key">PSCompatibleVersions</S><Obj N="Value" RefId="6"><TN RefId="3"><T>System.Version[]</T><T>System.Array</T><T>System.Object</T></TN><LST><Version>1.0</Version><Version>2.0</Version></LST></Obj></En>
</DCT></Obj></En>
</DCT></Obj>
</MS></Obj>`

func TestUnmarshalSessionCapability(t *testing.T) {
	v, err := Unmarshal([]byte(sessionCapability))
	if err != nil {
		t.Fatal(err)
	}
	o := v.(*Object)
	if pv, _ := o.Get("ProtocolVersion"); pv != Version("2.3") {
		t.Errorf("protocolversion = %#v", pv)
	}
	if tz, _ := o.Get("TimeZone"); len(tz.([]byte)) != 17 {
		t.Errorf("TimeZone = %#v", tz)
	}
	roundTrip(t, v)
}

func TestUnmarshalInitRunspacePool(t *testing.T) {
	v, err := Unmarshal([]byte(initRunspacePool))
	if err != nil {
		t.Fatal(err)
	}
	o := v.(*Object)
	if n, ok := o.Get("MaxRunspaces"); !ok || n != int32(1) {
		t.Errorf("MaxRunspaces = %#v", n)
	}
	as, _ := o.Get("ApartmentState")
	if n, ok := EnumValue(as); !ok || n != 2 || DisplayString(as) != "Unknown" {
		t.Errorf("ApartmentState = %d %v %q", n, ok, DisplayString(as))
	}
	host, _ := o.Get("HostInfo")
	if b, ok := AsBool(mustGet(t, host, "_isHostNull")); !ok || !b {
		t.Error("_isHostNull not true")
	}
	args, _ := o.Get("ApplicationArguments")
	if !args.(*Object).IsA(TypePSPrimitiveDict) {
		t.Error("ApplicationArguments type")
	}
	table, ok := Lookup(args, "psversiontable")
	if !ok {
		t.Fatal("no PSVersionTable")
	}
	if pv, _ := Lookup(table, "PSVersion"); pv != Version("5.1.19041.1") {
		t.Errorf("PSVersion = %#v", pv)
	}
	compat, _ := Lookup(table, "PSCompatibleVersions")
	if l, ok := AsList(compat); !ok || len(l) != 2 || DisplayString(compat) != "1.0 2.0" {
		t.Errorf("PSCompatibleVersions = %#v", compat)
	}
	// TNRef resolves to the same chain as its TN.
	if TypeName(table) != TypePSPrimitiveDict {
		t.Errorf("TNRef chain = %v", table.(*Object).TypeNames)
	}
	roundTrip(t, v)
}

func TestUnmarshalContainers(t *testing.T) {
	for tag, kind := range map[string]ContainerKind{"LST": List, "IE": Enumerable, "STK": Stack, "QUE": Queue} {
		v, err := Unmarshal([]byte(`<Obj RefId="0"><` + tag + `><I32>1</I32><Nil /><S>x</S></` + tag + `></Obj>`))
		if err != nil {
			t.Fatalf("%s: %v", tag, err)
		}
		o := v.(*Object)
		if o.Kind != kind || len(o.Items) != 3 || o.Items[0] != int32(1) || o.Items[1] != nil || o.Items[2] != "x" {
			t.Errorf("%s decoded as %#v", tag, o)
		}
		roundTrip(t, v)
	}
	// Entry members in either order, or by position without N.
	v, err := Unmarshal([]byte(`<Obj RefId="0"><DCT><En><I32 N="Value">1</I32><S N="Key">a</S></En><En><S>b</S><Nil /></En><En><I32 N="Key">3</I32><Obj N="Value" RefId="1"><LST /></Obj></En></DCT></Obj>`))
	if err != nil {
		t.Fatal(err)
	}
	es, _ := AsEntries(v)
	if len(es) != 3 || es[0].Key != "a" || es[0].Value != int32(1) || es[1].Key != "b" || es[1].Value != nil || es[2].Key != int32(3) {
		t.Errorf("entries = %#v", es)
	}
	roundTrip(t, v)
}

func TestUnmarshalNestedMemberSet(t *testing.T) {
	v, err := Unmarshal([]byte(`<Obj RefId="0"><Props><S N="a">1</S></Props><MS><MS N="outer"><MS N="inner"><B N="b">true</B></MS></MS></MS></Obj>`))
	if err != nil {
		t.Fatal(err)
	}
	outer := mustGet(t, v, "outer").(*Object)
	if !outer.MemberSet || len(outer.Extended) != 1 {
		t.Fatalf("outer = %#v", outer)
	}
	if b, _ := AsBool(mustGet(t, mustGet(t, outer, "inner"), "b")); !b {
		t.Error("inner.b")
	}
	if a, _ := AsString(mustGet(t, v, "a")); a != "1" {
		t.Error("adapted a")
	}
	out := roundTrip(t, v)
	if !strings.Contains(string(out), `<MS N="outer"><MS N="inner">`) {
		t.Errorf("nested MS not written back: %s", out)
	}
}

func TestUnmarshalDeserialized(t *testing.T) {
	in := `<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>Deserialized.System.Object</T></TN><MS>` +
		`<Obj N="e" RefId="1"><TN RefId="1"><T>E</T><T>System.Enum</T></TN><I32>1</I32></Obj>` +
		`<Obj N="l" RefId="2"><TN RefId="2"><T>System.Object[]</T></TN><LST /></Obj>` +
		`<Obj N="again" RefId="3"><TNRef RefId="0" /></Obj></MS></Obj>`
	v, err := UnmarshalWithOptions([]byte(in), DecodeOptions{Deserialized: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Deserialized.System.Management.Automation.PSCustomObject", "Deserialized.System.Object"}
	if got := v.(*Object).TypeNames; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("TypeNames = %v", got)
	}
	if got := mustGet(t, v, "again").(*Object).TypeNames; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("TNRef TypeNames = %v", got)
	}
	if got := mustGet(t, v, "e").(*Object).TypeNames[0]; got != "E" {
		t.Errorf("enum (extended primitive) prefixed: %q", got)
	}
	if got := mustGet(t, v, "l").(*Object).TypeNames[0]; got != "System.Object[]" {
		t.Errorf("container prefixed: %q", got)
	}
	plain, _ := Unmarshal([]byte(in))
	if got := plain.(*Object).TypeNames[0]; got != "System.Management.Automation.PSCustomObject" {
		t.Errorf("default options prefixed: %q", got)
	}
}

func TestUnmarshalEnvelopes(t *testing.T) {
	tests := map[string][]byte{
		"bom":         []byte("\xef\xbb\xbf<S>x</S>"),
		"whitespace":  []byte(" \r\n\t<S>x</S>\n"),
		"declaration": []byte(`<?xml version="1.0" encoding="utf-8"?><!-- c --><S>x<!-- c --></S><!-- c -->`),
		"utf16le":     utf16Bytes(`<?xml version="1.0" encoding="utf-16"?><S>x</S>`, true),
		"utf16be":     utf16Bytes(`<S>x</S>`, false),
	}
	for name, in := range tests {
		v, err := Unmarshal(in)
		if err != nil || v != "x" {
			t.Errorf("%s: %#v, %v", name, v, err)
		}
	}
	vs, err := UnmarshalDocument(append([]byte("\xef\xbb\xbf"), `<?xml version="1.0"?>
<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">
  <I32>1</I32>
  <S>two</S>
</Objs>`...))
	if err != nil || len(vs) != 2 || vs[0] != int32(1) || vs[1] != "two" {
		t.Errorf("document: %#v, %v", vs, err)
	}
}

func utf16Bytes(s string, le bool) []byte {
	out := []byte{0xFE, 0xFF}
	if le {
		out = []byte{0xFF, 0xFE}
	}
	for _, u := range utf16.Encode([]rune(s)) {
		if le {
			out = append(out, byte(u), byte(u>>8))
		} else {
			out = append(out, byte(u>>8), byte(u))
		}
	}
	return out
}

func TestUnmarshalMalformed(t *testing.T) {
	tests := []struct {
		in   string
		want error // sentinel, or nil for a plain *SyntaxError
	}{
		{``, nil},
		{`   `, nil},
		{`<S>x</S><S>y</S>`, nil},
		{`<S>x</S>junk`, nil},
		{`<S>x</I32>`, nil},
		{`<S>x`, nil},
		{`<S><B>true</B></S>`, nil},
		{`<Foo />`, nil},
		{`<ps:S xmlns:ps="u">x</ps:S>`, nil},
		{`<!DOCTYPE x><S>x</S>`, nil},
		{`<S>&bogus;</S>`, nil},
		{"<S>\x01</S>", nil},
		{`<Obj RefId="0"><TN RefId="0"><T>a</T></TN><TN RefId="1"><T>b</T></TN></Obj>`, nil},
		{`<Obj RefId="0"><TN RefId="0"><X /></TN></Obj>`, nil},
		{`<Obj RefId="0"><ToString>a</ToString><ToString>b</ToString></Obj>`, nil},
		{`<Obj RefId="0"><I32>1</I32><LST /></Obj>`, nil},
		{`<Obj RefId="0"><LST /><S>x</S></Obj>`, nil},
		{`<Obj RefId="0"><Bogus /></Obj>`, nil},
		{`<Obj RefId="0">text</Obj>`, nil},
		{`<Obj RefId="0"><MS><S>no name</S></MS></Obj>`, nil},
		{`<Obj RefId="0"><MS><MS><S N="a">x</S></MS></MS></Obj>`, nil},
		{`<Obj RefId="0"><DCT><S>x</S></DCT></Obj>`, nil},
		{`<Obj RefId="0"><DCT><En><S N="Key">x</S></En></DCT></Obj>`, nil},
		{`<Obj RefId="0"><DCT><En><S N="Key">x</S><S N="Key">y</S></En></DCT></Obj>`, nil},
		{`<Obj RefId="0"><DCT><En><S N="K">x</S><S N="Value">y</S></En></DCT></Obj>`, nil},
		{`<Obj RefId="0"><LST><Obj RefId="0" /></LST></Obj>`, nil},
		{`<Obj RefId="0"><TN RefId="0"><T>a</T></TN><LST><Obj RefId="1"><TN RefId="0"><T>b</T></TN></Obj></LST></Obj>`, nil},
		{`<Nil>x</Nil>`, nil},
		{`<Ref />`, nil},
		{`<Ref RefId="0" />`, ErrUnknownRef},
		{`<Obj RefId="0"><LST><Ref RefId="1" /></LST></Obj>`, ErrUnknownRef},
		{`<Obj RefId="0"><TNRef RefId="0" /></Obj>`, ErrUnknownRef},
		{`<Obj RefId="0"><TNRef /></Obj>`, ErrUnknownRef},
	}
	for _, tc := range tests {
		v, err := Unmarshal([]byte(tc.in))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Unmarshal(%q) = %#v, %v; want *SyntaxError", tc.in, v, err)
			continue
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("Unmarshal(%q) error %v does not wrap %v", tc.in, err, tc.want)
		}
		if !strings.HasPrefix(err.Error(), "clixml: ") {
			t.Errorf("error %q lacks package prefix", err)
		}
	}
	if _, err := UnmarshalDocument([]byte(`<S>x</S>`)); err == nil {
		t.Error("document without <Objs> accepted")
	}
}

func TestUnmarshalLimits(t *testing.T) {
	deep := strings.Repeat(`<Obj><LST>`, 40) + strings.Repeat(`</LST></Obj>`, 40)
	if _, err := Unmarshal([]byte(deep)); !errors.Is(err, ErrTooDeep) {
		t.Errorf("depth 80: %v, want ErrTooDeep", err)
	}
	if _, err := UnmarshalWithOptions([]byte(deep), DecodeOptions{MaxDepth: 100}); err != nil {
		t.Errorf("depth 80 with MaxDepth 100: %v", err)
	}
	shallow := strings.Repeat(`<Obj><LST>`, 5) + strings.Repeat(`</LST></Obj>`, 5)
	if _, err := UnmarshalWithOptions([]byte(shallow), DecodeOptions{MaxDepth: 9}); !errors.Is(err, ErrTooDeep) {
		t.Errorf("MaxDepth 9: %v", err)
	}
	if _, err := UnmarshalWithOptions([]byte(shallow), DecodeOptions{MaxDepth: 10}); err != nil {
		t.Errorf("MaxDepth 10: %v", err)
	}
	big := `<S>` + strings.Repeat("a", 100) + `</S>`
	_, err := UnmarshalWithOptions([]byte(big), DecodeOptions{MaxBytes: 50})
	var le *LimitError
	if !errors.Is(err, ErrTooLarge) || !errors.As(err, &le) || le.Limit != 50 {
		t.Errorf("MaxBytes: %v", err)
	}
	many := `<Obj RefId="0"><LST>` + strings.Repeat(`<I32>1</I32>`, 20) + `</LST></Obj>`
	if _, err := UnmarshalWithOptions([]byte(many), DecodeOptions{MaxObjects: 20}); !errors.Is(err, ErrTooManyObjects) {
		t.Errorf("MaxObjects 20 of 21: %v", err)
	}
	if _, err := UnmarshalWithOptions([]byte(many), DecodeOptions{MaxObjects: 21}); err != nil {
		t.Errorf("MaxObjects 21 of 21: %v", err)
	}
}

// TestUnmarshalTNRefShares checks that TNRef does not copy chains, so a
// long chain referenced many times costs no extra memory.
func TestUnmarshalTNRefShares(t *testing.T) {
	v, err := Unmarshal([]byte(`<Obj RefId="0"><TN RefId="0"><T>a</T><T>b</T></TN><LST><Obj RefId="1"><TNRef RefId="0" /></Obj></LST></Obj>`))
	if err != nil {
		t.Fatal(err)
	}
	items, _ := AsList(v)
	if &items[0].(*Object).TypeNames[0] != &v.(*Object).TypeNames[0] {
		t.Error("TNRef chain was copied")
	}
	if cap(v.(*Object).TypeNames) != 2 {
		t.Error("shared chain must have cap == len so appends do not alias")
	}
}

// roundTrip checks that v re-encodes and decodes to an Equal value and
// returns the encoding.
func roundTrip(t *testing.T, v Value) []byte {
	t.Helper()
	b, err := Marshal(v)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	w, err := Unmarshal(b)
	if err != nil {
		t.Fatalf("re-Unmarshal of %s: %v", b, err)
	}
	if !Equal(v, w) {
		t.Fatalf("round trip not Equal: %s", b)
	}
	return b
}

func mustGet(t *testing.T, v Value, name string) Value {
	t.Helper()
	o, ok := v.(*Object)
	if !ok {
		t.Fatalf("%#v is not an object", v)
	}
	p, ok := o.Get(name)
	if !ok {
		t.Fatalf("no property %q", name)
	}
	return p
}
