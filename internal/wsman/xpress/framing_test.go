package xpress

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestAppendRawLayout(t *testing.T) {
	got := AppendRaw([]byte{0xEE}, []byte("hello"))
	want := []byte{0xEE, 4, 0, 4, 0, 'h', 'e', 'l', 'l', 'o'}
	if !bytes.Equal(got, want) {
		t.Fatalf("got % x, want % x", got, want)
	}
	if AppendRaw(nil, nil) != nil {
		t.Fatal("empty input must append nothing")
	}
}

func TestAppendRawChunking(t *testing.T) {
	for _, n := range []int{1, 265, ChunkSize - 1, ChunkSize, ChunkSize + 1, 3*ChunkSize + 7} {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(i * 7)
		}
		framed := AppendRaw(nil, src)
		if len(framed) != RawSize(n) {
			t.Fatalf("n=%d: framed %d bytes, RawSize says %d", n, len(framed), RawSize(n))
		}
		// Every header has equal lengths of at most ChunkSize.
		for p := framed; len(p) > 0; {
			o, c := int(binary.LittleEndian.Uint16(p))+1, int(binary.LittleEndian.Uint16(p[2:]))+1
			if o != c || o > ChunkSize {
				t.Fatalf("n=%d: header %d/%d", n, o, c)
			}
			p = p[4+c:]
		}
		got, err := Decompress(framed, n)
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("n=%d: round trip failed: %v", n, err)
		}
	}
}

func TestDecompressMixedChunks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	text := []byte(strings.Repeat("<S N=\"DisplayName\">Compliance Admin</S>", 4000)) // 2+ chunks, compressible
	noise := randBytes(r, 1000)                                                       // stored raw
	src := append(append([]byte(nil), text...), noise...)
	framed := Compress(src)
	if len(framed) >= len(src) {
		t.Fatalf("test encoder did not compress: %d >= %d", len(framed), len(src))
	}
	got, err := Decompress(framed, len(src))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, src) {
		t.Fatal("mismatch")
	}
}

func TestDecompressSpecVectorFramed(t *testing.T) {
	c := specABC()
	var h [4]byte
	binary.LittleEndian.PutUint16(h[:], 300-1)
	binary.LittleEndian.PutUint16(h[2:], uint16(len(c)-1))
	got, err := Decompress(append(h[:], c...), 1<<20)
	if err != nil || string(got) != strings.Repeat("abc", 100) {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestDecompressErrors(t *testing.T) {
	framed := AppendRaw(nil, []byte("0123456789"))
	tests := []struct {
		name   string
		src    []byte
		max    int
		target error
	}{
		{"truncated header", framed[:3], 100, ErrCorrupt},
		{"truncated body", framed[:8], 100, ErrCorrupt},
		{"over cap", framed, 9, ErrTooLarge},
		{"cap checked before decoding", []byte{0xff, 0xff, 0x00, 0x01, 0}, 1000, ErrTooLarge},
		{"bad huffman chunk", append([]byte{9, 0, 4, 1}, make([]byte, 261)...), 100, ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Decompress(tt.src, tt.max); !errors.Is(err, tt.target) {
				t.Fatalf("err = %v, want %v", err, tt.target)
			}
		})
	}
	if got, err := Decompress(nil, 0); err != nil || len(got) != 0 {
		t.Fatalf("empty: %v %v", got, err)
	}
}

func FuzzXpressDecode(f *testing.F) {
	f.Add(AppendRaw(nil, []byte("hello")))
	f.Add(Compress([]byte(strings.Repeat("abcabcabd", 100))))
	f.Add(Compress([]byte("abcdefghijklmnopqrstuvwxyz")))
	c := specABC()
	f.Add(append([]byte{43, 1, byte(len(c) - 1), 1}, c...))
	f.Add([]byte{})
	const maxOut = 1 << 20
	f.Fuzz(func(t *testing.T, src []byte) {
		out, err := Decompress(src, maxOut)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("unexpected error type: %v", err)
			}
			return
		}
		if len(out) > maxOut {
			t.Fatalf("output %d exceeds cap", len(out))
		}
		// What decodes must survive a raw re-frame unchanged.
		again, err := Decompress(AppendRaw(nil, out), maxOut)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("re-frame round trip: %v", err)
		}
	})
}

func BenchmarkAppendRaw64K(b *testing.B) {
	src := make([]byte, 64<<10)
	dst := make([]byte, 0, RawSize(len(src)))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		dst = AppendRaw(dst[:0], src)
	}
}
