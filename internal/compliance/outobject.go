package compliance

import (
	"time"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/storage"
)

// Output objects are built with few allocations, because a Get cmdlet
// builds one per object it returns: each object's property slice is
// allocated once at its final size, the string lists it holds come from
// one slab, and type-name chains are shared.
//
// Shared chains are read-only. Nothing downstream writes to an output
// object's TypeNames in place (the serializer keys <TN> by content, and
// code that adds a type name builds a new slice), so sharing one is
// invisible on the wire. Every list and object is still its own *Object:
// the serializer writes a pointer met twice as <Ref>, so two properties
// must never share one.

// Type-name chains of output objects.
var (
	stringArrayChain = []string{"System.String[]", "System.Array", "System.Object"}
	policyChain      = adObjectChain(TypePolicy)
	tagChain         = adObjectChain(TypeTag)
)

func adObjectChain(typeName string) []string {
	return []string{typeName, "Microsoft.Exchange.Data.Directory.ADObject", "Microsoft.Exchange.Data.ConfigurableObject", "System.Object"}
}

// baseProps is how many properties base adds.
const baseProps = 10

// outObject is an output object with its ToString text in one
// allocation.
type outObject struct {
	obj  clixml.Object
	name string
}

// newOut returns an object of the shared chain (which must be one of
// this file's chains) whose ToString is name and whose properties are
// props, not copied.
func newOut(chain []string, name string, props []clixml.Property) *clixml.Object {
	o := &outObject{obj: clixml.Object{TypeNames: chain, Extended: props}, name: name}
	o.obj.ToString = &o.name
	return &o.obj
}

// listSlab hands out string-list objects from one allocation.
type listSlab []clixml.Object

// list returns the next list of the slab holding items, as
// clixml.NewStringList would build it.
func (s *listSlab) list(items []string) *clixml.Object {
	o := &(*s)[0]
	*s = (*s)[1:]
	vs := make([]clixml.Value, len(items))
	for i, it := range items {
		vs[i] = it
	}
	*o = clixml.Object{TypeNames: stringArrayChain, Kind: clixml.List, Items: vs}
	return o
}

// appendBase appends the properties every Exchange object carries; name
// is o.Name, boxed once by the caller.
func appendBase(props []clixml.Property, o storage.Object, name clixml.Value) []clixml.Property {
	created, modified := dt(o.CreatedAt), dt(o.ModifiedAt)
	return append(props,
		clixml.Property{Name: "Identity", Value: o.ID},
		clixml.Property{Name: "Guid", Value: guid(o.ID)},
		clixml.Property{Name: "DistinguishedName", Value: dn(o)},
		clixml.Property{Name: "Id", Value: name},
		clixml.Property{Name: "IsValid", Value: true},
		clixml.Property{Name: "ObjectState", Value: "Unchanged"},
		clixml.Property{Name: "WhenCreated", Value: created},
		clixml.Property{Name: "WhenChanged", Value: modified},
		clixml.Property{Name: "WhenCreatedUTC", Value: created},
		clixml.Property{Name: "WhenChangedUTC", Value: modified},
	)
}

// base returns the properties every Exchange object carries.
func base(o storage.Object) []clixml.Property {
	return appendBase(make([]clixml.Property, 0, baseProps), o, o.Name)
}

// dn is the DistinguishedName of an object.
func dn(o storage.Object) string {
	return "CN=" + o.ID + ",CN=" + o.Kind + "s,CN=ConfigurationUnits,OU=" + o.TenantID
}

func dt(t time.Time) clixml.Value {
	if t.IsZero() {
		return nil
	}
	return clixml.DateTime{Time: t.UTC(), Kind: clixml.KindUtc}
}
