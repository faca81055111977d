package psrp

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ipps/ipps/internal/clixml"
)

// initWindows is INIT_RUNSPACEPOOL as WinPS 5.1 writes it (host data
// trimmed to one entry, ApplicationArguments abbreviated).
const initWindows = `<Obj RefId="0"><MS><I32 N="MinRunspaces">1</I32><I32 N="MaxRunspaces">1</I32>` +
	`<Obj N="PSThreadOptions" RefId="1"><TN RefId="0"><T>System.Management.Automation.Runspaces.PSThreadOptions</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Default</ToString><I32>0</I32></Obj>` +
	`<Obj N="ApartmentState" RefId="2"><TN RefId="1"><T>System.Threading.ApartmentState</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Unknown</ToString><I32>2</I32></Obj>` +
	`<Obj N="ApplicationArguments" RefId="3"><TN RefId="2"><T>System.Management.Automation.PSPrimitiveDictionary</T><T>System.Collections.Hashtable</T><T>System.Object</T></TN><DCT><En><S N="Key">PSVersionTable</S><Obj N="Value" RefId="4"><TNRef RefId="2" /><DCT><En><S N="Key">PSVersion</S><Version N="Value">5.1.19041.1</Version></En></DCT></Obj></En></DCT></Obj>` +
	`<Obj N="HostInfo" RefId="5"><MS><Obj N="_hostDefaultData" RefId="6"><MS><Obj N="data" RefId="7"><TN RefId="3"><T>System.Collections.Hashtable</T><T>System.Object</T></TN><DCT><En><I32 N="Key">9</I32><Obj N="Value" RefId="8"><MS><S N="T">System.String</S><S N="V">Windows PowerShell</S></MS></Obj></En></DCT></Obj></MS></Obj>` +
	`<B N="_isHostNull">false</B><B N="_isHostUINull">false</B><B N="_isHostRawUINull">false</B><B N="_useRunspaceHost">false</B></MS></Obj></MS></Obj>`

// initPypsrp is INIT_RUNSPACEPOOL in pypsrp's order, with its
// ApartmentState type name and a Nil ApplicationArguments, in odd case.
const initPypsrp = `<Obj RefId="0"><MS><Obj N="HostInfo" RefId="1"><MS><B N="_isHostNull">true</B><B N="_isHostUINull">true</B><B N="_isHostRawUINull">true</B><B N="_useRunspaceHost">true</B></MS></Obj>` +
	`<Obj N="apartmentstate" RefId="2"><TN RefId="0"><T>System.Management.Automation.Runspaces.ApartmentState</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>MTA</ToString><I32>1</I32></Obj>` +
	`<Nil N="ApplicationArguments" /><I32 N="maxrunspaces">4</I32><I32 N="MinRunspaces">2</I32>` +
	`<Obj N="PSThreadOptions" RefId="3"><TN RefId="1"><T>System.Management.Automation.Runspaces.PSThreadOptions</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>ReuseThread</ToString><I32>2</I32></Obj></MS></Obj>`

func TestDecodeInitRunspacePool(t *testing.T) {
	w, err := DecodeInitRunspacePool([]byte(initWindows))
	if err != nil {
		t.Fatal(err)
	}
	if w.MinRunspaces != 1 || w.MaxRunspaces != 1 || w.ThreadOptions != 0 || w.ApartmentState != ApartmentUnknown {
		t.Fatalf("windows: %+v", w)
	}
	if w.Host.IsHostNull || w.Host.DefaultData == nil {
		t.Fatalf("windows host: %+v", w.Host)
	}
	if v, ok := clixml.Lookup(w.ApplicationArguments, "PSVersionTable"); !ok {
		t.Fatal("ApplicationArguments lost")
	} else if pv, _ := clixml.Lookup(v, "psversion"); textOf(pv) != "5.1.19041.1" {
		t.Fatalf("PSVersion = %v", pv)
	}
	p, err := DecodeInitRunspacePool([]byte(initPypsrp))
	if err != nil {
		t.Fatal(err)
	}
	want := InitRunspacePool{MinRunspaces: 2, MaxRunspaces: 4, ThreadOptions: 2, ApartmentState: ApartmentMTA, Host: NullHost}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("pypsrp: %+v", p)
	}
}

