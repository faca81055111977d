package clixml

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// primitiveCases pairs a value with the exact element Marshal writes;
// Unmarshal of the element must give back an Equal value.
var primitiveCases = []struct {
	name string
	v    Value
	xml  string
}{
	{"string", "hello", `<S>hello</S>`},
	{"empty string", "", `<S />`},
	{"xml chars", `a<b>&"c"`, `<S>a&lt;b&gt;&amp;&quot;c&quot;</S>`},
	{"char", Char('A'), `<C>65</C>`},
	{"char max", Char(0xFFFF), `<C>65535</C>`},
	{"true", true, `<B>true</B>`},
	{"false", false, `<B>false</B>`},
	{"dt local", DateTime{time.Date(2018, 6, 13, 23, 45, 29, 458320300, time.FixedZone("", 0)), KindLocal}, `<DT>2018-06-13T23:45:29.4583203+00:00</DT>`},
	{"dt local negative offset", DateTime{time.Date(2020, 1, 2, 3, 4, 5, 0, time.FixedZone("", -(5*3600+30*60))), KindLocal}, `<DT>2020-01-02T03:04:05.0000000-05:30</DT>`},
	{"dt utc", DateTime{time.Date(2024, 2, 29, 12, 0, 0, 100, time.UTC), KindUtc}, `<DT>2024-02-29T12:00:00.0000001Z</DT>`},
	{"dt unspecified", DateTime{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), KindUnspecified}, `<DT>0001-01-01T00:00:00.0000000</DT>`},
	{"ts seconds", TimeSpan(9*time.Second + 26902600*time.Nanosecond), `<TS>PT9.0269026S</TS>`},
	{"ts day", TimeSpan(24 * time.Hour), `<TS>P1D</TS>`},
	{"ts zero", TimeSpan(0), `<TS>PT0S</TS>`},
	{"ts negative mixed", -TimeSpan(26*time.Hour + 3*time.Minute + 4500*time.Millisecond), `<TS>-P1DT2H3M4.5S</TS>`},
	{"ts minutes", TimeSpan(90 * time.Minute), `<TS>PT1H30M</TS>`},
	{"byte", uint8(255), `<By>255</By>`},
	{"sbyte", int8(-128), `<SB>-128</SB>`},
	{"u16", uint16(65535), `<U16>65535</U16>`},
	{"i16", int16(-32768), `<I16>-32768</I16>`},
	{"u32", uint32(math.MaxUint32), `<U32>4294967295</U32>`},
	{"i32", int32(math.MinInt32), `<I32>-2147483648</I32>`},
	{"u64", uint64(math.MaxUint64), `<U64>18446744073709551615</U64>`},
	{"i64", int64(math.MinInt64), `<I64>-9223372036854775808</I64>`},
	{"single", float32(1.5), `<Sg>1.5</Sg>`},
	{"single exp", float32(1e7), `<Sg>1E+07</Sg>`},
	{"double", 0.1, `<Db>0.1</Db>`},
	{"double big fixed", 123456789012345.0, `<Db>123456789012345</Db>`},
	{"double exp", 1e15, `<Db>1E+15</Db>`},
	{"double small fixed", 0.0001, `<Db>0.0001</Db>`},
	{"double small exp", 1e-5, `<Db>1E-05</Db>`},
	{"double neg zero", math.Copysign(0, -1), `<Db>-0</Db>`},
	{"double inf", math.Inf(1), `<Db>INF</Db>`},
	{"double -inf", math.Inf(-1), `<Db>-INF</Db>`},
	{"double nan", math.NaN(), `<Db>NaN</Db>`},
	{"decimal", Decimal("-12.50"), `<D>-12.50</D>`},
	{"bytes", []byte{1, 2, 3}, `<BA>AQID</BA>`},
	{"bytes empty", []byte{}, `<BA />`},
	{"guid", GUID{0x8d, 0xc5, 0x45, 0x0e, 0x61, 0xa7, 0x4a, 0x0b, 0x9a, 0x46, 0x7e, 0x08, 0x2c, 0x03, 0x74, 0xa1}, `<G>8dc5450e-61a7-4a0b-9a46-7e082c0374a1</G>`},
	{"uri", URI("http://x/?a=1&b=2"), `<URI>http://x/?a=1&amp;b=2</URI>`},
	{"version", Version("5.1.19041.1"), `<Version>5.1.19041.1</Version>`},
	{"xml document", XMLDocument("<a>\n</a>"), `<XD>&lt;a&gt;_x000A_&lt;/a&gt;</XD>`},
	{"script block", ScriptBlock("Get-Date | % { $_ }"), `<SBK>Get-Date | % { $_ }</SBK>`},
	{"secure string", SecureString{0xde, 0xad, 0xbe, 0xef}, `<SS>3q2+7w==</SS>`},
	{"nil", nil, `<Nil />`},
}

