package psrp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWireGUIDOrder types in the .NET Guid.ToByteArray() vector of
// MS-PSRP 2.2.5.1.x / the implementer's digest §3.2.
func TestWireGUIDOrder(t *testing.T) {
	w, err := ParseWireGUID("846a0576-dc51-244f-9262-0123456789ab")
	if err != nil {
		t.Fatal(err)
	}
	want := mustHex(t, "76 05 6a 84 51 dc 4f 24 92 62 01 23 45 67 89 ab")
	if !bytes.Equal(w[:], want) {
		t.Fatalf("wire bytes = % x, want % x", w[:], want)
	}
	if got := w.String(); got != "846a0576-dc51-244f-9262-0123456789ab" {
		t.Fatalf("String = %s", got)
	}
	g := w.GUID()
	if hex.EncodeToString(g[:]) != "846a0576dc51244f92620123456789ab" {
		t.Fatalf("canonical = %x", g)
	}
	if WireGUIDFromGUID(g) != w {
		t.Fatal("round trip differs")
	}
	if u, err := ParseWireGUID("{846A0576-DC51-244F-9262-0123456789AB}"); err != nil || u != w {
		t.Fatalf("braced upper: %v %v", u, err)
	}
	for _, bad := range []string{"", "846a0576", "846a0576-dc51-244f-9262-0123456789ag", "846a0576dc51-244f-9262-0123456789abcd"} {
		if _, err := ParseWireGUID(bad); !errors.Is(err, ErrBadGUID) {
			t.Errorf("ParseWireGUID(%q) err = %v", bad, err)
		}
	}
}

// TestMessageHeaderGolden checks the 40-byte little-endian header of a
// SESSION_CAPABILITY sent to the server, with and without a BOM.
func TestMessageHeaderGolden(t *testing.T) {
	rpid, _ := ParseWireGUID("846a0576-dc51-244f-9262-0123456789ab")
	header := "02000000" + "02000100" + "76056a8451dc4f2492620123456789ab" + "00000000000000000000000000000000"
	body := "<S>x</S>"
	want := append(mustHex(t, header), body...)
	m := Message{Destination: DestinationServer, Type: MsgSessionCapability, RPID: rpid, Data: []byte(body)}
	if got := m.Encode(); !bytes.Equal(got, want) {
		t.Fatalf("Encode =\n% x\nwant\n% x", got, want)
	}
	for _, in := range [][]byte{want, append(mustHex(t, header+"efbbbf"), body...)} {
		d, err := DecodeMessage(in)
		if err != nil {
			t.Fatal(err)
		}
		if d.Destination != DestinationServer || d.Type != MsgSessionCapability || d.RPID != rpid || !d.PID.IsZero() || string(d.Data) != body {
			t.Fatalf("decoded %+v", d)
		}
	}
}

func TestDecodeMessageErrors(t *testing.T) {
	if _, err := DecodeMessage(make([]byte, 39)); !errors.Is(err, ErrShortMessage) {
		t.Fatalf("short: %v", err)
	}
	m := Message{Destination: DestinationClient, Type: 0x12345678}
	_, err := DecodeMessage(m.Encode())
	var ute *UnknownTypeError
	if !errors.As(err, &ute) || ute.Type != 0x12345678 || !errors.Is(err, ErrUnknownType) {
		t.Fatalf("unknown type: %v", err)
	}
	m = Message{Destination: 3, Type: MsgPipelineOutput}
	if _, err := DecodeMessage(m.Encode()); !errors.Is(err, ErrDestination) {
		t.Fatalf("destination: %v", err)
	}
	// An empty body (END_OF_PIPELINE_INPUT) is valid.
	m = Message{Destination: DestinationServer, Type: MsgEndOfPipelineInput}
	if d, err := DecodeMessage(m.Encode()); err != nil || len(d.Data) != 0 {
		t.Fatalf("empty: %v %q", err, d.Data)
	}
}

// mustEncode unwraps an encoder result in tests that build valid values.
func mustEncode(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestWireGUIDKey(t *testing.T) {
	for range 100 {
		w := NewRandomWireGUID()
		if got, want := w.key(), targetKey(w.String()); got != want {
			t.Fatalf("key %s, want %s", got, want)
		}
	}
	if got, want := (WireGUID{}).key(), targetKey(WireGUID{}.String()); got != want {
		t.Fatalf("zero key %s, want %s", got, want)
	}
}
