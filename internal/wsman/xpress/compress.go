package xpress

import (
	"container/heap"
	"encoding/binary"
	"sort"
)

// This file holds a small LZ77+Huffman encoder (MS-XCA 2.1). It favours
// clarity over ratio: greedy matching on 3-byte hashes, one Huffman block
// per chunk. ippsd answers in stored chunks (AppendRaw), which MS-WSMV
// allows; Compress exists so that tests can send what a Windows client
// sends, and for peers that want real compression.

type token struct {
	lit    byte
	length int // 0 for a literal
	dist   int
}

func highBit(v int) int {
	n := -1
	for v > 0 {
		v >>= 1
		n++
	}
	return n
}

func symbolOf(t token) int {
	if t.length == 0 {
		return int(t.lit)
	}
	l := min(t.length-3, 15)
	return 256 + l + 16*highBit(t.dist)
}

// lz77 finds greedy matches of length ≥ 3 within 65535 bytes.
func lz77(src []byte) []token {
	var toks []token
	last := map[uint32]int{}
	for i := 0; i < len(src); {
		if i+3 <= len(src) {
			k := uint32(src[i]) | uint32(src[i+1])<<8 | uint32(src[i+2])<<16
			j, ok := last[k]
			last[k] = i
			if ok && i-j <= 65535 {
				n := 0
				for i+n < len(src) && src[j+n] == src[i+n] {
					n++
				}
				if n >= 3 {
					toks = append(toks, token{length: n, dist: i - j})
					for p := i + 1; p < i+n && p+3 <= len(src); p++ {
						last[uint32(src[p])|uint32(src[p+1])<<8|uint32(src[p+2])<<16] = p
					}
					i += n
					continue
				}
			}
		}
		toks = append(toks, token{lit: src[i]})
		i++
	}
	return toks
}

type hnode struct {
	freq  int
	sym   int // -1 for internal
	left  *hnode
	right *hnode
	order int
}
type hheap []*hnode

