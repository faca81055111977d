package clixml

import (
	"math"
	"testing"
	"time"
)

func TestEqual(t *testing.T) {
	utc := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		a, b Value
		want bool
	}{
		{nil, nil, true},
		{nil, "", false},
		{int32(1), int32(1), true},
		{int32(1), int64(1), false},
		{"a", "b", false},
		{math.NaN(), math.NaN(), true},
		{float32(math.NaN()), float32(math.NaN()), true},
		{1.0, float32(1), false},
		{1, int32(1), true},
		{1, int64(1), false},
		{1 << 40, int64(1 << 40), true},
		{[]byte{}, []byte(nil), true},
		{[]byte{1}, []byte{2}, false},
		{SecureString{1}, []byte{1}, false},
		{DateTime{utc, KindUtc}, DateTime{utc.In(time.FixedZone("", 3600)), KindUtc}, true},
		{DateTime{utc, KindUtc}, DateTime{utc, KindLocal}, false},
		{DateTime{utc, KindUnspecified}, DateTime{utc.Add(time.Nanosecond), KindUnspecified}, true},
		{struct{}{}, struct{}{}, false},
		{NewList(1), NewList(1), true},
		{NewList(1), NewList(2), false},
		{NewList(1), &Object{Kind: List, Items: []Value{1}}, false},
		{&Object{TypeNames: []string{}}, &Object{}, true},
		{&Object{ToString: Str("a")}, &Object{}, false},
		{&Object{ToString: Str("a")}, &Object{ToString: Str("b")}, false},
		{&Object{Kind: Stack}, &Object{Kind: Queue}, false},
		{NewHashtable(Entry{"a", 1}), NewHashtable(Entry{"a", 2}), false},
		{NewHashtable(Entry{"a", 1}), NewHashtable(Entry{"b", 1}), false},
		{&Object{Adapted: []Property{{"a", 1}}}, &Object{Extended: []Property{{"a", 1}}}, false},
		{&Object{Extended: []Property{{"a", 1}}}, &Object{Extended: []Property{{"A", 1}}}, false},
		{&Object{MemberSet: true}, &Object{}, false},
		{&Object{Primitive: "x"}, &Object{Primitive: "x"}, true},
		{(*Object)(nil), NewList(), false},
	}
	for i, tc := range tests {
		if got := Equal(tc.a, tc.b); got != tc.want {
			t.Errorf("%d: Equal(%#v, %#v) = %v", i, tc.a, tc.b, got)
		}
		if got := Equal(tc.b, tc.a); got != tc.want {
			t.Errorf("%d: Equal reversed = %v", i, got)
		}
	}
}

func TestEqualCycles(t *testing.T) {
	mk := func(leaf string) *Object {
		a := NewPSCustomObject(Property{"leaf", leaf})
		a.Set("self", a)
		return a
	}
	if !Equal(mk("x"), mk("x")) {
		t.Error("equal cycles differ")
	}
	if Equal(mk("x"), mk("y")) {
		t.Error("different cycles equal")
	}
}
