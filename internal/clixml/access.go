package clixml

import (
	"math"
	"strconv"
	"strings"
)

// unwrap returns the extended primitive of an *Object, looking through
// its Base chain, or v itself.
func unwrap(v Value) Value {
	o, ok := v.(*Object)
	for i := 0; ok && o != nil && i < maxBaseChain; i, o = i+1, o.Base {
		if o.Primitive != nil {
			return o.Primitive
		}
	}
	return v
}

// AsString returns v as a string when v is a string or an object wrapping
// one (an extended primitive <S>). It does not format other types; use
// DisplayString for that.
func AsString(v Value) (string, bool) {
	s, ok := unwrap(v).(string)
	return s, ok
}

// AsInt64 returns v as an int64 when v is any integer type (By, SB, U16,
// I16, U32, I32, I64, U64 up to math.MaxInt64, Go int) or an object wrapping
// one, such as an enum.
func AsInt64(v Value) (int64, bool) {
	switch x := unwrap(v).(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	}
	return 0, false
}

// AsBool returns v as a bool when v is a bool, an object wrapping one, or a
// SwitchParameter object (its IsPresent property), which is how Windows
// clients send switch arguments.
func AsBool(v Value) (bool, bool) {
	if b, ok := unwrap(v).(bool); ok {
		return b, true
	}
	if o, ok := v.(*Object); ok && o.IsA(TypeSwitchParameter) {
		if p, ok := o.Get("IsPresent"); ok {
			b, ok := p.(bool)
			return b, ok
		}
	}
	return false, false
}

// AsList returns the items of a List, Enumerable, Stack or Queue object.
// The returned slice is the object's own; callers must not modify it.
func AsList(v Value) ([]Value, bool) {
	o, ok := v.(*Object)
	if !ok || o == nil {
		return nil, false
	}
	switch o.Kind {
	case List, Enumerable, Stack, Queue:
		return o.Items, true
	}
	return nil, false
}

// AsEntries returns the entries of a Dictionary object. The returned slice
// is the object's own; callers must not modify it.
func AsEntries(v Value) ([]Entry, bool) {
	o, ok := v.(*Object)
	if !ok || o == nil || o.Kind != Dictionary {
		return nil, false
	}
	return o.Entries, true
}

// Lookup returns the value stored under the string key in a Dictionary
// object, matching keys case-insensitively as Hashtable does in PowerShell.
func Lookup(v Value, key string) (Value, bool) {
	es, _ := AsEntries(v)
	for _, e := range es {
		if k, ok := AsString(e.Key); ok && strings.EqualFold(k, key) {
			return e.Value, true
		}
	}
	return nil, false
}

// EnumValue returns the numeric value of an enum: a bare integer (peers
// may send a plain <I32>) or an object wrapping an integer primitive.
func EnumValue(v Value) (int64, bool) { return AsInt64(v) }

// TypeName returns the most derived type name of v: the first TypeNames
// entry of an object (or, lacking one, that of its primitive or of its
// Base chain), the .NET type of a primitive (System.String, System.Int32,
// ...), or "" for nil and for values outside the model.
func TypeName(v Value) string {
	switch x := v.(type) {
	case *Object:
		if x == nil {
			return ""
		}
		if len(x.TypeNames) > 0 {
			return x.TypeNames[0]
		}
		if x.Primitive != nil {
			return TypeName(x.Primitive)
		}
		for i, b := 0, x.Base; b != nil && i < maxBaseChain; i, b = i+1, b.Base {
			if len(b.TypeNames) > 0 {
				return b.TypeNames[0]
			}
			if b.Primitive != nil {
				return TypeName(b.Primitive)
			}
		}
		return ""
	case nil:
		return ""
	}
	if k, ok := kindOf(v); ok {
		return primitives[k].dotnet
	}
	return ""
}

func formatInt(i int64) string { return strconv.FormatInt(i, 10) }
