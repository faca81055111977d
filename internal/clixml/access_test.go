package clixml

import (
	"math"
	"testing"
	"time"
)

func TestAccessors(t *testing.T) {
	enum := NewEnum("System.ConsoleColor", 12, "Red")
	sw := &Object{TypeNames: []string{TypeSwitchParameter, "System.ValueType", "System.Object"}, ToString: Str("True"), Adapted: []Property{{"IsPresent", true}}}
	wrappedS := &Object{TypeNames: []string{"System.String", "System.Object"}, Primitive: "abc"}
	if s, ok := AsString(wrappedS); !ok || s != "abc" {
		t.Errorf("AsString(wrapped) = %q %v", s, ok)
	}
	if _, ok := AsString(int32(1)); ok {
		t.Error("AsString(int32) ok")
	}
	ints := []Value{int8(-3), int16(-3), int32(-3), int64(-3), -3}
	for _, v := range ints {
		if n, ok := AsInt64(v); !ok || n != -3 {
			t.Errorf("AsInt64(%T) = %d %v", v, n, ok)
		}
	}
	for _, v := range []Value{uint8(3), uint16(3), uint32(3), uint64(3)} {
		if n, ok := AsInt64(v); !ok || n != 3 {
			t.Errorf("AsInt64(%T) = %d %v", v, n, ok)
		}
	}
	if _, ok := AsInt64(uint64(math.MaxUint64)); ok {
		t.Error("AsInt64(MaxUint64) ok")
	}
	if _, ok := AsInt64("3"); ok {
		t.Error("AsInt64(string) ok")
	}
	if n, ok := EnumValue(enum); !ok || n != 12 {
		t.Errorf("EnumValue(enum) = %d %v", n, ok)
	}
	if n, ok := EnumValue(int32(4)); !ok || n != 4 {
		t.Errorf("EnumValue(bare) = %d %v", n, ok)
	}
	if b, ok := AsBool(sw); !ok || !b {
		t.Errorf("AsBool(SwitchParameter) = %v %v", b, ok)
	}
	if b, ok := AsBool(false); !ok || b {
		t.Error("AsBool(false)")
	}
	if _, ok := AsBool(NewPSCustomObject()); ok {
		t.Error("AsBool(object) ok")
	}
	if l, ok := AsList(NewStringList("a", "b")); !ok || len(l) != 2 || l[1] != "b" {
		t.Errorf("AsList = %v %v", l, ok)
	}
	if _, ok := AsList(NewHashtable()); ok {
		t.Error("AsList(hashtable) ok")
	}
	h := NewHashtable(Entry{"Key1", int32(1)}, Entry{int32(2), "two"})
	if v, ok := Lookup(h, "KEY1"); !ok || v != int32(1) {
		t.Errorf("Lookup = %v %v", v, ok)
	}
	if _, ok := Lookup(h, "2"); ok {
		t.Error("Lookup matched a non-string key")
	}
}

func TestTypeName(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{nil, ""},
		{"s", "System.String"},
		{int32(1), "System.Int32"},
		{1, "System.Int32"},
		{int64(1), "System.Int64"},
		{[]byte{}, "System.Byte[]"},
		{GUID{}, "System.Guid"},
		{DateTime{}, "System.DateTime"},
		{ScriptBlock(""), "System.Management.Automation.ScriptBlock"},
		{NewEnum("X.Color", 1, "Blue"), "X.Color"},
		{&Object{Primitive: 1.5}, "System.Double"},
		{&Object{}, ""},
		{(*Object)(nil), ""},
		{struct{}{}, ""},
	}
	for _, tc := range tests {
		if got := TypeName(tc.v); got != tc.want {
			t.Errorf("TypeName(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestDisplayString(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{nil, ""},
		{"text", "text"},
		{true, "True"},
		{false, "False"},
		{int32(-5), "-5"},
		{uint64(math.MaxUint64), "18446744073709551615"},
		{1.5, "1.5"},
		{1e20, "1E+20"},
		{math.Inf(-1), "-Infinity"},
		{float32(0.25), "0.25"},
		{Char('é'), "é"},
		{Decimal("1.10"), "1.10"},
		{DateTime{time.Date(2018, 6, 13, 23, 45, 29, 0, time.UTC), KindUtc}, "6/13/2018 11:45:29 PM"},
		{DateTime{time.Date(2018, 1, 2, 0, 5, 6, 0, time.FixedZone("", 3600)), KindLocal}, "1/2/2018 12:05:06 AM"},
		{TimeSpan(26*time.Hour + 3*time.Minute + 4*time.Second + 500*time.Millisecond), "1.02:03:04.5000000"},
		{-TimeSpan(90 * time.Second), "-00:01:30"},
		{GUID{0xAB, 15: 1}, "ab000000-0000-0000-0000-000000000001"},
		{[]byte{1, 2, 255}, "1 2 255"},
		{SecureString{1}, "System.Security.SecureString"},
		{Version("1.2"), "1.2"},
		{NewEnum("E", 3, "Read, Write"), "Read, Write"},
		{NewEnum("E", 3, ""), "3"},
		{&Object{Primitive: int32(7)}, "7"},
		{NewList("a", int32(1), true, nil, NewList("x", "y")), "a 1 True  x y"},
		{NewHashtable(Entry{"a", 1}), "System.Collections.Hashtable"},
		{NewPSCustomObject(), TypePSCustomObject},
	}
	for _, tc := range tests {
		if got := DisplayString(tc.v); got != tc.want {
			t.Errorf("DisplayString(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

// TestDisplayStringSharedFanout: 30 levels of lists whose 50 items all
// refer to the next level would be 50^30 visits without the node budget.
func TestDisplayStringSharedFanout(t *testing.T) {
	inner := NewList()
	for range 30 {
		items := make([]Value, 50)
		for i := range items {
			items[i] = inner
		}
		inner = NewList(items...)
	}
	done := make(chan string)
	go func() { done <- DisplayString(inner) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("DisplayString did not terminate")
	}
	cyc := NewList()
	cyc.Items = append(cyc.Items, "a", cyc)
	if s := DisplayString(cyc); len(s) == 0 || len(s) > maxDisplay+64 {
		t.Errorf("cyclic DisplayString length %d", len(s))
	}
}
