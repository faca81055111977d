package clixml

import (
	"os"
	"testing"
	"unicode/utf8"
)

// FuzzUnmarshal checks that decoding never panics, that the fast lexer
// and encoding/xml decode every input alike, and that whatever is accepted
// re-encodes to something that decodes to an Equal value.
func FuzzUnmarshal(f *testing.F) {
	for _, tc := range primitiveCases {
		f.Add([]byte(tc.xml))
	}
	for _, s := range []string{
		sessionCapability,
		initRunspacePool,
		`<Obj RefId="0"><IE><I32>1</I32></IE></Obj>`,
		`<Obj RefId="0"><STK><S>a</S></STK></Obj>`,
		`<Obj RefId="0"><QUE><Nil /></QUE></Obj>`,
		`<Obj RefId="0"><LST><Ref RefId="0" /></LST></Obj>`,
		`<Obj RefId="0"><MS><MS N="m"><S N="a">b</S></MS></MS><Props><B N="p">true</B></Props></Obj>`,
		`<Obj RefId="0"><TN RefId="0"><T>a_x000A_</T></TN><ToString>t_x005F_x</ToString><S>x</S></Obj>`,
		`<S>treble clef_x000A_ _x005F_x0000_ _x005F_X0000_ _xD834__xDD1E_ café _xD83C_ _x005F_x001G_</S>`,
		`<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><S>a</S></Objs>`,
		nestedBase,
		nestedPrimitive,
		`<Obj RefId="0"><MS><Obj N="a" RefId="1"><Obj RefId="2" /></Obj></MS><LST><Ref RefId="2" /></LST></Obj>`,
		"\xef\xbb\xbf<S>x</S>",
		string(must(Marshal(retentionBatch(3)))),
		// Lexer edge cases: some in the fast subset, some not.
		`<S>a &lt;&gt;&amp;&apos;&quot; b</S>`,
		`<S>&#65;&#x42;</S>`,
		`<S><![CDATA[x]]></S>`,
		"<S>a\r\nb</S>",
		`<S>]]></S>`,
		`<Obj RefId='0'N="a"><MS ><S N = "x&amp;y" >z</S ></MS></Obj >`,
		`<Obj RefId="0"><!-- c --><S>x</S></Obj><?pi x?>`,
		`<p:S xmlns:p="urn:x">x</p:S>`,
		"<S>\u00e9\uFFFD\t</S>",
	} {
		f.Add([]byte(s))
	}
	for _, file := range []string{"testdata/create_pipeline.xml", "testdata/policy.xml"} {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := DecodeOptions{MaxBytes: 1 << 16, MaxObjects: 1 << 12}
		v, err := UnmarshalWithOptions(data, opts)
		// The fast lexer must agree with encoding/xml on every input.
		slow, slowErr := decodeWith(data, opts, false, (*decoder).one)
		if (err == nil) != (slowErr == nil) || err != nil && err.Error() != slowErr.Error() || !Equal(v, slow) {
			t.Fatalf("fast and encoding/xml paths differ on %q:\n%#v, %v\n%#v, %v", data, v, err, slow, slowErr)
		}
		if err != nil {
			return
		}
		b, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal of accepted input %q: %v", data, err)
		}
		w, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("re-Unmarshal of %q (from %q): %v", b, data, err)
		}
		if !Equal(v, w) {
			t.Fatalf("round trip not Equal: %q -> %q", data, b)
		}
		_ = DisplayString(v)
		_ = TypeName(v)
	})
}

// FuzzUnescape checks that, for any string Unmarshal can produce, Marshal
// then Unmarshal gives the same string back (escaping, XML escaping and
// surrogate handling are mutually inverse).
func FuzzUnescape(f *testing.F) {
	f.Add("treble clef_x000A_ _x005F_x0000_ _xD834__xDD1E_ _xD83C_ _x001G_")
	f.Add("_xDD1E__xD834_")
	f.Fuzz(func(t *testing.T, wire string) {
		if !utf8.ValidString(wire) { // XML text is always valid UTF-8
			return
		}
		plain := unescape(wire)
		if !validWTF8(plain) {
			return
		}
		b, err := Marshal(plain)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Unmarshal(b)
		if err != nil || got != plain {
			t.Fatalf("Unmarshal(Marshal(%q)) = %q, %v (wire %q)", plain, got, err, b)
		}
	})
}

// validWTF8 reports whether s holds no invalid bytes other than surrogate
// encodings, i.e. could be a decoded string.
func validWTF8(s string) bool {
	b := appendEscaped(nil, s)
	for _, c := range string(b) {
		if c == 0xFFFD {
			return false
		}
	}
	return true
}
