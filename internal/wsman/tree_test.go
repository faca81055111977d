package wsman

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeTreeByNamespaceNotPrefix(t *testing.T) {
	doc := `<?xml version="1.0" encoding="utf-8"?><env:Envelope xmlns:env="` + NSSoap + `" xmlns:q="` + NSShell + `">` +
		`<env:Body><q:Receive xmlns:s="urn:not-soap"><s:Body>x</s:Body></q:Receive></env:Body></env:Envelope>`
	root, err := decodeTreeXML([]byte("\xef\xbb\xbf"+doc), Limits{MaxEnvelopeSize: 1 << 20, MaxDepth: 8, MaxElements: 10, MaxAttrs: 4})
	if err != nil {
		t.Fatal(err)
	}
	_, body := envelopeParts(root)
	re := body.child(NSShell, "Receive")
	if re == nil {
		t.Fatal("rsp:Receive not found under a different prefix")
	}
	if re.child(NSSoap, "Body") != nil {
		t.Fatal("matched s:Body by prefix")
	}
	if got := re.child("urn:not-soap", "Body").str(); got != "x" {
		t.Fatalf("text = %q", got)
	}
}

func TestDecodeTreeLimits(t *testing.T) {
	lim := Limits{MaxEnvelopeSize: 1000, MaxDepth: 4, MaxElements: 6, MaxAttrs: 2}
	env := func(inner string) string {
		return `<s:Envelope xmlns:s="` + NSSoap + `"><s:Body>` + inner + `</s:Body></s:Envelope>`
	}
	tests := []struct {
		name string
		doc  string
		want error
	}{
		{"too large", env(strings.Repeat(" ", 1000)), ErrEnvelopeTooLarge},
		{"too deep", env("<a><b><c/></b></a>"), ErrTooDeep},
		{"too many elements", env("<a/><a/><a/><a/><a/>"), ErrTooManyElements},
		{"too many attrs", env(`<a x="1" y="2" z="3"/>`), ErrTooManyAttrs},
		{"mismatched tags", env("<a></b>"), ErrMalformedXML},
		{"unclosed", `<s:Envelope xmlns:s="` + NSSoap + `">`, ErrMalformedXML},
		{"dtd", `<!DOCTYPE x [<!ENTITY a "b">]>` + env(""), ErrMalformedXML},
		{"two roots", env("") + env(""), ErrMalformedXML},
		{"text outside root", env("") + "junk", ErrMalformedXML},
		{"empty", "", ErrMalformedXML},
		{"soap 1.1", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/>`, ErrNotEnvelope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeTreeXML([]byte(tt.doc), lim); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
