package wsman

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// treeDiff returns "" when a and b are the same tree (names, attributes,
// text and children; nil and empty text alike), else where they differ.
func treeDiff(a, b *element, path string) string {
	if a == nil || b == nil {
		if a != b {
			return path + ": one tree is nil"
		}
		return ""
	}
	path += "/" + a.name.Local
	switch {
	case a.name != b.name:
		return fmt.Sprintf("%s: name %v vs %v", path, a.name, b.name)
	case len(a.attrs) != len(b.attrs) || len(a.attrs) > 0 && !reflect.DeepEqual(a.attrs, b.attrs):
		return fmt.Sprintf("%s: attrs %v vs %v", path, a.attrs, b.attrs)
	case !bytes.Equal(a.text, b.text):
		return fmt.Sprintf("%s: text %q vs %q", path, a.text, b.text)
	case len(a.children) != len(b.children):
		return fmt.Sprintf("%s: %d vs %d children", path, len(a.children), len(b.children))
	}
	for i := range a.children {
		if a.children[i].parent != a || b.children[i].parent != b {
			return path + ": bad parent link"
		}
		if d := treeDiff(a.children[i], b.children[i], path); d != "" {
			return d
		}
	}
	return ""
}

// fastLimits are the bounds FuzzFastPath tries: the fuzzing default, tight
// ones, so that the scanner's limit checks are exercised too, and the
// largest possible.
var fastLimits = []Limits{
	{MaxEnvelopeSize: 64 << 10, MaxDepth: DefaultMaxDepth, MaxElements: DefaultMaxElements, MaxAttrs: DefaultMaxAttrs},
	{MaxEnvelopeSize: 4 << 10, MaxDepth: 6, MaxElements: 40, MaxAttrs: 5},
	{MaxEnvelopeSize: math.MaxInt, MaxDepth: math.MaxInt, MaxElements: math.MaxInt, MaxAttrs: math.MaxInt},
}

// checkFastPath asserts that the fast scanner and encoding/xml agree on
// data: the same tree whenever the scanner accepts it, and the same
// ParseRequest and ParseResponse results (value or error) always.
func checkFastPath(t *testing.T, data []byte) {
	t.Helper()
	for _, lim := range fastLimits {
		checkFastTree(t, data, lim)
		req, err := parseRequest(data, lim, true)
		sreq, serr := parseRequest(data, lim, false)
		if !sameError(err, serr) || !reflect.DeepEqual(req, sreq) {
			t.Fatalf("limits %+v: ParseRequest differs:\nfast %+v, %v\nslow %+v, %v\non %q", lim, req, err, sreq, serr, data)
		}
		resp, err := parseResponse(data, lim, testMsgID, true)
		sresp, serr := parseResponse(data, lim, testMsgID, false)
		if !sameError(err, serr) || !reflect.DeepEqual(resp, sresp) {
			t.Fatalf("limits %+v: ParseResponse differs:\nfast %+v, %v\nslow %+v, %v\non %q", lim, resp, err, sresp, serr, data)
		}
	}
}

// checkFastTree asserts that a tree the scanner accepts is accepted by
// encoding/xml too, and equal. (decodeTreeXML also rejects a root other
// than s:Envelope; the scanner leaves that check to decodeTree.)
func checkFastTree(t *testing.T, data []byte, lim Limits) {
	t.Helper()
	if len(data) > lim.MaxEnvelopeSize {
		return
	}
	fast, sc, err := scanTree(bytes.TrimPrefix(data, utf8BOM), lim)
	if err != nil {
		return
	}
	defer sc.free()
	slow, slowErr := decodeTreeXML(data, lim)
	if slowErr == ErrNotEnvelope && fast.name != (xml.Name{Space: NSSoap, Local: "Envelope"}) {
		return
	}
	if slowErr != nil {
		t.Fatalf("limits %+v: scanner accepted what encoding/xml rejects (%v):\n%q", lim, slowErr, data)
	}
	if d := treeDiff(fast, slow, ""); d != "" {
		t.Fatalf("limits %+v: trees differ at %s:\n%q", lim, d, data)
	}
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Error() == b.Error() && reflect.DeepEqual(a, b)
}

