package format

import (
	"strings"

	"github.com/ipps/ipps/internal/clixml"
)

// EnumerationLimit is PowerShell's $FormatEnumerationLimit: how many items
// of a collection a table or list cell shows before "...".
const EnumerationLimit = 4

// Cell returns the text of v as a table or list cell: collections print as
// {a, b, c, d...} (at most EnumerationLimit items), everything else as
// clixml.DisplayString.
func Cell(v clixml.Value) string {
	if items, ok := listItems(v); ok {
		var b strings.Builder
		b.WriteByte('{')
		for i, it := range items {
			if i == EnumerationLimit {
				b.WriteString("...")
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(clixml.DisplayString(it))
		}
		b.WriteByte('}')
		return b.String()
	}
	return clixml.DisplayString(v)
}

// listItems returns the items of a collection value (an object with a
// list container and no ToString of its own, or a Go slice).
func listItems(v clixml.Value) ([]clixml.Value, bool) {
	switch x := v.(type) {
	case []clixml.Value:
		return x, true
	case *clixml.Object:
		if x != nil && x.Kind != clixml.NoContainer && x.Kind != clixml.Dictionary {
			return x.Items, true
		}
	}
	return nil, false
}

// Unroll flattens top-level collections the way the PowerShell pipeline
// enumerates them; other values are returned as a one-element slice.
func Unroll(v clixml.Value) []clixml.Value {
	if items, ok := listItems(v); ok {
		return items
	}
	return []clixml.Value{v}
}

// isNumeric reports whether v is a number, which tables right-align.
func isNumeric(v clixml.Value) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64, clixml.Decimal:
		return true
	}
	return false
}

// Property is a named value of a displayed object.
type Property = clixml.Property

// Properties returns the properties PowerShell would display for v: an
// object's adapted then extended properties, or a dictionary's entries as
// Name/Value pairs. Scalars and enums have none.
func Properties(v clixml.Value) []Property {
	o, ok := v.(*clixml.Object)
	if !ok || o == nil || o.Primitive != nil {
		return nil
	}
	if o.Kind == clixml.Dictionary {
		return nil
	}
	return o.Properties()
}

// isScalar reports whether v prints as a single line rather than as a
// table or list: primitives, enums and objects without properties.
func isScalar(v clixml.Value) bool {
	if o, ok := v.(*clixml.Object); ok && o != nil && o.Kind == clixml.Dictionary {
		return false
	}
	return len(Properties(v)) == 0
}

// dictRows turns a Dictionary object into Name/Value rows, the way
// PowerShell displays a hashtable.
func dictRows(o *clixml.Object) []*clixml.Object {
	rows := make([]*clixml.Object, 0, len(o.Entries))
	for _, e := range o.Entries {
		rows = append(rows, &clixml.Object{
			TypeNames: []string{"System.Collections.DictionaryEntry"},
			Extended:  []Property{{Name: "Name", Value: clixml.DisplayString(e.Key)}, {Name: "Value", Value: e.Value}},
		})
	}
	return rows
}