func TestPrimitiveMarshal(t *testing.T) {
	for _, tc := range primitiveCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Marshal(tc.v)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if string(got) != tc.xml {
				t.Errorf("Marshal = %s, want %s", got, tc.xml)
			}
		})
	}
}

func TestPrimitiveUnmarshal(t *testing.T) {
	for _, tc := range primitiveCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Unmarshal([]byte(tc.xml))
			if err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !Equal(got, tc.v) {
				t.Errorf("Unmarshal = %#v, want %#v", got, tc.v)
			}
		})
	}
}

// TestPrimitiveNamed checks that every primitive carries N as a property.
func TestPrimitiveNamed(t *testing.T) {
	for _, tc := range primitiveCases {
		o := &Object{Extended: []Property{{Name: "p_x", Value: tc.v}}}
		b, err := Marshal(o)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		tag := tc.xml[1:strings.IndexAny(tc.xml, " >")]
		want := `<` + tag + ` N="p_x005F_x"`
		if !strings.Contains(string(b), want) {
			t.Errorf("%s: %s lacks %s", tc.name, b, want)
		}
		v, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !Equal(v, o) {
			t.Errorf("%s: round trip %s", tc.name, b)
		}
	}
}

func TestPrimitiveLenientForms(t *testing.T) {
	utc := time.Date(2018, 6, 13, 23, 45, 29, 458000000, time.UTC)
	tests := []struct {
		xml  string
		want Value
	}{
		{`<B>1</B>`, true},
		{`<B> 0 </B>`, false},
		{"<I32>\n 42 </I32>", int32(42)},
		{`<I32>+7</I32>`, int32(7)},
		{`<U32>+7</U32>`, uint32(7)},
		{`<S>  spaced  </S>`, "  spaced  "},
		{`<DT>2018-06-13T23:45:29.458Z</DT>`, DateTime{utc, KindUtc}},
		{`<DT>2018-06-13T23:45:29.458000099Z</DT>`, DateTime{utc, KindUtc}},
		{`<TS>P1Y</TS>`, TimeSpan(365 * 24 * time.Hour)},
		{`<TS>P1M</TS>`, TimeSpan(30 * 24 * time.Hour)},
		{`<TS>PT0.123456789S</TS>`, TimeSpan(123456700)},
		{`<TS>-PT0S</TS>`, TimeSpan(0)},
		{`<G>{8DC5450E-61A7-4A0B-9A46-7E082C0374A1}</G>`, GUID{0x8d, 0xc5, 0x45, 0x0e, 0x61, 0xa7, 0x4a, 0x0b, 0x9a, 0x46, 0x7e, 0x08, 0x2c, 0x03, 0x74, 0xa1}},
		{`<G>8dc5450e61a74a0b9a467e082c0374a1</G>`, GUID{0x8d, 0xc5, 0x45, 0x0e, 0x61, 0xa7, 0x4a, 0x0b, 0x9a, 0x46, 0x7e, 0x08, 0x2c, 0x03, 0x74, 0xa1}},
		{"<BA>AQ\nID</BA>", []byte{1, 2, 3}},
		{`<Db>1.5E+20</Db>`, 1.5e20},
		{`<Nil></Nil>`, nil},
		{`<S><![CDATA[<x>]]></S>`, "<x>"},
		{`<S>a&#x41;&lt;</S>`, "aA<"},
	}
	for _, tc := range tests {
		got, err := Unmarshal([]byte(tc.xml))
		if err != nil {
			t.Errorf("Unmarshal(%s): %v", tc.xml, err)
			continue
		}
		if !Equal(got, tc.want) {
			t.Errorf("Unmarshal(%s) = %#v, want %#v", tc.xml, got, tc.want)
		}
	}
}

