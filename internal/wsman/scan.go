package wsman

import (
	"bytes"
	"encoding/xml"
	"errors"
	"unicode/utf8"
)

// errNotFast reports input outside the fast scanner's subset; decodeTree
// then parses the envelope again with encoding/xml, which is
// authoritative for every error.
var errNotFast = errors.New("wsman: input outside the fast scanner's subset")

// scanner builds the element tree of an envelope without encoding/xml,
// for the subset of XML that SOAP clients send:
//
//   - UTF-8 input, optionally starting with one of xmlDecls;
//   - start, end and self-closing tags whose names are ASCII and have at
//     most one colon, with a non-empty part on either side;
//   - quoted attribute values and text without CR, with only the five
//     predefined entity references, and with XML characters only; text
//     outside the root element is ASCII white space;
//   - no comments, processing instructions, CDATA sections, DTDs or
//     numeric character references.
//
// Anything else, and anything that breaks a Limits bound or is not
// well-formed, makes scan return errNotFast without a diagnosis. Within
// the subset the tree equals the one encoding/xml's Token yields
// (namespace translation included); FuzzFastPath checks this.
//
// A scanner is reused through scanners; the tree it builds aliases the
// input and its own buffers and is valid until free.
type scanner struct {
	data  []byte
	pos   int
	lim   Limits
	elems []element
	nodes []node // parallel to elems
	attrs []xml.Attr
	kids  []*element
	stack []frame
	ns    []binding
	// prefixes holds the raw prefix bounds of the attributes of the
	// start tag being scanned ({0, 0} for none).
	prefixes [][2]int32
	pieces   []piece
	dec      []byte // entity-decoded text, addressed by piece offsets
	text     []byte // concatenated text of elements with several pieces
}

// node is the scan-time bookkeeping of one element; indices, because
// elems may move while it grows.
type node struct {
	parent         int32 // -1 for the root
	a0, a1         int32 // attrs[a0:a1]
	nkids, kidCur  int32
	npieces, tlen  int32
	textCur        int32
	decoded        bool // some piece is in dec
	singlePieceIdx int32
}

// frame is an open element: its index, raw name bounds (to match the end
// tag byte for byte, as encoding/xml does in Strict mode) and the ns depth
// to restore when it closes.
type frame struct {
	elem               int32
	nameStart, nameEnd int32
	nsMark             int32
}

// binding is one namespace declaration in scope; prefix "" is xmlns="...".
type binding struct{ prefix, uri string }

// piece is one run of character data of element elem: data[start:end], or
// dec[start:end] when decoded.
type piece struct {
	elem       int32
	start, end int32
	decoded    bool
}

// xmlDecls are the XML declarations the fast path accepts at offset 0
// (the forms Windows, pypsrp/ElementTree and .NET write). encoding/xml
// accepts all of them: version 1.0, encoding UTF-8.
var xmlDecls = []string{
	`<?xml version="1.0" encoding="utf-8"?>`,
	`<?xml version="1.0" encoding="UTF-8"?>`,
	`<?xml version='1.0' encoding='utf-8'?>`,
	`<?xml version='1.0' encoding='UTF-8'?>`,
	`<?xml version="1.0"?>`,
	`<?xml version='1.0'?>`,
}

// nameByte marks the ASCII bytes allowed after the first in an XML name
// (colon excluded; see qname). textByte marks the bytes text scanning
// passes over without a closer look.
var nameByte, textByte [256]bool

func init() {
	for c := 0; c < 256; c++ {
		b := byte(c)
		nameByte[c] = 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '_' || b == '.' || b == '-'
		textByte[c] = b >= 0x20 && b < utf8.RuneSelf && b != '<' && b != '&' && b != ']' && b != '"' && b != '\'' || b == '\t' || b == '\n'
	}
}

// scan parses s.data into s.elems and friends; build then links the tree.
func (s *scanner) scan() error {
	d := s.data
	for _, decl := range xmlDecls {
		if bytes.HasPrefix(d, []byte(decl)) {
			s.pos = len(decl)
			break
		}
	}
	root := false
	for s.pos < len(d) {
		if d[s.pos] != '<' {
			if len(s.stack) == 0 {
				if !s.spaceOutside() {
					return errNotFast
				}
				continue
			}
			if err := s.charData(); err != nil {
				return err
			}
			continue
		}
		if s.pos+1 >= len(d) {
			return errNotFast
		}
		switch d[s.pos+1] {
		case '/':
			if err := s.endTag(); err != nil {
				return err
			}
		case '?', '!':
			return errNotFast
		default:
			if root && len(s.stack) == 0 {
				return errNotFast // a second root element
			}
			root = true
			if err := s.startTag(); err != nil {
				return err
			}
		}
	}
	if !root || len(s.stack) != 0 {
		return errNotFast
	}
	return nil
}

// spaceOutside skips white space outside the root element and reports
// whether it stopped at '<' or the end.
func (s *scanner) spaceOutside() bool {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		case '<':
			return true
		default:
			return false
		}
	}
	return true
}

// skipSpace skips XML white space inside a tag.
func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// qname scans a name at s.pos and returns its bounds and the index of its
// colon (-1 if none).
func (s *scanner) qname() (start, colon, end int, ok bool) {
	d := s.data
	i := s.pos
	if i >= len(d) {
		return 0, 0, 0, false
	}
	if c := d[i]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_') {
		return 0, 0, 0, false
	}
	start, colon = i, -1
	for i++; i < len(d); i++ {
		c := d[i]
		if nameByte[c] {
			continue
		}
		if c == ':' {
			if colon >= 0 {
				return 0, 0, 0, false
			}
			colon = i
			continue
		}
		if c >= utf8.RuneSelf {
			return 0, 0, 0, false
		}
		break
	}
	if colon == i-1 {
		return 0, 0, 0, false
	}
	s.pos = i
	return start, colon, i, true
}

