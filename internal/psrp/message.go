package psrp

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
)

// HeaderSize is the size of a PSRP message header. See MS-PSRP 2.2.1.
const HeaderSize = 40

// bom is the UTF-8 byte order mark that Windows peers put before the
// CLIXML data of a message.
var bom = []byte{0xEF, 0xBB, 0xBF}

// Destination says which side a message is addressed to (MS-PSRP 2.2.1).
type Destination uint32

// Destinations.
const (
	DestinationClient Destination = 1
	DestinationServer Destination = 2
)

func (d Destination) String() string {
	switch d {
	case DestinationClient:
		return "Client"
	case DestinationServer:
		return "Server"
	}
	return fmt.Sprintf("Destination(%d)", uint32(d))
}

// ErrShortMessage is returned for a message shorter than its header.
var ErrShortMessage = errors.New("psrp: message shorter than 40-byte header")

// ErrDestination is returned for a Destination other than 1 or 2.
var ErrDestination = errors.New("psrp: invalid message destination")

// WireGUID is a RunspacePool or pipeline id exactly as it appears in a
// message header: 16 bytes in .NET Guid.ToByteArray() order (first three
// fields little-endian). Servers echo the client's bytes verbatim and never
// reinterpret them (old pypsrp wrote big-endian ids; Windows servers send
// an all-zero RPID in SESSION_CAPABILITY). See MS-PSRP 2.2.1.
type WireGUID [16]byte

// WireGUIDFromGUID converts a GUID in canonical (RFC 4122 text) byte
// order to .NET byte order: 846a0576-dc51-244f-... becomes
// 76 05 6a 84 51 dc 4f 24 .... A uuid.UUID converts with
// WireGUIDFromGUID(clixml.GUID(u)).
func WireGUIDFromGUID(g clixml.GUID) WireGUID {
	w := WireGUID(g)
	swapGUIDFields(w[:])
	return w
}

// GUID converts w from .NET byte order to canonical byte order (the order
// of uuid.UUID and clixml.GUID).
func (w WireGUID) GUID() clixml.GUID {
	swapGUIDFields(w[:])
	return clixml.GUID(w)
}

// ParseWireGUID parses canonical GUID text ("846a0576-dc51-...", braces
// and case optional) into .NET byte order, e.g. a WS-Man ShellId or
// CommandId.
func ParseWireGUID(s string) (WireGUID, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return WireGUID{}, fmt.Errorf("%w: %q", ErrBadGUID, s)
	}
	var g clixml.GUID
	if _, err := hex.Decode(g[:], []byte(s[0:8]+s[9:13]+s[14:18]+s[19:23]+s[24:36])); err != nil {
		return WireGUID{}, fmt.Errorf("%w: %q", ErrBadGUID, s)
	}
	return WireGUIDFromGUID(g), nil
}

// ErrBadGUID is returned by ParseWireGUID for malformed text.
var ErrBadGUID = errors.New("psrp: malformed GUID")

// IsZero reports whether all 16 bytes are zero.
func (w WireGUID) IsZero() bool { return w == WireGUID{} }

// String returns the canonical lower-case text of w.GUID().
func (w WireGUID) String() string {
	g := w.GUID()
	h := hex.EncodeToString(g[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// key returns targetKey(w.String()), the upper-case text of w.GUID(),
// in one allocation.
func (w WireGUID) key() string {
	const digits = "0123456789ABCDEF"
	g := w.GUID()
	var b [36]byte
	j := 0
	for i, c := range g {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		b[j], b[j+1] = digits[c>>4], digits[c&0xF]
		j += 2
	}
	return string(b[:])
}

// swapGUIDFields reverses the byte order of the first three GUID fields
// in place; it is its own inverse.
func swapGUIDFields(b []byte) {
	b[0], b[1], b[2], b[3] = b[3], b[2], b[1], b[0]
	b[4], b[5] = b[5], b[4]
	b[6], b[7] = b[7], b[6]
}

// Message is one PSRP message (MS-PSRP 2.2.1). Data is the CLIXML payload
// without any byte order mark.
type Message struct {
	Destination Destination
	Type        MessageType
	RPID        WireGUID
	PID         WireGUID
	Data        []byte
}

// Append appends the encoding of m to dst, without a byte order mark, and
// returns the extended slice.
func (m *Message) Append(dst []byte) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(m.Destination))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(m.Type))
	dst = append(dst, m.RPID[:]...)
	dst = append(dst, m.PID[:]...)
	return append(dst, m.Data...)
}

// Encode returns the encoding of m.
func (m *Message) Encode() []byte { return m.Append(make([]byte, 0, HeaderSize+len(m.Data))) }

// DecodeMessage parses one reassembled message. It strips a leading UTF-8
// BOM from the data. Data aliases b. An unknown MessageType yields a
// *UnknownTypeError together with the otherwise decoded message, so that a
// caller may choose to skip it.
func DecodeMessage(b []byte) (Message, error) {
	if len(b) < HeaderSize {
		return Message{}, fmt.Errorf("%w (have %d bytes)", ErrShortMessage, len(b))
	}
	m := Message{
		Destination: Destination(binary.LittleEndian.Uint32(b[0:4])),
		Type:        MessageType(binary.LittleEndian.Uint32(b[4:8])),
		Data:        bytes.TrimPrefix(b[HeaderSize:], bom),
	}
	copy(m.RPID[:], b[8:24])
	copy(m.PID[:], b[24:40])
	if m.Destination != DestinationClient && m.Destination != DestinationServer {
		return m, fmt.Errorf("%w: %d", ErrDestination, uint32(m.Destination))
	}
	if !m.Type.Known() {
		return m, &UnknownTypeError{Type: m.Type}
	}
	return m, nil
}
