package psrp

import (
	"reflect"
	"testing"

	"github.com/ipps/ipps/internal/clixml"
)

func TestApplicationPrivateData(t *testing.T) {
	in := ApplicationPrivateData{PSVersionTable: DefaultPSVersionTable(), Extra: []clixml.Entry{{Key: "ImplicitRemoting", Value: "x"}}}
	data := mustEncode(in.Marshal())
	for _, forbidden := range []string{"DebugMode", "DebugStop", "BreakpointCount"} {
		if containsFold(string(data), forbidden) {
			t.Fatalf("private data contains %s", forbidden)
		}
	}
	got, err := DecodeApplicationPrivateData(data)
	if err != nil || !reflect.DeepEqual(got, in) {
		t.Fatalf("got %+v, %v", got, err)
	}
	tbl := got.PSVersionTable
	if tbl.PSVersion[:4] != "5.1." || tbl.PSEdition != "Desktop" || tbl.PSRemotingProtocolVersion != "2.3" || tbl.SerializationVersion != "1.1.0.1" {
		t.Fatalf("table %+v", tbl)
	}
	// A Nil dictionary decodes to zero values.
	if got, err := DecodeApplicationPrivateData([]byte(`<Obj RefId="0"><MS><Nil N="ApplicationPrivateData" /></MS></Obj>`)); err != nil || got.PSVersionTable.PSVersion != "" {
		t.Fatalf("nil: %+v %v", got, err)
	}
}
