package wsman

import (
	"encoding/xml"
	"regexp"
	"testing"
)

func TestNewMessageID(t *testing.T) {
	re := regexp.MustCompile(`^uuid:[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`)
	a, b := NewMessageID(), NewMessageID()
	if !re.MatchString(a) || a == b || len(a) != len(messageIDPlaceholder) {
		t.Fatalf("ids %q %q", a, b)
	}
}

func TestMarshalFaultForeignSubcodeNamespace(t *testing.T) {
	f := &Fault{Code: CodeSender, Subcode: xml.Name{Space: "urn:vendor", Local: "Odd"}, Reason: "r", WSManCode: 1}
	out := MarshalFault(Reply{}, f)
	_, err := ParseResponse(out, Limits{}, "")
	got, ok := err.(*Fault)
	if !ok || got.Subcode != f.Subcode || got.Code != CodeSender {
		t.Fatalf("got %+v from %s", err, out)
	}
}
