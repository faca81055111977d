package clixml

import (
	"strings"
	"testing"
)

// TestEscapePsrpcoreVector is the COMPLEX_STRING pair from psrpcore's
// tests/conftest.py (reference §4). "\xed\xa0\xbc" is the lone surrogate
// U+D83C in WTF-8, the form Unmarshal gives it.
func TestEscapePsrpcoreVector(t *testing.T) {
	const plain = "treble clef\n _x0000_ _X0000_ \U0001D11E café \xed\xa0\xbc _x001G_"
	const wire = "treble clef_x000A_ _x005F_x0000_ _x005F_X0000_ _xD834__xDD1E_ café _xD83C_ _x005F_x001G_"
	if got := string(appendEscaped(nil, plain)); got != wire {
		t.Errorf("escape:\n got %q\nwant %q", got, wire)
	}
	if got := unescape(wire); got != plain {
		t.Errorf("unescape:\n got %q\nwant %q", got, plain)
	}
	b, err := Marshal(plain)
	if err != nil || string(b) != "<S>"+wire+"</S>" {
		t.Errorf("Marshal = %s, %v", b, err)
	}
	v, err := Unmarshal([]byte("<S>" + wire + "</S>"))
	if err != nil || v != plain {
		t.Errorf("Unmarshal = %q, %v", v, err)
	}
}

func TestEscapeTable(t *testing.T) {
	tests := []struct{ plain, wire string }{
		{"", ""},
		{"plain", "plain"},
		{"\t\r\n", "_x0009__x000D__x000A_"},
		{"\x00\x1f\x7f", "_x0000__x001F__x007F_"},
		{"\u0080\u009f\u00a0", "_x0080__x009F_\u00a0"},
		{"\uFFFE\uFFFF", "_xFFFE__xFFFF_"},
		{"a_b_x", "a_b_x005F_x"},
		{"_X", "_x005F_X"},
		{"_", "_"},
		{"<&>\"'", "&lt;&amp;&gt;&quot;'"},
		{"\xed\xb4\x9e", "_xDD1E_"},
	}
	for _, tc := range tests {
		if got := string(appendEscaped(nil, tc.plain)); got != tc.wire {
			t.Errorf("escape(%q) = %q, want %q", tc.plain, got, tc.wire)
		}
	}
	// Decoding of entity-free wire text reverses escaping.
	for _, tc := range tests {
		if strings.ContainsAny(tc.wire, "&") {
			continue
		}
		if got := unescape(tc.wire); got != tc.plain {
			t.Errorf("unescape(%q) = %q, want %q", tc.wire, got, tc.plain)
		}
	}
}

func TestUnescapeOnlyWellFormed(t *testing.T) {
	tests := []struct{ wire, plain string }{
		{"_x005G_", "_x005G_"},
		{"_x41_", "_x41_"},
		{"_x0041", "_x0041"},
		{"_x0041_", "A"},
		{"_X0041_", "A"},
		{"_x00e9_", "é"},
		{"__x0041__", "_A_"},
		{"_xD834_", "\xed\xa0\xb4"},
		{"_xD834_x", "\xed\xa0\xb4x"},
		{"_xDD1E__xD834_", "\xed\xb4\x9e\xed\xa0\xb4"},
	}
	for _, tc := range tests {
		if got := unescape(tc.wire); got != tc.plain {
			t.Errorf("unescape(%q) = %q, want %q", tc.wire, got, tc.plain)
		}
	}
}

func TestEscapeInvalidUTF8(t *testing.T) {
	if got := string(appendEscaped(nil, "a\xffb")); got != "a\uFFFDb" {
		t.Errorf("got %q", got)
	}
}

// TestEscapeEverywhere checks escaping of N attributes, <T> and <ToString>.
func TestEscapeEverywhere(t *testing.T) {
	o := &Object{TypeNames: []string{"A\tB"}, ToString: Str("x\ny"), Extended: []Property{{Name: "n\"_x", Value: int32(1)}}}
	b, err := Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	want := `<Obj RefId="0"><TN RefId="0"><T>A_x0009_B</T></TN><ToString>x_x000A_y</ToString><MS><I32 N="n&quot;_x005F_x">1</I32></MS></Obj>`
	if string(b) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, want)
	}
	v, err := Unmarshal(b)
	if err != nil || !Equal(v, o) {
		t.Errorf("round trip: %v", err)
	}
}

func BenchmarkEscapePlain(b *testing.B) {
	s := strings.Repeat("Retention policy name ", 10)
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendEscaped(buf[:0], s)
	}
}
