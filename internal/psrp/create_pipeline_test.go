package psrp

import (
	"bytes"
	"errors"
	"reflect"
	"sync"
	"testing"
)

const enumTN = `<T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN>`

// createWindows is CREATE_PIPELINE as Windows implicit remoting writes it
// for `Get-Mailbox -Identity:x -ResultSize:10 -IncludeInactive:$true`
// (splatted -Name: args, a SwitchParameter value, singular Merge names,
// TNRef reuse).
const createWindows = `<Obj RefId="0"><MS><Obj N="PowerShell" RefId="1"><MS><Obj N="Cmds" RefId="2"><TN RefId="0"><T>System.Collections.Generic.List` + "`" + `1[[System.Management.Automation.PSObject, System.Management.Automation, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]</T><T>System.Object</T></TN><LST>` +
	`<Obj RefId="3"><MS><S N="Cmd">Get-Mailbox</S><B N="IsScript">false</B><Nil N="UseLocalScope" />` +
	`<Obj N="MergeMyResult" RefId="4"><TN RefId="1"><T>System.Management.Automation.Runspaces.PipelineResultTypes</T>` + enumTN + `<ToString>None</ToString><I32>0</I32></Obj>` +
	`<Obj N="MergeToResult" RefId="5"><TNRef RefId="1" /><ToString>None</ToString><I32>0</I32></Obj>` +
	`<Obj N="MergePreviousResults" RefId="6"><TNRef RefId="1" /><ToString>None</ToString><I32>0</I32></Obj>` +
	`<Obj N="MergeError" RefId="7"><TNRef RefId="1" /><ToString>None</ToString><I32>0</I32></Obj>` +
	`<Obj N="Args" RefId="8"><TNRef RefId="0" /><LST>` +
	`<Obj RefId="9"><MS><S N="N">-Identity:</S><S N="V">x</S></MS></Obj>` +
	`<Obj RefId="10"><MS><S N="N">-ResultSize:</S><I32 N="V">10</I32></MS></Obj>` +
	`<Obj RefId="11"><MS><S N="N">-IncludeInactive:</S><Obj N="V" RefId="12"><TN RefId="2"><T>System.Management.Automation.SwitchParameter</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>True</ToString><Props><B N="IsPresent">true</B></Props></Obj></MS></Obj>` +
	`</LST></Obj></MS></Obj></LST></Obj><B N="IsNested">false</B><Nil N="History" /><B N="RedirectShellErrorOutputPipe">true</B></MS></Obj>` +
	`<B N="NoInput">false</B><Obj N="ApartmentState" RefId="13"><TN RefId="3"><T>System.Threading.ApartmentState</T>` + enumTN + `<ToString>Unknown</ToString><I32>2</I32></Obj>` +
	`<Obj N="RemoteStreamOptions" RefId="14"><TN RefId="4"><T>System.Management.Automation.RemoteStreamOptions</T>` + enumTN + `<ToString>0</ToString><I32>0</I32></Obj>` +
	`<B N="AddToHistory">true</B><Obj N="HostInfo" RefId="15"><MS><B N="_isHostNull">true</B><B N="_isHostUINull">true</B><B N="_isHostRawUINull">true</B><B N="_useRunspaceHost">true</B></MS></Obj><B N="IsNested">false</B></MS></Obj>`

// createPypsrp is pypsrp's shape: ExtraCmds with two statements, the
// Runspaces.RemoteStreamOptions type name, positional and bare-name args,
// a "-Force" switch with Nil value and lower-case property names.
const createPypsrp = `<Obj RefId="0"><MS><B N="noinput">true</B>` +
	`<Obj N="RemoteStreamOptions" RefId="1"><TN RefId="0"><T>System.Management.Automation.Runspaces.RemoteStreamOptions</T>` + enumTN + `<ToString>AddInvocationInfo</ToString><I32>15</I32></Obj>` +
	`<B N="AddToHistory">false</B><B N="IsNested">false</B>` +
	`<Obj N="PowerShell" RefId="2"><MS><B N="IsNested">false</B><Nil N="History" /><B N="RedirectShellErrorOutputPipe">false</B>` +
	`<Obj N="Cmds" RefId="3"><LST><Obj RefId="4"><MS><S N="Cmd">ignored</S><B N="IsScript">false</B></MS></Obj></LST></Obj>` +
	`<Obj N="ExtraCmds" RefId="5"><LST>` +
	`<Obj RefId="6"><MS><Obj N="Cmds" RefId="7"><LST><Obj RefId="8"><MS><S N="cmd">Get-Item</S><B N="isscript">false</B><B N="UseLocalScope">true</B><I32 N="MergeMyResult">2</I32><I32 N="MergeToResult">1</I32>` +
	`<Obj N="args" RefId="9"><LST><Obj RefId="10"><MS><Nil N="N" /><S N="V">C:\</S></MS></Obj><Obj RefId="11"><MS><S N="N">-Force</S><Nil N="V" /></MS></Obj><Obj RefId="12"><MS><S N="N">Filter</S><S N="V">*.txt</S></MS></Obj></LST></Obj></MS></Obj>` +
	`<Obj RefId="13"><MS><S N="Cmd">Measure-Object</S><B N="IsScript">false</B></MS></Obj></LST></Obj></MS></Obj>` +
	`<Obj RefId="14"><MS><Obj N="Cmds" RefId="15"><LST><Obj RefId="16"><MS><S N="Cmd">$x = 1</S><B N="IsScript">true</B></MS></Obj></LST></Obj></MS></Obj>` +
	`</LST></Obj></MS></Obj></MS></Obj>`

