package psrp

import (
	"fmt"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
)

// Argument is one decoded element of a command's Args list (MS-PSRP
// 2.2.3.13 and PowerShell's CommandParameter): Name is empty for a
// positional value; Switch is true for "-Name" given without a value.
// SwitchParameter objects arrive as bool values.
type Argument struct {
	Name   string
	Value  clixml.Value
	Switch bool
}

// Command is one command of a statement (MS-PSRP 2.2.3.12).
type Command struct {
	Name     string
	IsScript bool
	// UseLocalScope is nil when the client sent Nil.
	UseLocalScope *bool
	Args          []Argument
	// Merge* are PipelineResultTypes values; zero means None.
	MergeMyResult, MergeToResult, MergePreviousResults int32
}

// Statement is one pipeline: commands run left to right.
type Statement struct{ Commands []Command }

// CreatePipeline is the CREATE_PIPELINE message (MS-PSRP 2.2.2.10).
type CreatePipeline struct {
	// NoInput false means the client will send PIPELINE_INPUT messages and
	// then END_OF_PIPELINE_INPUT; the server must not complete before that.
	NoInput             bool
	AddToHistory        bool
	IsNested            bool
	ApartmentState      int32
	RemoteStreamOptions int32
	Host                HostInfo
	// Statements holds ExtraCmds when the client sent them, else the single
	// statement of Cmds.
	Statements []Statement
	History    string
}

const pipelineResultTypes = "System.Management.Automation.Runspaces.PipelineResultTypes"

var (
	psobjectListTypes = []string{"System.Collections.Generic.List`1[[System.Management.Automation.PSObject, System.Management.Automation, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]", "System.Object"}
	resultTypeNames   = map[int32]string{0: "None", 1: "Output", 2: "Error", 3: "Warning", 4: "Verbose", 5: "Debug", 6: "Information", 7: "All", 8: "Null"}
)

func resultEnum(v int32) *clixml.Object {
	return clixml.NewEnum(pipelineResultTypes, v, resultTypeNames[v])
}

// resultEnumTypes and resultEnumNames serve resultEnumAt: the type chain
// is shared by every PipelineResultTypes object a CREATE_PIPELINE
// encoding builds, which writes the same bytes as a copy per object (the
// encoder only reads TypeNames and matches chains by content), and the
// names are addressable for ToString.
var (
	resultEnumTypes = []string{pipelineResultTypes, "System.Enum", "System.ValueType", "System.Object"}
	resultEnumNames = [...]string{"None", "Output", "Error", "Warning", "Verbose", "Debug", "Information", "All", "Null"}
)

// resultEnumAt sets *o to what resultEnum(v) returns and returns o, so a
// command's eight merge enums take one allocation instead of 24. The
// object is for encoding only: it shares read-only parts with others.
func resultEnumAt(o *clixml.Object, v int32) *clixml.Object {
	if v < 0 || int(v) >= len(resultEnumNames) {
		return resultEnum(v)
	}
	*o = clixml.Object{TypeNames: resultEnumTypes, ToString: &resultEnumNames[v], Primitive: v}
	return o
}

// commandObject holds the objects of one command's encoding, so that
// they take one allocation: the command, its properties, its eight merge
// enums (distinct objects: the encoder writes a repeated pointer as
// <Ref>) and its argument list.
type commandObject struct {
	cmd   clixml.Object
	props [12]clixml.Property
	enums [8]clixml.Object
	args  clixml.Object
}

// argObject is one argument's {N, V} object and its properties.
type argObject struct {
	obj   clixml.Object
	props [2]clixml.Property
}

func (c Command) object() *clixml.Object {
	args := make([]clixml.Value, len(c.Args))
	objs := make([]argObject, len(c.Args))
	for i, a := range c.Args {
		var n clixml.Value
		v := a.Value
		switch {
		case a.Name == "":
		case a.Switch:
			// "-Name" with a Nil value is a present switch (token form).
			n, v = "-"+a.Name, nil
		default:
			n = a.Name
		}
		ao := &objs[i]
		ao.props = [2]clixml.Property{prop("N", n), prop("V", v)}
		ao.obj.Extended = ao.props[:]
		args[i] = &ao.obj
	}
	var scope clixml.Value
	if c.UseLocalScope != nil {
		scope = *c.UseLocalScope
	}
	co := new(commandObject)
	co.args = clixml.Object{TypeNames: psobjectListTypes, Kind: clixml.List, Items: args}
	co.props = [...]clixml.Property{
		prop("Cmd", c.Name),
		prop("IsScript", c.IsScript),
		prop("UseLocalScope", scope),
		prop("MergeMyResult", resultEnumAt(&co.enums[0], c.MergeMyResult)),
		prop("MergeToResult", resultEnumAt(&co.enums[1], c.MergeToResult)),
		prop("MergePreviousResults", resultEnumAt(&co.enums[2], c.MergePreviousResults)),
		prop("MergeError", resultEnumAt(&co.enums[3], 0)),
		prop("MergeWarning", resultEnumAt(&co.enums[4], 0)),
		prop("MergeVerbose", resultEnumAt(&co.enums[5], 0)),
		prop("MergeDebug", resultEnumAt(&co.enums[6], 0)),
		prop("MergeInformation", resultEnumAt(&co.enums[7], 0)),
		prop("Args", &co.args),
	}
	co.cmd.Extended = co.props[:]
	return &co.cmd
}