func (h hheap) Len() int { return len(h) }
func (h hheap) Less(i, j int) bool {
	if h[i].freq != h[j].freq {
		return h[i].freq < h[j].freq
	}
	return h[i].order < h[j].order
}
func (h hheap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *hheap) Push(x any)   { *h = append(*h, x.(*hnode)) }
func (h *hheap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// codeLengths builds Huffman code lengths limited to 15 bits by flattening
// the frequencies until the tree is shallow enough.
func codeLengths(freq []int) []int {
	f := append([]int(nil), freq...)
	for {
		h := &hheap{}
		order := 0
		for s, v := range f {
			if v > 0 {
				heap.Push(h, &hnode{freq: v, sym: s, order: order})
				order++
			}
		}
		for h.Len() > 1 {
			a := heap.Pop(h).(*hnode)
			b := heap.Pop(h).(*hnode)
			heap.Push(h, &hnode{freq: a.freq + b.freq, sym: -1, left: a, right: b, order: order})
			order++
		}
		lens := make([]int, len(f))
		maxLen := 0
		var walk func(n *hnode, d int)
		walk = func(n *hnode, d int) {
			if n.sym >= 0 {
				lens[n.sym] = d
				maxLen = max(maxLen, d)
				return
			}
			walk(n.left, d+1)
			walk(n.right, d+1)
		}
		walk(heap.Pop(h).(*hnode), 0)
		if maxLen <= 15 {
			return lens
		}
		for i := range f {
			if f[i] > 0 {
				f[i] = f[i]/2 + 1
			}
		}
	}
}

// bitWriter follows MS-XCA 2.1.4.3's WriteBits/FlushBits exactly.
type bitWriter struct {
	out              []byte
	free             int
	word             uint32
	pos1, pos2, pos3 int
}

func (w *bitWriter) need(n int) {
	for len(w.out) < n {
		w.out = append(w.out, 0)
	}
}

func (w *bitWriter) bits(n int, v uint32) {
	if w.free >= n {
		w.free -= n
		w.word = w.word<<uint(n) + v
		return
	}
	w.word <<= uint(w.free)
	w.word += v >> uint(n-w.free)
	w.free -= n
	w.need(w.pos1 + 2)
	binary.LittleEndian.PutUint16(w.out[w.pos1:], uint16(w.word))
	w.pos1 = w.pos2
	w.pos2 = w.pos3
	w.pos3 += 2
	w.need(w.pos3)
	w.free += 16
	w.word = v
}

func (w *bitWriter) byte1(b byte) { w.need(w.pos3 + 1); w.out[w.pos3] = b; w.pos3++ }
func (w *bitWriter) u16(v uint16) {
	w.need(w.pos3 + 2)
	binary.LittleEndian.PutUint16(w.out[w.pos3:], v)
	w.pos3 += 2
}
func (w *bitWriter) u32(v uint32) {
	w.need(w.pos3 + 4)
	binary.LittleEndian.PutUint32(w.out[w.pos3:], v)
	w.pos3 += 4
}

func (w *bitWriter) flush() []byte {
	w.word <<= uint(w.free)
	w.need(w.pos2 + 2)
	binary.LittleEndian.PutUint16(w.out[w.pos1:], uint16(w.word))
	binary.LittleEndian.PutUint16(w.out[w.pos2:], 0)
	return w.out[:max(w.pos3, w.pos2+2)]
}

// compressHuffman encodes src (≤ 65536 bytes) as one LZ77+Huffman block
// followed by the EOF symbol.
func compressHuffman(src []byte) []byte {
	toks := lz77(src)
	freq := make([]int, 512)
	for _, t := range toks {
		freq[symbolOf(t)]++
	}
	freq[256]++ // EOF
	used := 0
	for _, v := range freq {
		if v > 0 {
			used++
		}
	}
	if used < 2 { // only EOF: a complete code needs a second symbol
		freq[0]++
	}
	lens := codeLengths(freq)
	// Canonical codes: by length, then symbol.
	syms := make([]int, 0, 512)
	for s, l := range lens {
		if l > 0 {
			syms = append(syms, s)
		}
	}
	sort.SliceStable(syms, func(i, j int) bool { return lens[syms[i]] < lens[syms[j]] })
	codes := make([]uint32, 512)
	code, prevLen := uint32(0), lens[syms[0]]
	for i, s := range syms {
		if i > 0 {
			code = (code + 1) << uint(lens[s]-prevLen)
			prevLen = lens[s]
		}
		codes[s] = code
	}
	w := &bitWriter{free: 16, pos1: 256, pos2: 258, pos3: 260}
	w.need(260)
	for i := 0; i < 256; i++ {
		w.out[i] = byte(lens[2*i]) | byte(lens[2*i+1])<<4
	}
	for _, t := range toks {
		s := symbolOf(t)
		w.bits(lens[s], codes[s])
		if t.length == 0 {
			continue
		}
		l := t.length - 3
		if l >= 15 {
			l -= 15
			if l < 255 {
				w.byte1(byte(l))
			} else {
				w.byte1(255)
				l += 15
				if l < 1<<16 {
					w.u16(uint16(l))
				} else {
					w.u16(0)
					w.u32(uint32(l))
				}
			}
		}
		hb := highBit(t.dist)
		w.bits(hb, uint32(t.dist-(1<<uint(hb))))
	}
	w.bits(lens[256], codes[256])
	return w.flush()
}

// minCompress is the chunk size below which Windows stores chunks raw
// (remoting-protocol.md 1.6).
const minCompress = 266

// Compress frames src as MS-WSMV compression chunks (MS-WSMV 3.1.4.1.31.6),
// each of at most ChunkSize bytes, LZ77+Huffman-compressed when the chunk
// has at least 266 bytes and compression shrinks it, stored raw otherwise.
// Decompress reverses it.
func Compress(src []byte) []byte {
	var out []byte
	for len(src) > 0 {
		n := min(len(src), ChunkSize)
		if n < minCompress {
			out = AppendRaw(out, src[:n])
			src = src[n:]
			continue
		}
		c := compressHuffman(src[:n])
		if len(c) >= n { // would not shrink: store raw
			out = AppendRaw(out, src[:n])
		} else {
			var h [4]byte
			binary.LittleEndian.PutUint16(h[:], uint16(n-1))
			binary.LittleEndian.PutUint16(h[2:], uint16(len(c)-1))
			out = append(append(out, h[:]...), c...)
		}
		src = src[n:]
	}
	return out
}