func TestDecodeCreatePipelineWindows(t *testing.T) {
	m, err := DecodeCreatePipeline([]byte(createWindows))
	if err != nil {
		t.Fatal(err)
	}
	if m.NoInput || !m.AddToHistory || m.IsNested || m.ApartmentState != ApartmentUnknown || !m.Host.IsHostNull {
		t.Fatalf("flags %+v", m)
	}
	want := []Statement{{Commands: []Command{{Name: "Get-Mailbox", Args: []Argument{
		{Name: "Identity", Value: "x"},
		{Name: "ResultSize", Value: int32(10)},
		{Name: "IncludeInactive", Value: true},
	}}}}}
	if !reflect.DeepEqual(m.Statements, want) {
		t.Fatalf("statements\n%+v\nwant\n%+v", m.Statements, want)
	}
}

func TestDecodeCreatePipelinePypsrp(t *testing.T) {
	m, err := DecodeCreatePipeline([]byte(createPypsrp))
	if err != nil {
		t.Fatal(err)
	}
	if !m.NoInput || m.RemoteStreamOptions != 15 || m.ApartmentState != ApartmentUnknown {
		t.Fatalf("flags %+v", m)
	}
	yes := true
	want := []Statement{
		{Commands: []Command{
			{Name: "Get-Item", UseLocalScope: &yes, MergeMyResult: 2, MergeToResult: 1, Args: []Argument{
				{Value: `C:\`}, {Name: "Force", Switch: true}, {Name: "Filter", Value: "*.txt"},
			}},
			{Name: "Measure-Object"},
		}},
		{Commands: []Command{{Name: "$x = 1", IsScript: true}}},
	}
	if !reflect.DeepEqual(m.Statements, want) {
		t.Fatalf("statements\n%+v\nwant\n%+v", m.Statements, want)
	}
}

func TestDecodeArgument(t *testing.T) {
	arg := func(n, v string) string {
		nx, vx := `<Nil N="N" />`, `<Nil N="V" />`
		if n != "\x00" {
			nx = `<S N="N">` + n + `</S>`
		}
		if v != "\x00" {
			vx = `<S N="V">` + v + `</S>`
		}
		return `<Obj RefId="9"><MS>` + nx + vx + `</MS></Obj>`
	}
	const nilv = "\x00"
	tests := []struct {
		n, v string
		want Argument
	}{
		{nilv, "pos", Argument{Value: "pos"}},
		{"-Name:", "v", Argument{Name: "Name", Value: "v"}},
		{"-Name: ", "v", Argument{Name: "Name", Value: "v"}},
		{"-Force", nilv, Argument{Name: "Force", Switch: true}},
		{"-Name", "v", Argument{Name: "Name", Value: "v"}},
		{"Name", "v", Argument{Name: "Name", Value: "v"}},
		{"Name", nilv, Argument{Name: "Name"}},
		{"-Name:", nilv, Argument{Name: "Name"}},
	}
	for _, tc := range tests {
		xml := `<Obj RefId="0"><MS><Obj N="PowerShell" RefId="1"><MS><Obj N="Cmds" RefId="2"><LST><Obj RefId="3"><MS><S N="Cmd">C</S><Obj N="Args" RefId="4"><LST>` +
			arg(tc.n, tc.v) + `</LST></Obj></MS></Obj></LST></Obj></MS></Obj></MS></Obj>`
		m, err := DecodeCreatePipeline([]byte(xml))
		if err != nil {
			t.Fatalf("%q/%q: %v", tc.n, tc.v, err)
		}
		if got := m.Statements[0].Commands[0].Args[0]; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("N=%q V=%q: got %+v, want %+v", tc.n, tc.v, got, tc.want)
		}
	}
}

func TestCreatePipelineRoundTrip(t *testing.T) {
	no := false
	for _, in := range []CreatePipeline{
		{NoInput: false, AddToHistory: true, ApartmentState: ApartmentUnknown, RemoteStreamOptions: 15, Host: NullHost,
			Statements: []Statement{{Commands: []Command{{Name: "Get-FormatData", Args: []Argument{
				{Name: "TypeName", Value: "*"}, {Name: "PowerShellVersion", Value: "5.1"}, {Name: "Force", Switch: true}, {Value: int32(3)},
			}}, {Name: "Measure-Object"}}}}},
		{NoInput: true, IsNested: true, ApartmentState: ApartmentMTA, Host: NullHost, History: "h",
			Statements: []Statement{{Commands: []Command{{Name: "a", UseLocalScope: &no, MergeMyResult: 2, MergeToResult: 1}}}, {Commands: []Command{{Name: "b", IsScript: true}}}}},
	} {
		got, err := DecodeCreatePipeline(mustEncode(in.Marshal()))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, in) {
			t.Fatalf("round trip\n%+v\nwant\n%+v", got, in)
		}
	}
}

func TestDecodeCreatePipelineErrors(t *testing.T) {
	for name, xml := range map[string]string{
		"not xml":       `<Obj`,
		"primitive":     `<S>x</S>`,
		"no PowerShell": `<Obj RefId="0"><MS><B N="NoInput">true</B></MS></Obj>`,
		"no Cmds":       `<Obj RefId="0"><MS><Obj N="PowerShell" RefId="1"><MS /></Obj></MS></Obj>`,
		"no Cmd":        `<Obj RefId="0"><MS><Obj N="PowerShell" RefId="1"><MS><Obj N="Cmds" RefId="2"><LST><Obj RefId="3"><MS /></Obj></LST></Obj></MS></Obj></MS></Obj>`,
		"Cmds not list": `<Obj RefId="0"><MS><Obj N="PowerShell" RefId="1"><MS><S N="Cmds">x</S></MS></Obj></MS></Obj>`,
	} {
		if _, err := DecodeCreatePipeline([]byte(xml)); !errors.Is(err, ErrPayload) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// TestDecodeMergePluralNames accepts the spec's plural spelling
// (MergeMyResults/MergeToResults) besides the singular wire names.
func TestDecodeMergePluralNames(t *testing.T) {
	xml := `<Obj RefId="0"><MS><Obj N="PowerShell" RefId="1"><MS><Obj N="Cmds" RefId="2"><LST><Obj RefId="3"><MS><S N="Cmd">C</S>` +
		`<I32 N="MergeMyResults">2</I32><I32 N="MergeToResults">1</I32></MS></Obj></LST></Obj></MS></Obj></MS></Obj>`
	m, err := DecodeCreatePipeline([]byte(xml))
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Statements[0].Commands[0]; c.MergeMyResult != 2 || c.MergeToResult != 1 {
		t.Fatalf("%+v", c)
	}
}

// TestCreatePipelineSharedObjectsConcurrently encodes messages that use
// the shared enum and host objects from several goroutines (run with
// -race): the encoder must only read them, so every encoding is the same.
func TestCreatePipelineSharedObjectsConcurrently(t *testing.T) {
	m := CreatePipeline{NoInput: true, ApartmentState: ApartmentUnknown, Host: NullHost,
		Statements: []Statement{{Commands: []Command{{Name: "Get-X", Args: []Argument{{Name: "Identity", Value: "a"}}}}}}}
	want, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	init := InitRunspacePool{MinRunspaces: 1, MaxRunspaces: 1, ApartmentState: ApartmentUnknown, Host: NullHost}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				got, err := m.Marshal()
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("concurrent encoding differs (err %v)", err)
					return
				}
				if _, err := init.Marshal(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestCreatePipelineEncodeMessage checks that the one-allocation message
// encoding the queue uses equals Marshal's data under Message.Encode.
func TestCreatePipelineEncodeMessage(t *testing.T) {
	m := CreatePipeline{NoInput: true, ApartmentState: ApartmentUnknown, Host: NullHost,
		Statements: []Statement{{Commands: []Command{{Name: "Get-X", Args: []Argument{{Name: "Identity", Value: "a"}, {Name: "Force", Switch: true}}}}}}}
	msg := Message{Destination: DestinationServer, Type: MsgCreatePipeline, RPID: NewRandomWireGUID(), PID: NewRandomWireGUID(),
		Data: []byte("ignored")}
	got, err := m.encodeMessage(msg)
	if err != nil {
		t.Fatal(err)
	}
	data, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	msg.Data = data
	if want := msg.Encode(); !bytes.Equal(got, want) || cap(got) != len(got) {
		t.Fatalf("encodeMessage:\n got %q (cap %d)\nwant %q", got, cap(got), want)
	}
}
