package xpress

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

func TestCompressRoundTripAndShrinks(t *testing.T) {
	var src bytes.Buffer
	for i := range 6000 { // ~150 KiB of CLIXML-like text: three chunks
		fmt.Fprintf(&src, `<Obj RefId="%d"><MS><S N="Name">policy-%d</S><B N="Enabled">true</B></MS></Obj>`, i, i%97)
	}
	framed := Compress(src.Bytes())
	if len(framed) >= src.Len()/2 {
		t.Fatalf("compressed %d bytes to %d: no real compression", src.Len(), len(framed))
	}
	got, err := Decompress(framed, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, src.Bytes()) {
		t.Fatal("round trip changed the data")
	}
}

func TestCompressStoresSmallChunksRaw(t *testing.T) {
	small := bytes.Repeat([]byte("a"), 265)
	framed := Compress(small)
	orig, comp := binary.LittleEndian.Uint16(framed), binary.LittleEndian.Uint16(framed[2:])
	if orig != comp || int(orig)+1 != len(small) || !bytes.Equal(framed[4:], small) {
		t.Fatalf("a %d-byte chunk must be stored raw: header %d/%d", len(small), orig, comp)
	}
	big := bytes.Repeat([]byte("a"), 266)
	framed = Compress(big)
	if orig, comp := binary.LittleEndian.Uint16(framed), binary.LittleEndian.Uint16(framed[2:]); orig == comp {
		t.Fatal("a compressible 266-byte chunk was stored raw")
	}
}
