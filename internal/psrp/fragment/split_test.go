package fragment

import (
	"bytes"
	"testing"
)

func TestSplit(t *testing.T) {
	msg := bytes.Repeat([]byte("0123456789"), 10) // 100 bytes
	for _, maxBlob := range []int{1, 7, 33, 99, 100, 101, 1000} {
		stream := Split(nil, 5, msg, maxBlob)
		frags, err := ParseAll(stream)
		if err != nil {
			t.Fatal(err)
		}
		wantN := (len(msg) + maxBlob - 1) / maxBlob
		if len(frags) != wantN {
			t.Fatalf("maxBlob %d: %d fragments, want %d", maxBlob, len(frags), wantN)
		}
		var got []byte
		for i, f := range frags {
			if f.ObjectID != 5 || f.FragmentID != uint64(i) || f.Start != (i == 0) || f.End != (i == len(frags)-1) {
				t.Fatalf("maxBlob %d: fragment %d = %+v", maxBlob, i, f)
			}
			if len(f.Data) > maxBlob {
				t.Fatalf("blob %d > %d", len(f.Data), maxBlob)
			}
			got = append(got, f.Data...)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("maxBlob %d: reassembled differs", maxBlob)
		}
	}
	// An empty message is one whole fragment.
	frags, err := ParseAll(Split(nil, 1, nil, 10))
	if err != nil || len(frags) != 1 || !frags[0].Start || !frags[0].End || len(frags[0].Data) != 0 {
		t.Fatalf("empty: %+v %v", frags, err)
	}
}

func TestCursorMatchesSplit(t *testing.T) {
	msg := bytes.Repeat([]byte{1, 2, 3}, 50)
	c := NewCursor(9, msg)
	var got []byte
	for {
		var ok bool
		got, ok = c.AppendNext(got, 16)
		if !ok {
			break
		}
	}
	if !c.Done() {
		t.Fatal("cursor not done")
	}
	if want := Split(nil, 9, msg, 16); !bytes.Equal(got, want) {
		t.Fatal("cursor output differs from Split")
	}
}

func TestObjectIDs(t *testing.T) {
	var ids ObjectIDs
	for want := uint64(1); want <= 3; want++ {
		if got := ids.Next(); got != want {
			t.Fatalf("Next = %d, want %d", got, want)
		}
	}
}

func BenchmarkSplitParse(b *testing.B) {
	msg := bytes.Repeat([]byte("x"), 64<<10)
	buf := make([]byte, 0, 80<<10)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		buf = Split(buf[:0], 1, msg, 4096)
		var d Defragmenter
		if out, err := d.Write(buf); err != nil || len(out) != 1 {
			b.Fatal(err)
		}
	}
}
