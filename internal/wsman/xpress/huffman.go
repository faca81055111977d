// Package xpress implements the compression used by MS-WSMV for shell stream
// data: the per-chunk framing of MS-WSMV 3.1.4.1.31.6 around the
// LZ77+Huffman codec of MS-XCA 2.2 (COMPRESSION_FORMAT_XPRESS_HUFF).
//
// Decoding is bounded: callers pass an output cap, every length and offset
// is checked, and invalid Huffman tables are errors. Encoding emits stored
// (uncompressed) chunks only, which every peer must accept.
package xpress

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Errors. Decoding failures wrap ErrCorrupt.
var (
	ErrCorrupt  = errors.New("xpress: corrupt compressed data")
	ErrTooLarge = errors.New("xpress: decompressed size exceeds limit")
)

const (
	tableBytes = 256     // 512 symbols × 4-bit code lengths
	maxBits    = 15      // longest code (MS-XCA 2.1.4.2)
	blockSize  = 1 << 16 // output bytes per Huffman block
	numSymbols = 512
)

// Decoder holds the decoding table so repeated chunks reuse it. The zero
// value is ready to use; a Decoder is not safe for concurrent use.
type Decoder struct {
	table [1 << maxBits]uint16 // 15-bit code prefix → symbol
	lens  [numSymbols]uint8
}

// DecompressHuffman decodes one LZ77+Huffman stream (MS-XCA 2.2.4) that
// expands to exactly outLen bytes, appending them to dst. outLen may be at
// most 65536 (one Huffman block, the WS-Management chunk size). Decoding
// stops once outLen bytes are produced, so the trailing EOF symbol is not
// required. Reads past the end of src, matches before the start of the
// output or past outLen, and incomplete or over-subscribed code tables are
// errors wrapping ErrCorrupt.
func (d *Decoder) DecompressHuffman(dst, src []byte, outLen int) ([]byte, error) {
	if outLen < 0 || outLen > blockSize {
		return dst, fmt.Errorf("%w: block length %d", ErrCorrupt, outLen)
	}
	if outLen == 0 {
		return dst, nil
	}
	if len(src) < tableBytes+4 {
		return dst, fmt.Errorf("%w: %d bytes is too short for a Huffman table", ErrCorrupt, len(src))
	}
	if err := d.buildTable(src[:tableBytes]); err != nil {
		return dst, err
	}
	start := len(dst)
	end := start + outLen
	dst = growTo(dst, end)

	pos := tableBytes
	next := uint32(binary.LittleEndian.Uint16(src[pos:]))<<16 | uint32(binary.LittleEndian.Uint16(src[pos+2:]))
	pos += 4
	extra := 16 // bits available beyond the 16 the decoder may peek
	refill := func() error {
		if extra < 0 {
			if pos+2 > len(src) {
				return fmt.Errorf("%w: bit stream overruns input", ErrCorrupt)
			}
			next |= uint32(binary.LittleEndian.Uint16(src[pos:])) << uint(-extra)
			pos += 2
			extra += 16
		}
		return nil
	}
	out := start
	for out < end {
		sym := d.table[next>>(32-maxBits)]
		n := int(d.lens[sym])
		next <<= uint(n)
		extra -= n
		if err := refill(); err != nil {
			return dst[:out], err
		}
		if sym < 256 {
			dst[out] = byte(sym)
			out++
			continue
		}
		sym -= 256
		length := int(sym & 15)
		offBits := int(sym >> 4)
		if length == 15 {
			if pos >= len(src) {
				return dst[:out], fmt.Errorf("%w: truncated match length", ErrCorrupt)
			}
			length = int(src[pos])
			pos++
			if length == 255 {
				if pos+2 > len(src) {
					return dst[:out], fmt.Errorf("%w: truncated match length", ErrCorrupt)
				}
				length = int(binary.LittleEndian.Uint16(src[pos:]))
				pos += 2
				if length == 0 {
					if pos+4 > len(src) {
						return dst[:out], fmt.Errorf("%w: truncated match length", ErrCorrupt)
					}
					length = int(binary.LittleEndian.Uint32(src[pos:]))
					pos += 4
				}
				if length < 15 {
					return dst[:out], fmt.Errorf("%w: match length %d", ErrCorrupt, length)
				}
				length -= 15
			}
			length += 15
		}
		length += 3
		offset := 1 << uint(offBits)
		if offBits > 0 {
			offset += int(next >> (32 - uint(offBits)))
		}
		next <<= uint(offBits)
		extra -= offBits
		if err := refill(); err != nil {
			return dst[:out], err
		}
		if offset > out-start {
			return dst[:out], fmt.Errorf("%w: match offset %d before start of output", ErrCorrupt, offset)
		}
		if length > end-out {
			return dst[:out], fmt.Errorf("%w: match of %d bytes overruns output", ErrCorrupt, length)
		}
		// Byte by byte: the source may overlap the bytes being written.
		for i := 0; i < length; i++ {
			dst[out] = dst[out-offset]
			out++
		}
	}
	return dst, nil
}

// buildTable reads the 512 4-bit code lengths and fills the canonical
// decoding table (MS-XCA 2.2.4): codes sorted by length, then symbol; the
// table must be filled exactly.
func (d *Decoder) buildTable(lens []byte) error {
	for i, b := range lens {
		d.lens[2*i] = b & 15
		d.lens[2*i+1] = b >> 4
	}
	var count [maxBits + 1]int
	for _, l := range d.lens {
		count[l]++
	}
	// Slice the table by length first, so one pass over the symbols fills it.
	var next [maxBits + 1]int
	pos := 0
	for l := 1; l <= maxBits; l++ {
		next[l] = pos
		pos += count[l] << uint(maxBits-l)
		if pos > len(d.table) {
			return fmt.Errorf("%w: over-subscribed Huffman table", ErrCorrupt)
		}
	}
	if pos != len(d.table) {
		return fmt.Errorf("%w: incomplete Huffman table", ErrCorrupt)
	}
	for sym, l := range d.lens {
		if l == 0 {
			continue
		}
		n := 1 << uint(maxBits-int(l))
		p := next[l]
		for i := 0; i < n; i++ {
			d.table[p+i] = uint16(sym)
		}
		next[l] = p + n
	}
	return nil
}

// growTo extends b to length n, reallocating when needed.
func growTo(b []byte, n int) []byte {
	if n <= cap(b) {
		return b[:n]
	}
	nb := make([]byte, n, n+n/4)
	copy(nb, b)
	return nb
}
