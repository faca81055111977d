package clixml

import (
	"strings"
	"time"
)

// Value is any CLIXML value; see the package documentation for the
// permitted dynamic types.
type Value any

// Char is a UTF-16 code unit, serialized as <C>.
type Char uint16

// Decimal is a .NET System.Decimal kept in its invariant text form
// (for example "12.50"), serialized as <D>.
type Decimal string

// URI is a System.Uri, serialized as <URI>.
type URI string

// Version is a System.Version such as "2.3" or "5.1.19041.1", serialized as <Version>.
type Version string

// XMLDocument is a System.Xml.XmlDocument kept as its outer XML, serialized as <XD>.
type XMLDocument string

// ScriptBlock is the text of a script block, serialized as <SBK>.
type ScriptBlock string

// SecureString is the encrypted payload of a <SS> element: base64-decoded
// AES-256-CBC ciphertext under the session key (MS-PSRP 2.2.5.1.24).
// The clixml package never decrypts it.
type SecureString []byte

// TimeSpan is a System.TimeSpan, serialized as an xs:duration in <TS>.
type TimeSpan time.Duration

// GUID is a System.Guid in canonical (RFC 4122 text) byte order, serialized as <G>.
type GUID [16]byte

// DateTimeKind mirrors System.DateTimeKind.
type DateTimeKind uint8

// DateTimeKind values. The wire form encodes the kind: a "Z" suffix is Utc,
// an offset is Local and no suffix is Unspecified.
const (
	KindUnspecified DateTimeKind = iota
	KindUtc
	KindLocal
)

// DateTime is a System.DateTime with its Kind, serialized as <DT>, so that
// a decoded value re-encodes to the same text.
type DateTime struct {
	Time time.Time
	Kind DateTimeKind
}

// ContainerKind says which container, if any, an Object carries.
type ContainerKind uint8

// Container kinds (MS-PSRP 2.2.5.2.6).
const (
	NoContainer ContainerKind = iota
	List                      // <LST>
	Enumerable                // <IE>
	Stack                     // <STK>
	Queue                     // <QUE>
	Dictionary                // <DCT>
)

// Property is one named property of an Object.
type Property struct {
	Name  string
	Value Value
}

// Entry is one key/value pair of a Dictionary container.
type Entry struct {
	Key   Value
	Value Value
}

// Object is a complex CLIXML object (<Obj>). The zero value is an empty
// object with no type names.
//
// An Object carries at most one of an extended primitive (Primitive), a
// container (Kind with Items or Entries) and a base object (Base).
type Object struct {
	// TypeNames is the type-name chain, most derived first. Nil means the
	// object has no <TN>.
	TypeNames []string
	// ToString is the <ToString> text, or nil when absent.
	ToString *string
	// Primitive is the value of an extended primitive object, for example
	// the <I32> of an enum; nil when the object wraps no primitive.
	Primitive Value
	// Kind selects the container; Items holds List/Enumerable/Stack/Queue
	// elements and Entries holds Dictionary entries.
	Kind    ContainerKind
	Items   []Value
	Entries []Entry
	// Base is the immediate base object when the <Obj> directly contains
	// another, unnamed <Obj>: a PSObject wrapping a PSObject. PowerShell's
	// deserializer reads such a child as the base object, exactly as it
	// reads an extended primitive or a container (MS-PSRP 2.2.5.2.2), and
	// the outer object inherits the inner one's type names, ToString and
	// adapted properties when it lacks its own. Get, TypeName, AsString
	// and friends and DisplayString follow Base in the same way. Nil when
	// absent.
	Base *Object
	// Adapted holds <Props> (adapted .NET properties) in document order.
	Adapted []Property
	// Extended holds <MS> (extended and note properties) in document order.
	Extended []Property
	// MemberSet marks an object decoded from a nested <MS N="name"> inside
	// a property list: a bare property bag with no RefId. Marshal writes it
	// back as <MS N="name"> when it is a property value and carries only
	// Extended properties; otherwise it is written as an ordinary <Obj>.
	MemberSet bool
}

// isPlainMemberSet reports whether o can be written as a nested <MS>.
func (o *Object) isPlainMemberSet() bool {
	return o.TypeNames == nil && o.ToString == nil && o.Primitive == nil &&
		o.Base == nil && o.Kind == NoContainer && len(o.Adapted) == 0
}

// maxBaseChain bounds walks along Object.Base, which a caller-built value
// could make cyclic; decoded chains are acyclic and shorter than MaxDepth.
const maxBaseChain = 64

// Get returns the property called name, looking first in Extended and then
// in Adapted, then likewise in the Base chain. Matching is
// case-insensitive, as PowerShell's is.
func (o *Object) Get(name string) (Value, bool) {
	for i := 0; o != nil && i < maxBaseChain; i, o = i+1, o.Base {
		for _, p := range o.Extended {
			if strings.EqualFold(p.Name, name) {
				return p.Value, true
			}
		}
		for _, p := range o.Adapted {
			if strings.EqualFold(p.Name, name) {
				return p.Value, true
			}
		}
	}
	return nil, false
}

// Set replaces the property called name (case-insensitively, in Extended or
// Adapted, wherever it is) or appends it to Extended.
func (o *Object) Set(name string, v Value) {
	for i := range o.Extended {
		if strings.EqualFold(o.Extended[i].Name, name) {
			o.Extended[i].Value = v
			return
		}
	}
	for i := range o.Adapted {
		if strings.EqualFold(o.Adapted[i].Name, name) {
			o.Adapted[i].Value = v
			return
		}
	}
	o.Extended = append(o.Extended, Property{Name: name, Value: v})
}

// Properties returns the adapted then the extended properties, the order in
// which PowerShell lists them.
func (o *Object) Properties() []Property {
	out := make([]Property, 0, len(o.Adapted)+len(o.Extended))
	out = append(out, o.Adapted...)
	return append(out, o.Extended...)
}

// IsA reports whether the type-name chain contains name, case-insensitively,
// with or without a "Deserialized." prefix.
func (o *Object) IsA(name string) bool {
	if o == nil {
		return false
	}
	for _, t := range o.TypeNames {
		t = strings.TrimPrefix(t, "Deserialized.")
		if strings.EqualFold(t, name) {
			return true
		}
	}
	return false
}

// Str returns a pointer to s; it exists to fill Object.ToString.
func Str(s string) *string { return &s }