func TestInitRunspacePoolRoundTrip(t *testing.T) {
	in := InitRunspacePool{MinRunspaces: 1, MaxRunspaces: 3, ApartmentState: ApartmentSTA, Host: NullHost}
	got, err := DecodeInitRunspacePool(mustEncode(in.Marshal()))
	if err != nil || !reflect.DeepEqual(got, in) {
		t.Fatalf("got %+v, %v", got, err)
	}
	if _, err := DecodeInitRunspacePool([]byte(`<Obj RefId="0"><MS><I32 N="MinRunspaces">1</I32></MS></Obj>`)); !errors.Is(err, ErrPayload) {
		t.Fatalf("missing MaxRunspaces: %v", err)
	}
}

func TestPoolControlMessages(t *testing.T) {
	// pypsrp writes the call id as "CI".
	s, err := DecodeSetRunspaces(MsgSetMaxRunspaces, []byte(`<Obj RefId="0"><MS><I32 N="MaxRunspaces">5</I32><I64 N="CI">7</I64></MS></Obj>`))
	if err != nil || s != (SetRunspaces{Max: true, Count: 5, CallID: 7}) {
		t.Fatalf("%+v %v", s, err)
	}
	for _, in := range []SetRunspaces{{Max: true, Count: 3, CallID: 1}, {Count: 2, CallID: 9}} {
		got, err := DecodeSetRunspaces(in.MessageType(), mustEncode(in.Marshal()))
		if err != nil || got != in {
			t.Fatalf("round trip %+v: %+v %v", in, got, err)
		}
	}
	for _, a := range []RunspaceAvailability{{CallID: 1, OK: true}, {CallID: 2}, {CallID: 3, IsCount: true, Available: 4}} {
		got, err := DecodeRunspaceAvailability(mustEncode(a.Marshal()))
		if err != nil || got != a {
			t.Fatalf("availability %+v: %+v %v", a, got, err)
		}
	}
	// Windows answered GET_AVAILABLE_RUNSPACES with an I32.
	a, err := DecodeRunspaceAvailability([]byte(`<Obj RefId="0"><MS><I32 N="SetMinMaxRunspacesResponse">1</I32><I64 N="ci">4</I64></MS></Obj>`))
	if err != nil || !a.IsCount || a.Available != 1 || a.CallID != 4 {
		t.Fatalf("I32 count: %+v %v", a, err)
	}
	if ci, err := DecodeCallID(MsgResetRunspaceState, mustEncode(EncodeCallID(42))); err != nil || ci != 42 {
		t.Fatalf("call id: %d %v", ci, err)
	}
	d, ok, err := DecodeRunspacePoolInitData(MsgConnectRunspacePool, []byte(`<S />`))
	if err != nil || ok || d != (RunspacePoolInitData{}) {
		t.Fatalf("connect <S/>: %v %v %v", d, ok, err)
	}
	in := RunspacePoolInitData{MinRunspaces: 1, MaxRunspaces: 2}
	if d, ok, err := DecodeRunspacePoolInitData(MsgRunspacePoolInitData, mustEncode(in.Marshal())); err != nil || !ok || d != in {
		t.Fatalf("init data: %v %v %v", d, ok, err)
	}
}

func TestRunspacePoolStateRoundTrip(t *testing.T) {
	s, err := DecodeRunspacePoolState(mustEncode(RunspacePoolStateInfo{State: PoolOpened}.Marshal()))
	if err != nil || s.State != PoolOpened || s.Error != nil {
		t.Fatalf("%+v %v", s, err)
	}
	rec := &ErrorRecord{Message: "backend gone", FullyQualifiedErrorID: "RemoteRunspaceStateInfoReason"}
	s, err = DecodeRunspacePoolState(mustEncode(RunspacePoolStateInfo{State: PoolBroken, Error: rec}.Marshal()))
	if err != nil || s.State != PoolBroken || s.Error == nil || s.Error.Message != "backend gone" {
		t.Fatalf("%+v %v", s, err)
	}
	if PoolBroken.String() != "Broken" || RunspacePoolState(42).String() != "RunspacePoolState(42)" {
		t.Fatal("String")
	}
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