// fastPathEdgeCases are inputs at the border of the scanner's subset.
func fastPathEdgeCases() []string {
	env := func(inner string) string {
		return `<s:Envelope xmlns:s="` + NSSoap + `"><s:Body>` + inner + `</s:Body></s:Envelope>`
	}
	return []string{
		env(`<a>x<!-- c -->y</a>`),
		env(`<a><![CDATA[<x>]]></a>`),
		env(`<a>&#65;&#x42;</a>`),
		env(`<a>&nbsp;</a>`),
		env(`<a>]]></a>`),
		env(`<a b="]]>">&lt;&gt;&amp;&apos;&quot;</a>`),
		env("<a>x\r\ny</a>"),
		env("<a b=\"x\ty\nz\"/>"),
		env("<a>\x00</a>"),
		env("<a>caf\xc3\xa9 \xef\xbf\xbe</a>"),
		env("<a>\xff</a>"),
		env(`<a:b xmlns:a="urn:a"><a:c/></a:b>`),
		env(`<a:b/>`),
		env(`<a:b:c/>`),
		env(`<a b='1'c="2"/>`),
		env(`<a b = "1" ></a >`),
		env(`<a></b>`),
		env(`<a:x xmlns:a="u1" xmlns:b="u1"></b:x>`),
		env(`<x xmlns="u"><y xmlns=""><z/></y></x>`),
		env(`<x xmlns:p="u1"><p:y xmlns:p="u2"/><p:z/></x>`),
		env(`<xmlns/><xmlns:q/><x xmlns:xml="u" xml:lang="en"/>`),
		env(`<x xmlns:p="" p:a="1"><p:y/></x>`),
		env(`<é/>`),
		env(`<a b=c/>`),
		env(`<a b/>`),
		env(`<a><b>1</b>2<c>3</c>4</a>`),
		env(`<_a.b-c d.e="1"/>`),
		env(`<a:1 xmlns:a="u"/>`),
		`<?xml version="1.0" encoding="utf-8"?>` + env(""),
		`<?xml version="1.1"?>` + env(""),
		`<?xml version="1.0" encoding="latin1"?>` + env(""),
		`<?pi x?>` + env(""),
		`<!DOCTYPE x>` + env(""),
		" \r\n\t" + env("") + " \n",
		env("") + "x",
		env("") + env(""),
		"\xef\xbb\xbf" + env(""),
		`<s:Envelope xmlns:s="` + NSSoap + `">`,
		`<Envelope/>`,
		``,
		`<s:Envelope xmlns:s="` + NSSoap + `"><s:Body>` + strings.Repeat("<x>", 8) + strings.Repeat("</x>", 8) + `</s:Body></s:Envelope>`,
		env(strings.Repeat("<x/>", 50)),
		env(`<x a="1" b="2" c="3" d="4" e="5" f="6"/>`),
	}
}

// TestFastPathFixtures checks the scanner takes every realistic envelope
// (so that the fast path is the one measured) and agrees with encoding/xml
// on them and on the edge cases.
func TestFastPathFixtures(t *testing.T) {
	for _, data := range append(requestFixtures(), responseFixtures()...) {
		// The CRLF variant is deliberately outside the subset.
		if !bytes.Contains(data, []byte("\r")) {
			if _, sc, err := scanTree(bytes.TrimPrefix(data, utf8BOM), fastLimits[0]); err != nil {
				t.Errorf("scanner rejects fixture %.200q", data)
			} else {
				sc.free()
			}
		}
		checkFastPath(t, data)
	}
	for _, s := range fastPathEdgeCases() {
		checkFastPath(t, []byte(s))
	}
}

// FuzzFastPath asserts that every fast path agrees with the code it
// replaces on every input: the scanner with encoding/xml (the same tree, the
// same ParseRequest and ParseResponse result, value or error), and the
// base64 and escaping fast paths with their references.
func FuzzFastPath(f *testing.F) {
	for _, data := range append(requestFixtures(), responseFixtures()...) {
		f.Add(data)
	}
	for _, s := range fastPathEdgeCases() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFastPath(t, data)
		checkBase64(t, data)
		checkEscaping(t, string(data))
	})
}
