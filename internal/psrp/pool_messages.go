package psrp

import (
	"fmt"

	"github.com/ipps/ipps/internal/clixml"
)

// RunspacePoolState is the RunspaceState of RUNSPACEPOOL_STATE
// (MS-PSRP 2.2.3.4).
type RunspacePoolState int32

// RunspacePool states (MS-PSRP numbering).
const (
	PoolBeforeOpen           RunspacePoolState = 0
	PoolOpening              RunspacePoolState = 1
	PoolOpened               RunspacePoolState = 2
	PoolClosed               RunspacePoolState = 3
	PoolClosing              RunspacePoolState = 4
	PoolBroken               RunspacePoolState = 5
	PoolNegotiationSent      RunspacePoolState = 6
	PoolNegotiationSucceeded RunspacePoolState = 7
	PoolConnecting           RunspacePoolState = 8
	PoolDisconnected         RunspacePoolState = 9
)

var poolStateNames = [...]string{"BeforeOpen", "Opening", "Opened", "Closed", "Closing", "Broken",
	"NegotiationSent", "NegotiationSucceeded", "Connecting", "Disconnected"}

func (s RunspacePoolState) String() string {
	if s >= 0 && int(s) < len(poolStateNames) {
		return poolStateNames[s]
	}
	return fmt.Sprintf("RunspacePoolState(%d)", int32(s))
}

// HostInfo is the host description in INIT_RUNSPACEPOOL and
// CREATE_PIPELINE (MS-PSRP 2.2.3.14). The wire names carry a leading "_".
type HostInfo struct {
	IsHostNull, IsHostUINull, IsHostRawUINull, UseRunspaceHost bool
	// DefaultData is the raw _hostDefaultData object, or nil; it is
	// carried, not interpreted.
	DefaultData clixml.Value
}

// NullHost is the HostInfo of a client without a host (pypsrp's default
// and what ipps sends): all four flags true, no data.
var NullHost = HostInfo{IsHostNull: true, IsHostUINull: true, IsHostRawUINull: true, UseRunspaceHost: true}

func (h HostInfo) object() *clixml.Object {
	if h.IsHostNull && h.IsHostUINull && h.IsHostRawUINull && h.UseRunspaceHost && h.DefaultData == nil {
		return nullHostObject
	}
	return h.newObject()
}

// nullHostObject is the object of a HostInfo with all four flags and no
// data (NullHost), built once. Like apartmentEnums it is for encoding
// only and appears once per message.
var nullHostObject = HostInfo{IsHostNull: true, IsHostUINull: true, IsHostRawUINull: true, UseRunspaceHost: true}.newObject()

// newObject builds h's object.
func (h HostInfo) newObject() *clixml.Object {
	o := msObject()
	if h.DefaultData != nil {
		o.Extended = append(o.Extended, prop("_hostDefaultData", h.DefaultData))
	}
	o.Extended = append(o.Extended,
		prop("_isHostNull", h.IsHostNull),
		prop("_isHostUINull", h.IsHostUINull),
		prop("_isHostRawUINull", h.IsHostRawUINull),
		prop("_useRunspaceHost", h.UseRunspaceHost),
	)
	return o
}

func decodeHostInfo(t MessageType, v clixml.Value) (HostInfo, error) {
	o, ok := v.(*clixml.Object)
	if !ok || o == nil {
		return NullHost, nil
	}
	f := fields{t: t, o: o}
	h := HostInfo{
		IsHostNull:      f.bool("_isHostNull", false),
		IsHostUINull:    f.bool("_isHostUINull", false),
		IsHostRawUINull: f.bool("_isHostRawUINull", false),
		UseRunspaceHost: f.bool("_useRunspaceHost", false),
	}
	h.DefaultData, _ = o.Get("_hostDefaultData")
	return h, f.err
}

// PSThreadOptions and ApartmentState values (MS-PSRP 2.2.3.6, 2.2.3.7).
const (
	ThreadOptionsDefault int32 = 0
	ApartmentSTA         int32 = 0
	ApartmentMTA         int32 = 1
	ApartmentUnknown     int32 = 2
)

var apartmentNames = [...]string{"STA", "MTA", "Unknown"}
var threadOptionNames = [...]string{"Default", "UseNewThread", "ReuseThread", "UseCurrentThread"}

func enumName(names []string, v int32) string {
	if v >= 0 && int(v) < len(names) {
		return names[v]
	}
	return ""
}

func apartmentEnum(v int32) *clixml.Object {
	if v >= 0 && int(v) < len(apartmentEnums) {
		return apartmentEnums[v]
	}
	return clixml.NewEnum("System.Threading.ApartmentState", v, enumName(apartmentNames[:], v))
}

