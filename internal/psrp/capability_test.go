package psrp

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestSessionCapabilityRoundTrip(t *testing.T) {
	for _, c := range []SessionCapability{
		DefaultSessionCapability(),
		{ProtocolVersion: "2.4", PSVersion: "2.0", SerializationVersion: "1.1.0.1", TimeZone: []byte{0, 1, 0, 0, 0xff}},
	} {
		got, err := DecodeSessionCapability(mustEncode(c.Marshal()))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Fatalf("got %+v, want %+v", got, c)
		}
	}
}

// TestSessionCapabilityWindows decodes the capability as WinPS 5.1 writes
// it (with a TimeZone blob) and as a Windows server writes it.
func TestSessionCapabilityWindows(t *testing.T) {
	xml := `<Obj RefId="0"><MS><Version N="protocolversion">2.3</Version><Version N="PSVersion">2.0</Version>` +
		`<Version N="SerializationVersion">1.1.0.1</Version><BA N="TimeZone">AAEAAAD/////AQAAAAAAAAA=</BA></MS></Obj>`
	c, err := DecodeSessionCapability([]byte(xml))
	if err != nil {
		t.Fatal(err)
	}
	if c.ProtocolVersion != "2.3" || c.PSVersion != "2.0" || c.SerializationVersion != "1.1.0.1" || len(c.TimeZone) != 17 {
		t.Fatalf("%+v", c)
	}
	// Missing property.
	_, err = DecodeSessionCapability([]byte(`<Obj RefId="0"><MS><Version N="PSVersion">2.0</Version></MS></Obj>`))
	var pe *PayloadError
	if !errors.As(err, &pe) || pe.Field != "protocolversion" || !errors.Is(err, ErrPayload) {
		t.Fatalf("missing: %v", err)
	}
}

func TestCheckProtocolVersion(t *testing.T) {
	for _, v := range []string{"2.0", "2.1", "2.2", "2.3", "2.4", "2.10"} {
		if err := CheckProtocolVersion(v); err != nil {
			t.Errorf("%s rejected: %v", v, err)
		}
	}
	for _, v := range []string{"", "2", "2.", "1.0", "3.0", "20.1", "2.x"} {
		err := CheckProtocolVersion(v)
		var pve *ProtocolVersionError
		if !errors.As(err, &pve) || !errors.Is(err, ErrProtocolVersion) || pve.PeerVersion != v {
			t.Errorf("%q: err = %v", v, err)
			continue
		}
		msg := pve.FaultMessage()
		if !strings.HasPrefix(msg, `<PSProtocolVersionError ServerProtocolVersion="2.3" ServerBuildVersion="`+BuildVersion+`">`) ||
			!strings.HasSuffix(msg, "</PSProtocolVersionError>") {
			t.Errorf("fault message %s", msg)
		}
	}
}
