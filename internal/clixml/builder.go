package clixml

// Well-known type-name chains used by the builders. Callers must not modify
// the slices; the builders copy them.
var (
	pscustomObjectTypes = []string{"System.Management.Automation.PSCustomObject", "System.Object"}
	objectArrayTypes    = []string{"System.Object[]", "System.Array", "System.Object"}
	stringArrayTypes    = []string{"System.String[]", "System.Array", "System.Object"}
	hashtableTypes      = []string{"System.Collections.Hashtable", "System.Object"}
	primitiveDictTypes  = []string{"System.Management.Automation.PSPrimitiveDictionary", "System.Collections.Hashtable", "System.Object"}
)

// Type names used by the builders and recognised by the accessors.
const (
	TypePSCustomObject  = "System.Management.Automation.PSCustomObject"
	TypeHashtable       = "System.Collections.Hashtable"
	TypePSPrimitiveDict = "System.Management.Automation.PSPrimitiveDictionary"
	TypeSwitchParameter = "System.Management.Automation.SwitchParameter"
	TypeEnum            = "System.Enum"
	deserializedPrefix  = "Deserialized."
)

func chain(names []string) []string { return append([]string(nil), names...) }

// NewPSCustomObject returns a PSCustomObject (TN
// System.Management.Automation.PSCustomObject, System.Object) whose note
// properties (<MS>) are props, in order. props is copied.
func NewPSCustomObject(props ...Property) *Object {
	return &Object{TypeNames: chain(pscustomObjectTypes), Extended: append([]Property(nil), props...)}
}

// NewTypedObject returns an object with the given type-name chain (most
// derived first) and note properties props; both slices are copied. It is
// the shape of most records PSRP sends (ErrorRecord, CmdletInfo, ...).
func NewTypedObject(typeNames []string, props ...Property) *Object {
	return &Object{TypeNames: chain(typeNames), Extended: append([]Property(nil), props...)}
}

// NewEnum returns an enum value as PowerShell serializes it: TN typeName,
// System.Enum, System.ValueType, System.Object; ToString name; and an
// extended primitive <I32>value</I32>. An empty name is replaced by the
// decimal value, which is what .NET prints for undefined values.
func NewEnum(typeName string, value int32, name string) *Object {
	if name == "" {
		name = formatInt(int64(value))
	}
	return &Object{
		TypeNames: []string{typeName, "System.Enum", "System.ValueType", "System.Object"},
		ToString:  Str(name),
		Primitive: value,
	}
}

// NewList returns an object[] (TN System.Object[], System.Array,
// System.Object) holding items in an <LST>. items is copied.
func NewList(items ...Value) *Object {
	return &Object{TypeNames: chain(objectArrayTypes), Kind: List, Items: append([]Value(nil), items...)}
}

// NewStringList returns a string[] (TN System.String[], System.Array,
// System.Object) whose <LST> holds one <S> per element of items.
func NewStringList(items ...string) *Object {
	vs := make([]Value, len(items))
	for i, s := range items {
		vs[i] = s
	}
	return &Object{TypeNames: chain(stringArrayTypes), Kind: List, Items: vs}
}

// NewHashtable returns a Hashtable (TN System.Collections.Hashtable,
// System.Object) whose <DCT> holds entries in order. entries is copied.
func NewHashtable(entries ...Entry) *Object {
	return &Object{TypeNames: chain(hashtableTypes), Kind: Dictionary, Entries: append([]Entry(nil), entries...)}
}

// NewPSPrimitiveDictionary returns a PSPrimitiveDictionary (TN
// System.Management.Automation.PSPrimitiveDictionary,
// System.Collections.Hashtable, System.Object), the type of
// ApplicationArguments and ApplicationPrivateData (MS-PSRP 2.2.3.18).
func NewPSPrimitiveDictionary(entries ...Entry) *Object {
	return &Object{TypeNames: chain(primitiveDictTypes), Kind: Dictionary, Entries: append([]Entry(nil), entries...)}
}