// remoteStreamOptionsEnum returns the RemoteStreamOptions enum for v;
// the usual 0 is built once (see apartmentEnums).
func remoteStreamOptionsEnum(v int32) *clixml.Object {
	if v == 0 {
		return remoteStreamOptionsNone
	}
	return clixml.NewEnum(remoteStreamOptionsType, v, "")
}

const remoteStreamOptionsType = "System.Management.Automation.RemoteStreamOptions"

var remoteStreamOptionsNone = clixml.NewEnum(remoteStreamOptionsType, 0, "")

func cmdList(cmds []Command) *clixml.Object {
	items := make([]clixml.Value, len(cmds))
	for i, c := range cmds {
		items[i] = c.object()
	}
	return &clixml.Object{TypeNames: psobjectListTypes, Kind: clixml.List, Items: items} // TypeNames shared: read only
}

// Marshal encodes m in the shape Windows PowerShell writes. With more than
// one statement, Cmds holds the first and ExtraCmds all of them.
func (m CreatePipeline) Marshal() ([]byte, error) { return marshal(m.object()) }

// encodeMessage implements messageEncoder: msg's header followed by
// Marshal's data, in one allocation.
func (m CreatePipeline) encodeMessage(msg Message) ([]byte, error) {
	var hdr [HeaderSize]byte
	msg.Data = nil
	b, err := clixml.MarshalWithPrefix(msg.Append(hdr[:0]), m.object())
	if err != nil {
		return nil, fmt.Errorf("psrp: encode message data: %w", err)
	}
	return b, nil
}

// object builds m's object for encoding.
func (m CreatePipeline) object() *clixml.Object {
	var first []Command
	if len(m.Statements) > 0 {
		first = m.Statements[0].Commands
	}
	var extra clixml.Value
	if len(m.Statements) > 1 {
		stmts := make([]clixml.Value, len(m.Statements))
		for i, s := range m.Statements {
			stmts[i] = msObject(prop("Cmds", cmdList(s.Commands)))
		}
		extra = &clixml.Object{TypeNames: psobjectListTypes, Kind: clixml.List, Items: stmts}
	}
	ps := msObject(
		prop("Cmds", cmdList(first)),
		prop("IsNested", m.IsNested),
		prop("History", nilIfEmpty(m.History)),
		prop("RedirectShellErrorOutputPipe", true),
	)
	if extra != nil {
		ps.Extended = append(ps.Extended, prop("ExtraCmds", extra))
	}
	return msObject(
		prop("NoInput", m.NoInput),
		prop("ApartmentState", apartmentEnum(m.ApartmentState)),
		prop("RemoteStreamOptions", remoteStreamOptionsEnum(m.RemoteStreamOptions)),
		prop("AddToHistory", m.AddToHistory),
		prop("HostInfo", m.Host.object()),
		prop("PowerShell", ps),
		prop("IsNested", m.IsNested),
	)
}

