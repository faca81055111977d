package fragment

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

// TestObjectIDGolden types in MS-PSRP 4.2: ObjectId 1 and FragmentId 1 are
// eight big-endian bytes ending in 01.
func TestObjectIDGolden(t *testing.T) {
	f := Fragment{ObjectID: 1, FragmentID: 1, End: true, Data: []byte{0xAA, 0xBB}}
	got := f.Append(nil)
	want, _ := hex.DecodeString("0000000000000001" + "0000000000000001" + "02" + "00000002" + "aabb")
	if !bytes.Equal(got, want) {
		t.Fatalf("Append = % x, want % x", got, want)
	}
	p, n, err := Parse(got)
	if err != nil || n != len(got) {
		t.Fatalf("Parse: n=%d err=%v", n, err)
	}
	if p.ObjectID != 1 || p.FragmentID != 1 || p.Start || !p.End || !bytes.Equal(p.Data, f.Data) {
		t.Fatalf("Parse = %+v", p)
	}
}

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		start, end bool
		want       byte
	}{{false, false, 0}, {true, false, 1}, {false, true, 2}, {true, true, 3}} {
		if got := (Fragment{Start: tc.start, End: tc.end}).Flags(); got != tc.want {
			t.Errorf("Flags(%v,%v) = %d, want %d", tc.start, tc.end, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	whole := Fragment{ObjectID: 7, Start: true, End: true, Data: []byte("hello")}.Append(nil)
	for _, n := range []int{0, 1, 20, 21, len(whole) - 1} {
		_, _, err := Parse(whole[:n])
		var te *TruncatedError
		if !errors.As(err, &te) || !errors.Is(err, ErrTruncated) {
			t.Fatalf("Parse(%d bytes) err = %v, want TruncatedError", n, err)
		}
		if te.Have != n {
			t.Errorf("Have = %d, want %d", te.Have, n)
		}
	}
	// Reserved flag bits are ignored on receipt (MS-PSRP 2.2.4).
	odd := append([]byte(nil), whole...)
	odd[16] = 0xFD
	if f, _, err := Parse(odd); err != nil || !f.Start || f.End {
		t.Fatalf("reserved flags: %+v %v", f, err)
	}
}

func TestParseAllTruncatedOffset(t *testing.T) {
	a := Fragment{ObjectID: 1, Start: true, End: true, Data: []byte("abc")}.Append(nil)
	b := Fragment{ObjectID: 2, Start: true, End: true, Data: []byte("defg")}.Append(nil)
	stream := append(append([]byte(nil), a...), b[:len(b)-2]...)
	frags, err := ParseAll(stream)
	var te *TruncatedError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v", err)
	}
	if len(frags) != 1 || frags[0].ObjectID != 1 {
		t.Fatalf("frags = %+v", frags)
	}
	if te.Offset != len(a) || te.Need != len(b) || te.Have != len(b)-2 {
		t.Fatalf("TruncatedError = %+v", te)
	}
}
