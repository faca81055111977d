package xpress

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// specTable builds a 256-byte code-length table with the given bytes set.
func specTable(set map[int]byte) []byte {
	t := make([]byte, 256)
	for i, v := range set {
		t[i] = v
	}
	return t
}

// MS-XCA 3.2, first example: "abcdefghijklmnopqrstuvwxyz" as literals.
func specAlphabet() []byte {
	t := specTable(map[int]byte{
		48: 0x50, 49: 0x55, 50: 0x55, 51: 0x55, 52: 0x55, 53: 0x55, 54: 0x55,
		55: 0x55, 56: 0x55, 57: 0x55, 58: 0x55, 59: 0x45, 60: 0x44, 61: 0x04,
		128: 0x04,
	})
	return append(t, 0xd8, 0x52, 0x3e, 0xd7, 0x94, 0x11, 0x5b, 0xe9, 0x19, 0x5f,
		0xf9, 0xd6, 0x7c, 0xdf, 0x8d, 0x04, 0x00, 0x00, 0x00, 0x00)
}

// MS-XCA 3.2, second example: 300 bytes "abcabc...", abc + match(3, 297).
func specABC() []byte {
	t := specTable(map[int]byte{48: 0x30, 49: 0x23, 128: 0x02, 143: 0x20})
	return append(t, 0xa8, 0xdc, 0x00, 0x00, 0xff, 0x26, 0x01)
}

func TestDecompressHuffmanSpecExamples(t *testing.T) {
	tests := []struct {
		name string
		src  []byte
		want string
	}{
		{"alphabet", specAlphabet(), "abcdefghijklmnopqrstuvwxyz"},
		{"abc300", specABC(), strings.Repeat("abc", 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Decoder
			got, err := d.DecompressHuffman(nil, tt.src, len(tt.want))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			// Appends after existing content, and matches must not reach it.
			got, err = d.DecompressHuffman([]byte("prefix"), tt.src, len(tt.want))
			if err != nil || string(got) != "prefix"+tt.want {
				t.Fatalf("append: %q, %v", got, err)
			}
		})
	}
}

func TestDecompressHuffmanRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	inputs := map[string][]byte{
		"empty-ish":  []byte("x"),
		"text":       []byte(strings.Repeat("The quick brown fox jumps over the lazy dog. ", 300)),
		"zeros64k":   make([]byte, ChunkSize),
		"longmatch":  append([]byte("ab"), bytes.Repeat([]byte{'z'}, 70000-2)...)[:ChunkSize],
		"random":     randBytes(r, 5000),
		"lowentropy": lowEntropy(r, 40000),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			c := compressHuffman(in)
			var d Decoder
			got, err := d.DecompressHuffman(nil, c, len(in))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, in) {
				t.Fatalf("round trip mismatch (len %d vs %d)", len(got), len(in))
			}
		})
	}
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func lowEntropy(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = "aaaabbc<>/"[r.IntN(10)]
	}
	return b
}

func TestDecompressHuffmanCorrupt(t *testing.T) {
	abc := specABC()
	tests := []struct {
		name   string
		src    []byte
		outLen int
		msg    string
	}{
		{"short", abc[:200], 300, "too short"},
		{"no table entries", make([]byte, 300), 10, "incomplete"},
		{"incomplete table", func() []byte { b := append([]byte(nil), abc...); b[143] = 0; return b }(), 300, "incomplete"},
		{"oversubscribed", func() []byte { b := append([]byte(nil), abc...); b[0] = 0x11; return b }(), 300, "over-subscribed"},
		{"truncated length bytes", abc[:len(abc)-2], 300, "truncated match length"},
		{"stream overrun", specAlphabet()[:256+6], 26, "overruns input"},
		{"match overruns output", abc, 299, "overruns output"},
		{"block too big", abc, ChunkSize + 1, "block length"},
		{"negative length", abc, -1, "block length"},
		{"offset before start", func() []byte {
			// Same tables, but the stream starts with the match symbol (code 10).
			b := append([]byte(nil), abc[:256]...)
			return append(b, 0x00, 0x80, 0x00, 0x00, 0xff, 0x26, 0x01, 0, 0)
		}(), 297, "before start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Decoder
			_, err := d.DecompressHuffman(nil, tt.src, tt.outLen)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want ErrCorrupt mentioning %q", err, tt.msg)
			}
		})
	}
}

func BenchmarkDecompressHuffman(b *testing.B) {
	in := []byte(strings.Repeat("<Obj RefId=\"0\"><MS><S N=\"Name\">Get-Mailbox</S></MS></Obj>", 1200))[:ChunkSize]
	c := compressHuffman(in)
	var d Decoder
	buf := make([]byte, 0, len(in))
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.DecompressHuffman(buf[:0], c, len(in)); err != nil {
			b.Fatal(err)
		}
	}
}
