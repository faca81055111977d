package wsman

import "testing"

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