// apartmentEnums are the named ApartmentState enums, built once. They are
// for encoding only, which reads them, and appear once per message (the
// encoder writes a repeated pointer as <Ref>).
var apartmentEnums = func() (e [len(apartmentNames)]*clixml.Object) {
	for i, n := range apartmentNames {
		e[i] = clixml.NewEnum("System.Threading.ApartmentState", int32(i), n)
	}
	return e
}()

// InitRunspacePool is the INIT_RUNSPACEPOOL message (MS-PSRP 2.2.2.2).
type InitRunspacePool struct {
	MinRunspaces, MaxRunspaces int32
	ThreadOptions              int32
	ApartmentState             int32
	Host                       HostInfo
	// ApplicationArguments is the client's PSPrimitiveDictionary, or nil.
	ApplicationArguments clixml.Value
}

// Marshal encodes m as message data, in the property order Windows uses.
func (m InitRunspacePool) Marshal() ([]byte, error) {
	return marshal(msObject(
		prop("MinRunspaces", m.MinRunspaces),
		prop("MaxRunspaces", m.MaxRunspaces),
		prop("PSThreadOptions", clixml.NewEnum("System.Management.Automation.Runspaces.PSThreadOptions", m.ThreadOptions, enumName(threadOptionNames[:], m.ThreadOptions))),
		prop("ApartmentState", apartmentEnum(m.ApartmentState)),
		prop("HostInfo", m.Host.object()),
		prop("ApplicationArguments", m.ApplicationArguments),
	))
}

// DecodeInitRunspacePool decodes INIT_RUNSPACEPOOL data in any property
// order and case. Min/MaxRunspaces are required; the rest default.
func DecodeInitRunspacePool(data []byte) (InitRunspacePool, error) {
	o, err := decodeObject(MsgInitRunspacePool, data)
	if err != nil {
		return InitRunspacePool{}, err
	}
	f := fields{t: MsgInitRunspacePool, o: o}
	m := InitRunspacePool{
		MinRunspaces:   int32(f.int("MinRunspaces", true)),
		MaxRunspaces:   int32(f.int("MaxRunspaces", true)),
		ThreadOptions:  int32(f.int("PSThreadOptions", false)),
		ApartmentState: ApartmentUnknown,
	}
	if _, ok := o.Get("ApartmentState"); ok {
		m.ApartmentState = int32(f.int("ApartmentState", false))
	}
	hv, _ := o.Get("HostInfo")
	if m.Host, err = decodeHostInfo(MsgInitRunspacePool, hv); err != nil && f.err == nil {
		f.err = err
	}
	m.ApplicationArguments, _ = o.Get("ApplicationArguments")
	return m, f.err
}

// RunspacePoolStateInfo is the RUNSPACEPOOL_STATE message (MS-PSRP
// 2.2.2.9). Error is set only for Broken (and optionally Closed) states.
type RunspacePoolStateInfo struct {
	State RunspacePoolState
	Error *ErrorRecord
}

// Marshal encodes s as message data.
func (s RunspacePoolStateInfo) Marshal() ([]byte, error) {
	o := msObject(prop("RunspaceState", int32(s.State)))
	if s.Error != nil {
		o.Extended = append(o.Extended, prop("ExceptionAsErrorRecord", s.Error.Object(false)))
	}
	return marshal(o)
}

// DecodeRunspacePoolState decodes RUNSPACEPOOL_STATE data.
func DecodeRunspacePoolState(data []byte) (RunspacePoolStateInfo, error) {
	o, err := decodeObject(MsgRunspacePoolState, data)
	if err != nil {
		return RunspacePoolStateInfo{}, err
	}
	f := fields{t: MsgRunspacePoolState, o: o}
	s := RunspacePoolStateInfo{State: RunspacePoolState(f.int("RunspaceState", true))}
	if ev, ok := o.Get("ExceptionAsErrorRecord"); ok && ev != nil {
		if s.Error, err = DecodeErrorRecord(ev); err != nil && f.err == nil {
			f.err = err
		}
	}
	return s, f.err
}

// RunspacePoolInitData is RUNSPACEPOOL_INIT_DATA, and the optional body of
// CONNECT_RUNSPACEPOOL (MS-PSRP 2.2.2.13, 2.2.2.26).
type RunspacePoolInitData struct{ MinRunspaces, MaxRunspaces int32 }

// Marshal encodes d as message data.
func (d RunspacePoolInitData) Marshal() ([]byte, error) {
	return marshal(msObject(prop("MinRunspaces", d.MinRunspaces), prop("MaxRunspaces", d.MaxRunspaces)))
}

