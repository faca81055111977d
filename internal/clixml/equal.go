package clixml

import (
	"bytes"
	"math"
	"slices"
)

// Equal reports whether a and b are deeply equal CLIXML values: the same
// dynamic types holding equal primitives, and objects with equal type
// names (nil and empty alike), ToString, primitive, base object, container kind, items,
// entries and properties in order, and the same MemberSet flag.
//
// Float NaNs equal each other; DateTimes are equal when Marshal writes the
// same text for them (same kind, wall clock and offset to 100ns); a Go int
// equals the int32 or int64 that Marshal writes for it. Equal terminates on cyclic graphs: a pair
// of objects met again while being compared is assumed equal.
func Equal(a, b Value) bool {
	c := comparer{seen: map[[2]*Object]bool{}}
	return c.equal(a, b)
}

type comparer struct {
	seen map[[2]*Object]bool
}

func (c *comparer) equal(a, b Value) bool {
	a, b = normInt(a), normInt(b)
	switch x := a.(type) {
	case nil:
		return b == nil
	case *Object:
		y, ok := b.(*Object)
		if !ok {
			return false
		}
		return c.object(x, y)
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || math.IsNaN(x) && math.IsNaN(y))
	case float32:
		y, ok := b.(float32)
		return ok && (x == y || x != x && y != y)
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case SecureString:
		y, ok := b.(SecureString)
		return ok && bytes.Equal(x, y)
	case DateTime:
		y, ok := b.(DateTime)
		if !ok || x.Kind != y.Kind {
			return false
		}
		bx, errx := appendDateTime(nil, x)
		by, erry := appendDateTime(nil, y)
		return errx == nil && erry == nil && bytes.Equal(bx, by)
	}
	if _, ok := kindOf(a); !ok {
		return false
	}
	return a == b
}

func (c *comparer) object(x, y *Object) bool {
	if x == y {
		return true
	}
	if x == nil || y == nil {
		return false
	}
	key := [2]*Object{x, y}
	if c.seen[key] {
		return true
	}
	c.seen[key] = true
	if !slices.Equal(x.TypeNames, y.TypeNames) || x.Kind != y.Kind || x.MemberSet != y.MemberSet {
		return false
	}
	if (x.ToString == nil) != (y.ToString == nil) || x.ToString != nil && *x.ToString != *y.ToString {
		return false
	}
	if !c.equal(x.Primitive, y.Primitive) || !c.object(x.Base, y.Base) {
		return false
	}
	if len(x.Items) != len(y.Items) || len(x.Entries) != len(y.Entries) {
		return false
	}
	for i := range x.Items {
		if !c.equal(x.Items[i], y.Items[i]) {
			return false
		}
	}
	for i := range x.Entries {
		if !c.equal(x.Entries[i].Key, y.Entries[i].Key) || !c.equal(x.Entries[i].Value, y.Entries[i].Value) {
			return false
		}
	}
	return c.props(x.Adapted, y.Adapted) && c.props(x.Extended, y.Extended)
}

func (c *comparer) props(a, b []Property) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !c.equal(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}

// normInt maps a Go int to the type Marshal writes for it.
func normInt(v Value) Value {
	if i, ok := v.(int); ok {
		if i >= math.MinInt32 && i <= math.MaxInt32 {
			return int32(i)
		}
		return int64(i)
	}
	return v
}