// startTag scans <name attr="v" ...> or <name .../> at s.pos.
func (s *scanner) startTag() error {
	d := s.data
	s.pos++
	ns, colon, ne, ok := s.qname()
	if !ok {
		return errNotFast
	}
	idx := len(s.elems)
	if idx+1 > s.lim.MaxElements || len(s.stack)+1 > s.lim.MaxDepth {
		return errNotFast
	}
	a0 := len(s.attrs)
	nsMark := len(s.ns)
	s.prefixes = s.prefixes[:0]
	selfClose := false
	for {
		s.skipSpace()
		if s.pos >= len(d) {
			return errNotFast
		}
		if c := d[s.pos]; c == '>' {
			s.pos++
			break
		} else if c == '/' {
			if s.pos+1 >= len(d) || d[s.pos+1] != '>' {
				return errNotFast
			}
			s.pos += 2
			selfClose = true
			break
		}
		as, acolon, ae, ok := s.qname()
		if !ok {
			return errNotFast
		}
		s.skipSpace()
		if s.pos >= len(d) || d[s.pos] != '=' {
			return errNotFast
		}
		s.pos++
		s.skipSpace()
		if s.pos >= len(d) || d[s.pos] != '"' && d[s.pos] != '\'' {
			return errNotFast
		}
		q := d[s.pos]
		s.pos++
		v, err := s.attrValue(q)
		if err != nil {
			return err
		}
		if len(s.attrs)-a0 >= s.lim.MaxAttrs {
			return errNotFast
		}
		// Name.Space is set below, once the declarations are known; the
		// raw prefix is kept in prefixes meanwhile.
		var a xml.Attr
		if acolon < 0 {
			a.Name.Local = intern(d[as:ae])
			s.prefixes = append(s.prefixes, [2]int32{})
		} else {
			a.Name.Local = intern(d[acolon+1 : ae])
			s.prefixes = append(s.prefixes, [2]int32{int32(as), int32(acolon)})
		}
		a.Value = v
		s.attrs = append(s.attrs, a)
	}
	// Declarations apply to the element's own name and attributes, as in
	// encoding/xml's Token; a later duplicate wins.
	for i, a := range s.attrs[a0:] {
		if p := s.prefixes[i]; string(d[p[0]:p[1]]) == "xmlns" {
			s.ns = append(s.ns, binding{a.Name.Local, a.Value})
		} else if p[1] == 0 && a.Name.Local == "xmlns" {
			s.ns = append(s.ns, binding{"", a.Value})
		}
	}
	var name xml.Name
	if colon < 0 {
		name.Local = intern(d[ns:ne])
		name.Space = s.translate(nil, name.Local, true)
	} else {
		name.Local = intern(d[colon+1 : ne])
		name.Space = s.translate(d[ns:colon], name.Local, true)
	}
	for i, p := range s.prefixes {
		a := &s.attrs[a0+i]
		a.Name.Space = s.translate(d[p[0]:p[1]], a.Name.Local, false)
	}
	s.prefixes = s.prefixes[:0]
	parent := int32(-1)
	if n := len(s.stack); n > 0 {
		parent = s.stack[n-1].elem
		s.nodes[parent].nkids++
	}
	s.elems = append(s.elems, element{name: name})
	s.nodes = append(s.nodes, node{parent: parent, a0: int32(a0), a1: int32(len(s.attrs))})
	if selfClose {
		s.ns = s.ns[:nsMark]
		return nil
	}
	s.stack = append(s.stack, frame{elem: int32(idx), nameStart: int32(ns), nameEnd: int32(ne), nsMark: int32(nsMark)})
	return nil
}

// translate returns the namespace of a name with the given raw prefix,
// following encoding/xml's Decoder.translate exactly: xmlns-prefixed names
// and unprefixed attributes keep their space, "xml" is NSXML, a declared
// prefix is its URI and an undeclared one stays itself.
func (s *scanner) translate(prefix []byte, local string, isElem bool) string {
	switch {
	case string(prefix) == "xmlns":
		return "xmlns"
	case len(prefix) == 0 && !isElem:
		return ""
	case string(prefix) == "xml":
		return NSXML
	case len(prefix) == 0 && local == "xmlns":
		return ""
	}
	for i := len(s.ns) - 1; i >= 0; i-- {
		if s.ns[i].prefix == string(prefix) {
			return s.ns[i].uri
		}
	}
	return intern(prefix)
}

// endTag scans </name> at s.pos and closes the open element.
func (s *scanner) endTag() error {
	d := s.data
	s.pos += 2
	ns, _, ne, ok := s.qname()
	if !ok {
		return errNotFast
	}
	s.skipSpace()
	if s.pos >= len(d) || d[s.pos] != '>' {
		return errNotFast
	}
	s.pos++
	n := len(s.stack)
	if n == 0 {
		return errNotFast
	}
	top := s.stack[n-1]
	if !bytes.Equal(d[ns:ne], d[top.nameStart:top.nameEnd]) {
		return errNotFast
	}
	s.stack = s.stack[:n-1]
	s.ns = s.ns[:top.nsMark]
	return nil
}