// DecodeRunspacePoolInitData decodes RUNSPACEPOOL_INIT_DATA (t) or
// CONNECT_RUNSPACEPOOL data; for the latter an empty <S/> body yields
// zero values and ok=false.
func DecodeRunspacePoolInitData(t MessageType, data []byte) (d RunspacePoolInitData, ok bool, err error) {
	v, err := decodeValue(t, data)
	if err != nil {
		return d, false, err
	}
	o, isObj := v.(*clixml.Object)
	if !isObj || o == nil {
		return d, false, nil
	}
	f := fields{t: t, o: o}
	d = RunspacePoolInitData{MinRunspaces: int32(f.int("MinRunspaces", true)), MaxRunspaces: int32(f.int("MaxRunspaces", true))}
	return d, f.err == nil, f.err
}

// SetRunspaces is SET_MAX_RUNSPACES or SET_MIN_RUNSPACES (MS-PSRP
// 2.2.2.6, 2.2.2.7); Max selects which.
type SetRunspaces struct {
	Max    bool
	Count  int32
	CallID int64
}

func (s SetRunspaces) name() string {
	if s.Max {
		return "MaxRunspaces"
	}
	return "MinRunspaces"
}

// MessageType returns SET_MAX_RUNSPACES or SET_MIN_RUNSPACES.
func (s SetRunspaces) MessageType() MessageType {
	if s.Max {
		return MsgSetMaxRunspaces
	}
	return MsgSetMinRunspaces
}

// Marshal encodes s as message data.
func (s SetRunspaces) Marshal() ([]byte, error) {
	return marshal(msObject(prop(s.name(), s.Count), prop("ci", s.CallID)))
}

// DecodeSetRunspaces decodes SET_MAX_RUNSPACES or SET_MIN_RUNSPACES data
// according to t. "ci" is matched case-insensitively (pypsrp sends "CI").
func DecodeSetRunspaces(t MessageType, data []byte) (SetRunspaces, error) {
	o, err := decodeObject(t, data)
	if err != nil {
		return SetRunspaces{}, err
	}
	s := SetRunspaces{Max: t == MsgSetMaxRunspaces}
	f := fields{t: t, o: o}
	s.Count = int32(f.int(s.name(), true))
	s.CallID = f.int("ci", true)
	return s, f.err
}

// EncodeCallID encodes the body of GET_AVAILABLE_RUNSPACES and
// RESET_RUNSPACE_STATE: MS{I64 ci}.
func EncodeCallID(ci int64) ([]byte, error) { return marshal(msObject(prop("ci", ci))) }

// DecodeCallID decodes GET_AVAILABLE_RUNSPACES or RESET_RUNSPACE_STATE
// data (MS-PSRP 2.2.2.11, 2.2.2.31).
func DecodeCallID(t MessageType, data []byte) (int64, error) {
	o, err := decodeObject(t, data)
	if err != nil {
		return 0, err
	}
	f := fields{t: t, o: o}
	ci := f.int("ci", true)
	return ci, f.err
}

// RunspaceAvailability is RUNSPACE_AVAILABILITY (MS-PSRP 2.2.2.8): a bool
// answering SET_MAX/SET_MIN/RESET, or a count answering
// GET_AVAILABLE_RUNSPACES.
type RunspaceAvailability struct {
	CallID int64
	// IsCount selects Available (I64) over OK (B).
	IsCount   bool
	OK        bool
	Available int64
}

// Marshal encodes a as message data.
func (a RunspaceAvailability) Marshal() ([]byte, error) {
	var v clixml.Value = a.OK
	if a.IsCount {
		v = a.Available
	}
	return marshal(msObject(prop("SetMinMaxRunspacesResponse", v), prop("ci", a.CallID)))
}

// DecodeRunspaceAvailability decodes RUNSPACE_AVAILABILITY data; any
// integer type counts as a count (Windows sends I32).
func DecodeRunspaceAvailability(data []byte) (RunspaceAvailability, error) {
	o, err := decodeObject(MsgRunspaceAvailability, data)
	if err != nil {
		return RunspaceAvailability{}, err
	}
	f := fields{t: MsgRunspaceAvailability, o: o}
	a := RunspaceAvailability{CallID: f.int("ci", true)}
	v, _ := f.get("SetMinMaxRunspacesResponse", true)
	if b, ok := v.(bool); ok {
		a.OK = b
	} else if n, ok := clixml.AsInt64(v); ok {
		a.IsCount, a.Available = true, n
	} else if f.err == nil {
		f.fail("SetMinMaxRunspacesResponse", errWrongType)
	}
	return a, f.err
}
