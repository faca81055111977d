package wsman

import (
	"testing"
	"unicode/utf8"
)

func TestWriterEscaping(t *testing.T) {
	var w writer
	w.open("e")
	w.attr("a", "x\"<&>\t\n\r")
	w.raw(">")
	w.text("<&>\"\r\n\x00\xff")
	w.close("e")
	want := `<e a="x&quot;&lt;&amp;&gt;&#x9;&#xA;&#xD;">&lt;&amp;&gt;"&#xD;` + "\n\uFFFD\uFFFD</e>"
	if got := string(w.b); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

// appendEscapedRef is appendEscaped as it was before its fast path: rune
// by rune.
func appendEscapedRef(b []byte, s string, inAttr bool) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '"' && inAttr:
			b = append(b, "&quot;"...)
		case r == '\r':
			b = append(b, "&#xD;"...)
		case (r == '\n' || r == '\t') && inAttr:
			if r == '\n' {
				b = append(b, "&#xA;"...)
			} else {
				b = append(b, "&#x9;"...)
			}
		case r == utf8.RuneError && size == 1, !isXMLChar(r):
			b = append(b, "\uFFFD"...)
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// checkEscaping asserts appendEscaped writes what appendEscapedRef does.
func checkEscaping(t *testing.T, s string) {
	t.Helper()
	for _, inAttr := range []bool{false, true} {
		if got, want := appendEscaped(nil, s, inAttr), appendEscapedRef(nil, s, inAttr); string(got) != string(want) {
			t.Fatalf("appendEscaped(%q, %v) = %q, want %q", s, inAttr, got, want)
		}
	}
}

func TestAppendEscaped(t *testing.T) {
	for _, s := range []string{"", "plain", odd, "\x00\x1f\x7f\u0080\ud7ff\ue000\ufffd\uffff", "\xed\xa0\x80", "é\xff", "&&<<>>\"\"\r\n\t"} {
		checkEscaping(t, s)
	}
	for c := 0; c < 256; c++ {
		checkEscaping(t, "a"+string(rune(c))+"b"+string([]byte{byte(c)}))
	}
}
