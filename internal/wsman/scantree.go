package wsman

import (
	"bytes"
	"encoding/xml"
	"sync"
)

// scanners recycles scanner buffers between parses. A scanner that grew
// past the pool caps is dropped instead, so that one large envelope does
// not pin its memory.
var scanners = sync.Pool{New: func() any { return new(scanner) }}

// Pool caps: a scanner is reused only while its buffers stay below these.
const (
	poolMaxElems = 1024
	poolMaxBytes = 64 << 10
)

// scanTree parses data (BOM already removed) with the fast scanner. On
// success it returns the root and the scanner that owns the tree; the
// caller must call free once done with the tree. On errNotFast the
// scanner is already freed.
func scanTree(data []byte, lim Limits) (*element, *scanner, error) {
	s := scanners.Get().(*scanner)
	s.data, s.lim = data, lim
	s.reserve()
	if err := s.scan(); err != nil {
		s.free()
		return nil, nil, err
	}
	return s.build(), s, nil
}

// reserve sizes the buffers for s.data up front, from upper bounds that
// cost a few vectorised passes over the input, so that large envelopes do
// not pay for repeated growth.
func (s *scanner) reserve() {
	lt := bytes.Count(s.data, []byte("<"))
	tags := lt
	if lt > poolMaxElems {
		tags -= bytes.Count(s.data, []byte("</")) // worth a second pass
	}
	tags = min(tags, s.lim.MaxElements) // scan stops beyond the limit
	if cap(s.elems) < tags {
		s.elems = make([]element, 0, tags)
		s.nodes = make([]node, 0, tags)
	}
	if cap(s.pieces) < lt+1 {
		s.pieces = make([]piece, 0, lt+1)
	}
	if eq := bytes.Count(s.data, []byte("=")); cap(s.attrs) < eq {
		s.attrs = make([]xml.Attr, 0, eq)
	}
}

// build links the scanned elements into a tree and returns its root.
// Parents, children, attributes and text are set as decodeTreeXML sets
// them; a single run of text aliases the input.
func (s *scanner) build() *element {
	n := len(s.elems)
	if cap(s.kids) < n {
		s.kids = make([]*element, n)
	}
	s.kids = s.kids[:n]
	var off int32
	for i := range s.nodes {
		s.nodes[i].kidCur = off
		off += s.nodes[i].nkids
	}
	for i := 1; i < n; i++ {
		p := s.nodes[i].parent
		e := &s.elems[i]
		e.parent = &s.elems[p]
		s.kids[s.nodes[p].kidCur] = e
		s.nodes[p].kidCur++
	}
	var textLen int32
	for i := range s.nodes {
		nd := &s.nodes[i]
		e := &s.elems[i]
		if nd.nkids > 0 {
			e.children = s.kids[nd.kidCur-nd.nkids : nd.kidCur : nd.kidCur]
		}
		e.attrs = s.attrs[nd.a0:nd.a1:nd.a1]
		switch {
		case nd.npieces == 1 && !nd.decoded:
			p := s.pieces[nd.singlePieceIdx]
			e.text = s.data[p.start:p.end:p.end]
		case nd.npieces > 0:
			nd.textCur = textLen
			textLen += nd.tlen
		}
	}
	if textLen == 0 {
		return &s.elems[0]
	}
	if cap(s.text) < int(textLen) {
		s.text = make([]byte, textLen)
	}
	s.text = s.text[:textLen]
	for _, p := range s.pieces {
		nd := &s.nodes[p.elem]
		if nd.npieces == 1 && !nd.decoded {
			continue
		}
		src := s.data
		if p.decoded {
			src = s.dec
		}
		nd.textCur += int32(copy(s.text[nd.textCur:], src[p.start:p.end]))
	}
	for i := range s.nodes {
		if nd := &s.nodes[i]; nd.npieces > 1 || nd.decoded {
			s.elems[i].text = s.text[nd.textCur-nd.tlen : nd.textCur : nd.textCur]
		}
	}
	return &s.elems[0]
}

// free drops the tree and returns s to the pool. It is a no-op on nil.
//
// The pooled buffers are not cleared: stale entries are overwritten
// before they are read again, and what they keep alive is bounded by the
// pool caps (the input only when at most poolMaxBytes) and by sync.Pool
// dropping idle entries at garbage collection.
func (s *scanner) free() {
	if s == nil {
		return
	}
	big := len(s.data) > poolMaxBytes
	s.data, s.pos = nil, 0
	s.elems, s.nodes, s.attrs, s.kids = s.elems[:0], s.nodes[:0], s.attrs[:0], s.kids[:0]
	s.stack, s.ns, s.pieces, s.dec, s.text = s.stack[:0], s.ns[:0], s.pieces[:0], s.dec[:0], s.text[:0]
	if big || cap(s.elems) > poolMaxElems || cap(s.attrs) > 4*poolMaxElems || cap(s.pieces) > 2*poolMaxElems ||
		cap(s.dec) > poolMaxBytes || cap(s.text) > poolMaxBytes {
		return
	}
	scanners.Put(s)
}
