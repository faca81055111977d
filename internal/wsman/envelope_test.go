package wsman

import (
	"encoding/xml"
	"regexp"
	"testing"

	"github.com/google/uuid"
)

func TestNewMessageID(t *testing.T) {
	re := regexp.MustCompile(`^uuid:[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$`)
	a, b := NewMessageID(), NewMessageID()
	if !re.MatchString(a) || a == b || len(a) != len(messageIDPlaceholder) {
		t.Fatalf("ids %q %q", a, b)
	}
	if u, err := uuid.Parse(a[len("uuid:"):]); err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 {
		t.Fatalf("%q: not a random RFC 4122 UUID (%v)", a, err)
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
