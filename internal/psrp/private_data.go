package psrp

import (
	"strings"

	"github.com/ipps/ipps/internal/clixml"
)

// PSVersionTable is the server's $PSVersionTable as carried in
// APPLICATION_PRIVATE_DATA (MS-PSRP 2.2.2.12). Clients derive their notion
// of the server version from PSVersion (>= 5.1 makes Import-PSSession pass
// -PowerShellVersion; > 7.3 makes it expect a ProgressAction parameter).
type PSVersionTable struct {
	PSVersion                 string
	PSEdition                 string
	PSCompatibleVersions      []string
	CLRVersion                string
	BuildVersion              string
	WSManStackVersion         string
	PSRemotingProtocolVersion string
	SerializationVersion      string
}

// DefaultPSVersionTable returns the table of Windows PowerShell 5.1 on
// Windows Server 2019, which is what Exchange Online reports.
func DefaultPSVersionTable() PSVersionTable {
	return PSVersionTable{
		PSVersion:                 "5.1.17763.1",
		PSEdition:                 "Desktop",
		PSCompatibleVersions:      []string{"1.0", "2.0", "3.0", "4.0", "5.0", "5.1.17763.1"},
		CLRVersion:                "4.0.30319.42000",
		BuildVersion:              BuildVersion,
		WSManStackVersion:         "3.0",
		PSRemotingProtocolVersion: ProtocolVersion,
		SerializationVersion:      SerializationVersion,
	}
}

// ApplicationPrivateData is APPLICATION_PRIVATE_DATA (MS-PSRP 2.2.2.12).
// It never carries DebugMode/DebugStop/BreakpointCount: those make the
// Windows client issue remote-debugger commands.
type ApplicationPrivateData struct {
	PSVersionTable PSVersionTable
	// Extra holds further top-level entries, e.g. ImplicitRemoting.
	Extra []clixml.Entry
}

func str(k string, v clixml.Value) clixml.Entry { return clixml.Entry{Key: k, Value: v} }

// Marshal encodes d as message data.
func (d ApplicationPrivateData) Marshal() ([]byte, error) {
	t := d.PSVersionTable
	compat := make([]clixml.Value, len(t.PSCompatibleVersions))
	for i, v := range t.PSCompatibleVersions {
		compat[i] = version(v)
	}
	table := clixml.NewPSPrimitiveDictionary(
		str("PSVersion", version(t.PSVersion)),
		str("PSEdition", t.PSEdition),
		str("PSCompatibleVersions", &clixml.Object{TypeNames: []string{"System.Version[]", "System.Array", "System.Object"}, Kind: clixml.List, Items: compat}),
		str("CLRVersion", version(t.CLRVersion)),
		str("BuildVersion", version(t.BuildVersion)),
		str("WSManStackVersion", version(t.WSManStackVersion)),
		str("PSRemotingProtocolVersion", version(t.PSRemotingProtocolVersion)),
		str("SerializationVersion", version(t.SerializationVersion)),
	)
	entries := append([]clixml.Entry{str("PSVersionTable", table)}, d.Extra...)
	return marshal(msObject(prop("ApplicationPrivateData", clixml.NewPSPrimitiveDictionary(entries...))))
}

// DecodeApplicationPrivateData decodes APPLICATION_PRIVATE_DATA data. A
// Nil dictionary or a missing PSVersionTable yields zero values.
func DecodeApplicationPrivateData(data []byte) (ApplicationPrivateData, error) {
	o, err := decodeObject(MsgApplicationPrivateData, data)
	if err != nil {
		return ApplicationPrivateData{}, err
	}
	var d ApplicationPrivateData
	dict, _ := o.Get("ApplicationPrivateData")
	entries, _ := clixml.AsEntries(dict)
	for _, e := range entries {
		k, _ := clixml.AsString(e.Key)
		if !strings.EqualFold(k, "PSVersionTable") {
			d.Extra = append(d.Extra, e)
			continue
		}
		get := func(name string) string {
			v, _ := clixml.Lookup(e.Value, name)
			return textOf(v)
		}
		t := &d.PSVersionTable
		t.PSVersion, t.PSEdition, t.CLRVersion = get("PSVersion"), get("PSEdition"), get("CLRVersion")
		t.BuildVersion, t.WSManStackVersion = get("BuildVersion"), get("WSManStackVersion")
		t.PSRemotingProtocolVersion, t.SerializationVersion = get("PSRemotingProtocolVersion"), get("SerializationVersion")
		if cv, ok := clixml.Lookup(e.Value, "PSCompatibleVersions"); ok {
			items, _ := clixml.AsList(cv)
			for _, it := range items {
				t.PSCompatibleVersions = append(t.PSCompatibleVersions, textOf(it))
			}
		}
	}
	return d, nil
}
