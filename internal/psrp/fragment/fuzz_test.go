package fragment

import (
	"bytes"
	"testing"
)

func seedStreams() [][]byte {
	return [][]byte{
		frag(1, 0, true, true, "whole"),
		cat(frag(1, 0, true, false, "he"), frag(2, 0, true, true, "x"), frag(1, 1, false, true, "llo")),
		frag(1, 0, true, false, "x")[:15],
		Split(nil, 3, bytes.Repeat([]byte("ab"), 40), 7),
		{},
	}
}

// FuzzFragmentParse checks that ParseAll never panics and that what it
// accepts re-encodes to the same bytes.
func FuzzFragmentParse(f *testing.F) {
	for _, s := range seedStreams() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		frags, err := ParseAll(b)
		var re []byte
		for _, fr := range frags {
			re = fr.Append(re)
		}
		// Re-encoding reproduces the input except reserved flag bits.
		masked := append([]byte(nil), b...)
		off := 0
		for _, fr := range frags {
			masked[off+16] &= FlagStart | FlagEnd
			off += fr.Size()
		}
		if err == nil && !bytes.Equal(re, masked) {
			t.Fatalf("round trip differs")
		}
		if !bytes.HasPrefix(masked, re) {
			t.Fatalf("parsed prefix does not re-encode to input prefix")
		}
	})
}

// FuzzDefragment checks that the Defragmenter never panics, never holds
// more than its caps and never returns a message larger than the cap.
func FuzzDefragment(f *testing.F) {
	for _, s := range seedStreams() {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		d := Defragmenter{MaxMessageSize: 64, MaxPendingSize: 128}
		for _, s := range [][]byte{a, b} {
			msgs, _ := d.Write(s)
			for _, m := range msgs {
				if len(m) > 64 {
					t.Fatalf("message of %d bytes exceeds cap", len(m))
				}
			}
			if _, n := d.Pending(); n > 128 || n < 0 {
				t.Fatalf("pending %d bytes exceeds cap", n)
			}
		}
	})
}
