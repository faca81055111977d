package fragment

import (
	"bytes"
	"errors"
	"testing"
)

func frag(obj, id uint64, start, end bool, data string) []byte {
	return Fragment{ObjectID: obj, FragmentID: id, Start: start, End: end, Data: []byte(data)}.Append(nil)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestDefragmentInterleaved(t *testing.T) {
	var d Defragmenter
	stream := cat(
		frag(1, 0, true, false, "he"),
		frag(2, 0, true, false, "wo"),
		frag(3, 0, true, true, "whole"),
		frag(1, 1, false, false, "ll"),
		frag(2, 1, false, true, "rld"),
		frag(1, 2, false, true, "o"),
	)
	msgs, err := d.Write(stream)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"whole", "world", "hello"}
	if len(msgs) != len(want) {
		t.Fatalf("got %d messages", len(msgs))
	}
	for i := range want {
		if string(msgs[i]) != want[i] {
			t.Errorf("msg %d = %q, want %q", i, msgs[i], want[i])
		}
	}
	if n, b := d.Pending(); n != 0 || b != 0 {
		t.Fatalf("pending = %d/%d", n, b)
	}
}

func TestDefragmentAcrossWrites(t *testing.T) {
	var d Defragmenter
	if msgs, err := d.Write(frag(4, 0, true, false, "ab")); err != nil || len(msgs) != 0 {
		t.Fatal(msgs, err)
	}
	if n, b := d.Pending(); n != 1 || b != 2 {
		t.Fatalf("pending = %d/%d", n, b)
	}
	msgs, err := d.Write(frag(4, 1, false, true, "cd"))
	if err != nil || len(msgs) != 1 || string(msgs[0]) != "abcd" {
		t.Fatal(msgs, err)
	}
}

func TestDefragmentErrors(t *testing.T) {
	tests := []struct {
		name   string
		stream []byte
		want   error
		wantID uint64
		got    uint64
	}{
		{"no start", frag(1, 0, false, true, "x"), ErrMissingStart, 0, 0},
		{"first id not zero", frag(1, 1, true, true, "x"), ErrMissingStart, 0, 1},
		{"duplicate start", cat(frag(1, 0, true, false, "a"), frag(1, 0, true, false, "a")), ErrDuplicate, 1, 0},
		{"repeated id", cat(frag(1, 0, true, false, "a"), frag(1, 1, false, false, "b"), frag(1, 1, false, true, "b")), ErrDuplicate, 2, 1},
		{"start mid object", cat(frag(1, 0, true, false, "a"), frag(1, 1, true, true, "b")), ErrDuplicate, 1, 1},
		{"gap", cat(frag(1, 0, true, false, "a"), frag(1, 2, false, true, "c")), ErrOutOfOrder, 1, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d Defragmenter
			_, err := d.Write(tc.stream)
			var se *SequenceError
			if !errors.As(err, &se) || !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if se.Want != tc.wantID || se.Got != tc.got || se.ObjectID != 1 {
				t.Fatalf("SequenceError = %+v", se)
			}
			if n, b := d.Pending(); n != 0 || b != 0 {
				t.Fatalf("pending after error = %d/%d", n, b)
			}
		})
	}
}

func TestDefragmentCaps(t *testing.T) {
	d := Defragmenter{MaxMessageSize: 10, MaxPendingSize: 12}
	if _, err := d.Write(frag(1, 0, true, true, "01234567890")); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("single oversize: %v", err)
	}
	if _, err := d.Write(cat(frag(2, 0, true, false, "012345"), frag(2, 1, false, true, "67890"))); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("reassembled oversize: %v", err)
	}
	// Exactly at the message cap is fine.
	if msgs, err := d.Write(cat(frag(3, 0, true, false, "01234"), frag(3, 1, false, true, "56789"))); err != nil || len(msgs) != 1 {
		t.Fatalf("at cap: %v", err)
	}
	// Pending cap across objects: 8 + 5 > 12.
	if _, err := d.Write(cat(frag(4, 0, true, false, "01234567"), frag(5, 0, true, false, "01234"))); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("pending cap: %v", err)
	}
	if n, b := d.Pending(); n != 1 || b != 8 {
		t.Fatalf("pending = %d/%d, want 1/8", n, b)
	}
}

func TestDefragmentTruncated(t *testing.T) {
	var d Defragmenter
	s := cat(frag(1, 0, true, true, "ok"), frag(2, 0, true, true, "cut")[:10])
	msgs, err := d.Write(s)
	if !errors.Is(err, ErrTruncated) || len(msgs) != 1 || string(msgs[0]) != "ok" {
		t.Fatalf("msgs=%q err=%v", msgs, err)
	}
}

// TestDefragmentAliasWhole checks that AliasWhole returns a one-fragment
// message in place (capacity capped, so appending cannot overwrite the
// next fragment) while multi-fragment messages are still assembled in a
// copy that does not change with the input.
func TestDefragmentAliasWhole(t *testing.T) {
	d := Defragmenter{AliasWhole: true}
	stream := cat(frag(1, 0, true, true, "whole"), frag(2, 0, true, false, "pa"), frag(2, 1, false, true, "rt"))
	msgs, err := d.Write(stream)
	if err != nil || len(msgs) != 2 || string(msgs[0]) != "whole" || string(msgs[1]) != "part" {
		t.Fatal(msgs, err)
	}
	if cap(msgs[0]) != len(msgs[0]) {
		t.Fatalf("aliased message has capacity %d beyond its length %d", cap(msgs[0]), len(msgs[0]))
	}
	clear(stream)
	if string(msgs[0]) != "\x00\x00\x00\x00\x00" {
		t.Fatalf("one-fragment message %q is a copy", msgs[0])
	}
	if string(msgs[1]) != "part" {
		t.Fatalf("assembled message %q changed with the input", msgs[1])
	}
}