// DecodeCreatePipeline decodes CREATE_PIPELINE data in any property order
// and case, tolerating the singular MergeMyResult/MergeToResult names and
// either RemoteStreamOptions type name. PowerShell is required; a command
// without Cmd is an error.
func DecodeCreatePipeline(data []byte) (CreatePipeline, error) {
	const t = MsgCreatePipeline
	o, err := decodeObject(t, data)
	if err != nil {
		return CreatePipeline{}, err
	}
	f := fields{t: t, o: o}
	m := CreatePipeline{
		NoInput:             f.bool("NoInput", false),
		AddToHistory:        f.bool("AddToHistory", false),
		IsNested:            f.bool("IsNested", false),
		ApartmentState:      ApartmentUnknown,
		RemoteStreamOptions: int32(f.int("RemoteStreamOptions", false)),
	}
	if _, ok := o.Get("ApartmentState"); ok {
		m.ApartmentState = int32(f.int("ApartmentState", false))
	}
	hv, _ := o.Get("HostInfo")
	m.Host, _ = decodeHostInfo(t, hv)
	psv, _ := f.get("PowerShell", true)
	ps, _ := psv.(*clixml.Object)
	if ps == nil {
		if f.err == nil {
			f.fail("PowerShell", errWrongType)
		}
		return m, f.err
	}
	pf := fields{t: t, o: ps}
	if pf.bool("IsNested", false) {
		m.IsNested = true
	}
	m.History = pf.str("History", false)
	if extra, ok := ps.Get("ExtraCmds"); ok && extra != nil {
		stmts, ok := clixml.AsList(extra)
		if !ok {
			return m, &PayloadError{Type: t, Field: "PowerShell.ExtraCmds", Err: errWrongType}
		}
		for i, sv := range stmts {
			so, _ := sv.(*clixml.Object)
			cv, ok := so.Get("Cmds")
			if !ok {
				return m, &PayloadError{Type: t, Field: fmt.Sprintf("PowerShell.ExtraCmds[%d].Cmds", i), Err: errMissing}
			}
			st, err := decodeCommands(cv, fmt.Sprintf("PowerShell.ExtraCmds[%d]", i))
			if err != nil {
				return m, err
			}
			m.Statements = append(m.Statements, st)
		}
	} else {
		cv, ok := ps.Get("Cmds")
		if !ok {
			return m, &PayloadError{Type: t, Field: "PowerShell.Cmds", Err: errMissing}
		}
		st, err := decodeCommands(cv, "PowerShell")
		if err != nil {
			return m, err
		}
		m.Statements = []Statement{st}
	}
	if f.err == nil {
		f.err = pf.err
	}
	return m, f.err
}

func decodeCommands(v clixml.Value, path string) (Statement, error) {
	const t = MsgCreatePipeline
	items, ok := clixml.AsList(v)
	if !ok {
		return Statement{}, &PayloadError{Type: t, Field: path + ".Cmds", Err: errWrongType}
	}
	var st Statement
	for i, it := range items {
		co, ok := it.(*clixml.Object)
		if !ok || co == nil {
			return st, &PayloadError{Type: t, Field: fmt.Sprintf("%s.Cmds[%d]", path, i), Err: errWrongType}
		}
		cf := fields{t: t, o: co}
		c := Command{
			Name:                 cf.str("Cmd", true),
			IsScript:             cf.bool("IsScript", false),
			MergeMyResult:        int32(cf.int("MergeMyResult", false)),
			MergeToResult:        int32(cf.int("MergeToResult", false)),
			MergePreviousResults: int32(cf.int("MergePreviousResults", false)),
		}
		if c.MergeMyResult == 0 {
			c.MergeMyResult = int32(cf.int("MergeMyResults", false))
		}
		if c.MergeToResult == 0 {
			c.MergeToResult = int32(cf.int("MergeToResults", false))
		}
		if sv, ok := co.Get("UseLocalScope"); ok && sv != nil {
			if b, ok := clixml.AsBool(sv); ok {
				c.UseLocalScope = &b
			}
		}
		if cf.err != nil {
			pe := cf.err.(*PayloadError)
			pe.Field = fmt.Sprintf("%s.Cmds[%d].%s", path, i, pe.Field)
			return st, pe
		}
		if av, ok := co.Get("Args"); ok && av != nil {
			args, ok := clixml.AsList(av)
			if !ok {
				return st, &PayloadError{Type: t, Field: fmt.Sprintf("%s.Cmds[%d].Args", path, i), Err: errWrongType}
			}
			for _, a := range args {
				c.Args = append(c.Args, decodeArgument(a))
			}
		}
		st.Commands = append(st.Commands, c)
	}
	return st, nil
}

// decodeArgument applies PowerShell's CommandParameter rules (MS-PSRP
// 2.2.3.13): N Nil → positional; N "-X:" → named; N "-X" with V Nil →
// switch; N without "-" → named. SwitchParameter values become bool.
func decodeArgument(v clixml.Value) Argument {
	o, _ := v.(*clixml.Object)
	var nv, vv clixml.Value
	if o != nil {
		nv, _ = o.Get("N")
		vv, _ = o.Get("V")
	} else {
		vv = v
	}
	if so, ok := vv.(*clixml.Object); ok && so.IsA(clixml.TypeSwitchParameter) {
		if b, ok := clixml.AsBool(so); ok {
			vv = b
		}
	}
	name, isStr := nv.(string)
	if nv == nil || !isStr {
		return Argument{Value: vv}
	}
	if !strings.HasPrefix(name, "-") {
		return Argument{Name: name, Value: vv}
	}
	name = strings.TrimRight(name, " \t\r\n")
	name = strings.TrimPrefix(name, "-")
	colon := strings.HasSuffix(name, ":")
	name = strings.TrimSuffix(name, ":")
	if !colon && vv == nil {
		return Argument{Name: name, Switch: true}
	}
	return Argument{Name: name, Value: vv}
}
