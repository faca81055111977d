package xpress

import (
	"encoding/binary"
	"fmt"
)

// ChunkSize is the largest original size of one framed chunk: both lengths
// in the chunk header are 16-bit values minus one (MS-WSMV 3.1.4.1.31.6).
const ChunkSize = 1 << 16

// headerSize is the chunk header: original length − 1 and compressed
// length − 1, each a little-endian uint16.
const headerSize = 4

// Decompress decodes MS-WSMV compressed stream data: a sequence of chunks,
// each a 4-byte header (original length − 1, compressed length − 1 as
// little-endian uint16s) followed by the compressed bytes. A chunk whose two
// lengths are equal is stored raw; otherwise it is one LZ77+Huffman block
// (MS-XCA 2.2). Chunks are independent (no shared history).
//
// The result never exceeds maxOut bytes: a header announcing more fails
// with ErrTooLarge before any work. Truncated input and codec errors wrap
// ErrCorrupt. Empty input decodes to empty output.
func Decompress(src []byte, maxOut int) ([]byte, error) {
	var (
		d   *Decoder
		out []byte
	)
	for len(src) > 0 {
		if len(src) < headerSize {
			return nil, fmt.Errorf("%w: truncated chunk header", ErrCorrupt)
		}
		orig := int(binary.LittleEndian.Uint16(src)) + 1
		comp := int(binary.LittleEndian.Uint16(src[2:])) + 1
		src = src[headerSize:]
		if len(out)+orig > maxOut {
			return nil, fmt.Errorf("%w: %d > %d bytes", ErrTooLarge, len(out)+orig, maxOut)
		}
		if comp > len(src) {
			return nil, fmt.Errorf("%w: chunk of %d bytes, %d left", ErrCorrupt, comp, len(src))
		}
		chunk := src[:comp]
		src = src[comp:]
		if comp == orig {
			out = append(out, chunk...)
			continue
		}
		if d == nil {
			d = new(Decoder)
		}
		var err error
		if out, err = d.DecompressHuffman(out, chunk, orig); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AppendRaw appends src to dst in the MS-WSMV framing using stored chunks
// of at most ChunkSize bytes — what a server that never compresses sends to
// a client that asked for xpress. Empty src appends nothing.
func AppendRaw(dst, src []byte) []byte {
	for len(src) > 0 {
		n := min(len(src), ChunkSize)
		var h [headerSize]byte
		binary.LittleEndian.PutUint16(h[:], uint16(n-1))
		binary.LittleEndian.PutUint16(h[2:], uint16(n-1))
		dst = append(dst, h[:]...)
		dst = append(dst, src[:n]...)
		src = src[n:]
	}
	return dst
}

// RawSize returns len(AppendRaw(nil, make([]byte, n))): the framed size of
// n raw bytes, for envelope budgeting.
func RawSize(n int) int {
	if n <= 0 {
		return 0
	}
	return n + headerSize*((n+ChunkSize-1)/ChunkSize)
}
