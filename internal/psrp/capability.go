package psrp

import (
	"errors"
	"fmt"
	"strings"
)

// Versions this implementation advertises in SESSION_CAPABILITY
// (MS-PSRP 2.2.2.1); both Windows PowerShell 5.1 and ipps send these.
const (
	ProtocolVersion      = "2.3"
	PSVersion            = "2.0"
	SerializationVersion = "1.1.0.1"
)

// SessionCapability is the SESSION_CAPABILITY message (MS-PSRP 2.2.2.1).
type SessionCapability struct {
	ProtocolVersion      string
	PSVersion            string
	SerializationVersion string
	// TimeZone is the opaque BinaryFormatter blob Windows clients send; it
	// is carried, never interpreted. Nil omits it.
	TimeZone []byte
}

// DefaultSessionCapability returns the capability ipps sends on both sides.
func DefaultSessionCapability() SessionCapability {
	return SessionCapability{ProtocolVersion: ProtocolVersion, PSVersion: PSVersion, SerializationVersion: SerializationVersion}
}

// Marshal encodes c as message data.
func (c SessionCapability) Marshal() ([]byte, error) {
	o := msObject(
		prop("protocolversion", version(c.ProtocolVersion)),
		prop("PSVersion", version(c.PSVersion)),
		prop("SerializationVersion", version(c.SerializationVersion)),
	)
	if c.TimeZone != nil {
		o.Extended = append(o.Extended, prop("TimeZone", c.TimeZone))
	}
	return marshal(o)
}

// DecodeSessionCapability decodes SESSION_CAPABILITY data. It does not
// check the version; see CheckProtocolVersion.
func DecodeSessionCapability(data []byte) (SessionCapability, error) {
	o, err := decodeObject(MsgSessionCapability, data)
	if err != nil {
		return SessionCapability{}, err
	}
	f := fields{t: MsgSessionCapability, o: o}
	c := SessionCapability{
		ProtocolVersion:      f.str("protocolversion", true),
		PSVersion:            f.str("PSVersion", true),
		SerializationVersion: f.str("SerializationVersion", true),
	}
	if tz, ok := o.Get("TimeZone"); ok {
		c.TimeZone, _ = tz.([]byte)
	}
	return c, f.err
}

// ErrProtocolVersion is wrapped by *ProtocolVersionError.
var ErrProtocolVersion = errors.New("psrp: unsupported protocol version")

// ProtocolVersionError reports a peer protocol version other than 2.x
// (MS-PSRP 3.2.5.3.2). The WS-Man layer puts FaultMessage in its fault
// (WSManFault code 2152991685).
type ProtocolVersionError struct {
	// PeerVersion is what the peer sent.
	PeerVersion string
	// ServerProtocolVersion and ServerBuildVersion fill the fault text.
	ServerProtocolVersion string
	ServerBuildVersion    string
}

func (e *ProtocolVersionError) Error() string {
	return fmt.Sprintf("psrp: unsupported protocol version %q (server speaks %s)", e.PeerVersion, e.ServerProtocolVersion)
}

// Unwrap returns ErrProtocolVersion.
func (e *ProtocolVersionError) Unwrap() error { return ErrProtocolVersion }

// FaultMessage returns the text MS-PSRP 3.2.5.3.2 prescribes:
// <PSProtocolVersionError ServerProtocolVersion="x.y"
// ServerBuildVersion="a.b.c.d">message</PSProtocolVersionError>.
func (e *ProtocolVersionError) FaultMessage() string {
	return fmt.Sprintf(`<PSProtocolVersionError ServerProtocolVersion="%s" ServerBuildVersion="%s">The client protocol version %s is not supported by the server. The server supports protocol version %s.</PSProtocolVersionError>`,
		e.ServerProtocolVersion, e.ServerBuildVersion, xmlEscape(e.PeerVersion), e.ServerProtocolVersion)
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// CheckProtocolVersion accepts any 2.x protocol version (2.1 to 2.4 exist)
// and returns a *ProtocolVersionError otherwise. It applies to both the
// SESSION_CAPABILITY protocolversion and the WS-Man protocolversion option.
func CheckProtocolVersion(v string) error {
	major, minor, ok := strings.Cut(v, ".")
	if ok && major == "2" && minor != "" && strings.Trim(minor, "0123456789.") == "" {
		return nil
	}
	return &ProtocolVersionError{PeerVersion: v, ServerProtocolVersion: ProtocolVersion, ServerBuildVersion: BuildVersion}
}

// BuildVersion is the server build reported in version errors and in the
// PSVersionTable (Windows PowerShell 5.1 on Server 2019).
const BuildVersion = "10.0.17763.1"