func TestPrimitiveStrictErrors(t *testing.T) {
	tests := []struct{ xml, msg string }{
		{`<I32>x</I32>`, `clixml: invalid I32 value "x"`},
		{`<I32>2147483648</I32>`, `invalid I32 value "2147483648"`},
		{`<By>256</By>`, `invalid By value "256"`},
		{`<By>-1</By>`, `invalid By value "-1"`},
		{`<U16>+-1</U16>`, `invalid U16 value`},
		{`<SB>128</SB>`, `invalid SB value`},
		{`<I64>1_000</I64>`, `invalid I64 value`},
		{`<B>yes</B>`, `invalid B value "yes"`},
		{`<C>65536</C>`, `invalid C value`},
		{`<DT>2018-13-01T00:00:00</DT>`, `invalid DT value`},
		{`<DT>2019-02-29T00:00:00</DT>`, `invalid DT value`},
		{`<DT>2018-06-13T23:45:29+25:00</DT>`, `invalid DT value`},
		{`<DT>2018-06-13T23:45:29.</DT>`, `invalid DT value`},
		{`<DT>2018-06-13</DT>`, `invalid DT value`},
		{`<TS>P</TS>`, `invalid TS value "P"`},
		{`<TS>PT</TS>`, `invalid TS value`},
		{`<TS>P1H</TS>`, `invalid TS value`},
		{`<TS>PT1S2M</TS>`, `invalid TS value`},
		{`<TS>P1.5D</TS>`, `invalid TS value`},
		{`<TS>P999999D</TS>`, `invalid TS value`},
		{`<Sg>1e39</Sg>`, `invalid Sg value`},
		{`<Db>0x1p3</Db>`, `invalid Db value`},
		{`<Db>Inf</Db>`, `invalid Db value`},
		{`<Db>1e400</Db>`, `invalid Db value`},
		{`<D>1e5</D>`, `invalid D value "1e5"`},
		{`<D>.</D>`, `invalid D value`},
		{`<BA>!!</BA>`, `invalid BA value`},
		{`<G>zz</G>`, `invalid G value "zz"`},
		{`<G>8dc5450e-61a7-4a0b-9a46_7e082c0374a1</G>`, `invalid G value`},
		{`<Version>1</Version>`, `invalid Version value "1"`},
		{`<Version>1.2.3.4.5</Version>`, `invalid Version value`},
		{`<Version>1.-2</Version>`, `invalid Version value`},
	}
	for _, tc := range tests {
		_, err := Unmarshal([]byte(tc.xml))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Unmarshal(%s) error = %v, want *SyntaxError", tc.xml, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Unmarshal(%s) error = %q, want it to contain %q", tc.xml, err, tc.msg)
		}
	}
}

func TestMarshalRejects(t *testing.T) {
	tests := []Value{
		Decimal("1e5"),
		Version("x"),
		DateTime{Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Kind: KindUtc},
		struct{}{},
		map[string]string{},
		&Object{Primitive: &Object{}},
		&Object{Primitive: int32(1), Kind: List},
		&Object{Kind: ContainerKind(99)},
	}
	for _, v := range tests {
		if b, err := Marshal(v); err == nil {
			t.Errorf("Marshal(%#v) = %s, want error", v, b)
		}
	}
	if _, err := Marshal(struct{}{}); !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("Marshal(struct{}{}) error = %v, want ErrUnsupportedType", err)
	}
}

func TestMarshalGoInt(t *testing.T) {
	for v, want := range map[int]string{7: `<I32>7</I32>`, -1 << 40: `<I64>-1099511627776</I64>`} {
		b, err := Marshal(v)
		if err != nil || string(b) != want {
			t.Errorf("Marshal(%d) = %s, %v; want %s", v, b, err, want)
		}
	}
}
