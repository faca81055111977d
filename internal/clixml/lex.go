package clixml

import (
	"encoding/xml"
	"errors"
	"io"
	"unicode/utf8"
)

// tokKind is the kind of a lexer token.
type tokKind uint8

const (
	tokStart     tokKind = iota + 1 // start tag; name and attrs
	tokEnd                          // end tag (also after a self-closing tag); name
	tokText                         // character data, entities decoded; text
	tokSkip                         // comment or processing instruction
	tokDirective                    // <!DOCTYPE ...> and the like
)

// token is one XML token, as encoding/xml's RawToken reports it: names
// are not namespace-resolved. attrs and text are valid only until the next
// call of the lexer that produced them.
type token struct {
	kind  tokKind
	name  xml.Name
	attrs []xml.Attr
	text  []byte
}

// lexer yields raw XML tokens. next returns io.EOF at the end of input.
type lexer interface {
	next(t *token) error
	// offset is the input byte offset after the last token.
	offset() int64
}

// xmlLexer adapts encoding/xml's RawToken; it handles all of XML 1.0 that
// encoding/xml does and is the authoritative lexer.
type xmlLexer struct {
	x *xml.Decoder
}

func (l *xmlLexer) offset() int64 { return l.x.InputOffset() }

func (l *xmlLexer) next(t *token) error {
	tok, err := l.x.RawToken()
	if err != nil {
		return err
	}
	*t = token{}
	switch v := tok.(type) {
	case xml.StartElement:
		t.kind, t.name, t.attrs = tokStart, v.Name, v.Attr
	case xml.EndElement:
		t.kind, t.name = tokEnd, v.Name
	case xml.CharData:
		t.kind, t.text = tokText, v
	case xml.Directive:
		t.kind = tokDirective
	default: // xml.Comment, xml.ProcInst
		t.kind = tokSkip
	}
	return nil
}

// errNotFast reports input outside the fast lexer's subset; the caller
// then decodes again with xmlLexer.
var errNotFast = errors.New("clixml: input outside the fast lexer's subset")

// fastLexer tokenizes the subset of XML that CLIXML message data uses and
// returns errNotFast for anything else, so that the caller can fall back
// to encoding/xml. The subset: UTF-8 input; start, end and self-closing
// tags with ASCII names without a colon; quoted attribute values; text
// without CR, without "]]>" and with only the five predefined entity
// references; XML characters only. Comments, processing instructions,
// CDATA sections, directives, numeric character references and malformed
// input are all left to encoding/xml. Within the subset the tokens equal
// those of encoding/xml's RawToken.
//
// Element and attribute names are interned, and so are N attribute values
// (property names repeat across objects), which saves most of the
// per-token allocations of encoding/xml.
type fastLexer struct {
	data      []byte
	pos       int
	attrs     []xml.Attr
	scratch   []byte
	needClose bool
	closeName string
	values    map[string]string // interned N values
}

func (l *fastLexer) offset() int64 { return int64(l.pos) }

func (l *fastLexer) next(t *token) error {
	if l.needClose {
		l.needClose = false
		*t = token{kind: tokEnd, name: xml.Name{Local: l.closeName}}
		return nil
	}
	if l.pos >= len(l.data) {
		return errEOF
	}
	if l.data[l.pos] != '<' {
		text, err := l.text(0)
		if err != nil {
			return err
		}
		*t = token{kind: tokText, text: text}
		return nil
	}
	l.pos++
	if l.pos < len(l.data) && l.data[l.pos] == '/' {
		l.pos++
		name, err := l.name()
		if err != nil {
			return err
		}
		l.space()
		if l.pos >= len(l.data) || l.data[l.pos] != '>' {
			return errNotFast
		}
		l.pos++
		*t = token{kind: tokEnd, name: xml.Name{Local: name}}
		return nil
	}
	name, err := l.name()
	if err != nil {
		return err // also "<!" and "<?"
	}
	l.attrs = l.attrs[:0]
	for {
		l.space()
		if l.pos >= len(l.data) {
			return errNotFast
		}
		switch l.data[l.pos] {
		case '>':
			l.pos++
			*t = token{kind: tokStart, name: xml.Name{Local: name}, attrs: l.attrs}
			return nil
		case '/':
			if l.pos+1 >= len(l.data) || l.data[l.pos+1] != '>' {
				return errNotFast
			}
			l.pos += 2
			l.needClose, l.closeName = true, name
			*t = token{kind: tokStart, name: xml.Name{Local: name}, attrs: l.attrs}
			return nil
		}
		an, err := l.name()
		if err != nil {
			return err
		}
		l.space()
		if l.pos >= len(l.data) || l.data[l.pos] != '=' {
			return errNotFast
		}
		l.pos++
		l.space()
		if l.pos >= len(l.data) {
			return errNotFast
		}
		q := l.data[l.pos]
		if q != '"' && q != '\'' {
			return errNotFast
		}
		l.pos++
		raw, err := l.text(q)
		if err != nil {
			return err
		}
		l.pos++ // closing quote
		var v string
		if an == "N" {
			v = l.intern(raw)
		} else {
			v = string(raw)
		}
		l.attrs = append(l.attrs, xml.Attr{Name: xml.Name{Local: an}, Value: v})
	}
}

// errEOF is io.EOF; named here so that next reads as the lexer contract.
var errEOF = io.EOF

func (l *fastLexer) space() {
	for l.pos < len(l.data) {
		switch l.data[l.pos] {
		case ' ', '\t', '\n', '\r':
			l.pos++
		default:
			return
		}
	}
}

// name scans an ASCII XML name without a colon and returns it interned
// when it is a CLIXML element or attribute name.
func (l *fastLexer) name() (string, error) {
	start := l.pos
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' ||
			l.pos > start && ('0' <= c && c <= '9' || c == '.' || c == '-') {
			l.pos++
			continue
		}
		if c == ':' || c >= utf8.RuneSelf { // a prefix or a non-ASCII name
			return "", errNotFast
		}
		break
	}
	if l.pos == start { // also "<!", "<?" and a name starting with a digit
		return "", errNotFast
	}
	b := l.data[start:l.pos]
	if s, ok := knownNames[string(b)]; ok {
		return s, nil
	}
	return string(b), nil
}

// text scans character data up to '<' (quote 0) or up to the closing
// quote, which it leaves unread. The result aliases the input when there
// are no entity references and the lexer's scratch buffer otherwise.
func (l *fastLexer) text(quote byte) ([]byte, error) {
	start := l.pos
	out := l.data[start:start]
	copied := false
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		switch {
		case quote == 0 && c == '<', quote != 0 && c == quote:
			if !copied {
				return l.data[start:l.pos], nil
			}
			return out, nil
		case quote != 0 && c == '<', c == '\r':
			return nil, errNotFast
		case c == ']' && quote == 0 && l.pos+2 < len(l.data) && l.data[l.pos+1] == ']' && l.data[l.pos+2] == '>':
			return nil, errNotFast
		case c == '&':
			if !copied {
				l.scratch = append(l.scratch[:0], l.data[start:l.pos]...)
				copied = true
			}
			r, n := entity(l.data[l.pos:])
			if n == 0 {
				return nil, errNotFast
			}
			l.scratch = append(l.scratch, r)
			l.pos += n
			out = l.scratch
			continue
		case c < 0x20:
			if c != '\t' && c != '\n' {
				return nil, errNotFast
			}
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(l.data[l.pos:])
			if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
				return nil, errNotFast
			}
			if copied {
				l.scratch = append(l.scratch, l.data[l.pos:l.pos+n]...)
				out = l.scratch
			}
			l.pos += n
			continue
		}
		if copied {
			l.scratch = append(l.scratch, c)
			out = l.scratch
		}
		l.pos++
	}
	if quote != 0 {
		return nil, errNotFast
	}
	if !copied {
		return l.data[start:l.pos], nil
	}
	return out, nil
}

// entity decodes one of the five predefined entity references at the
// start of b, returning its byte and length, or n == 0.
func entity(b []byte) (c byte, n int) {
	switch {
	case len(b) >= 4 && string(b[:4]) == "&lt;":
		return '<', 4
	case len(b) >= 4 && string(b[:4]) == "&gt;":
		return '>', 4
	case len(b) >= 5 && string(b[:5]) == "&amp;":
		return '&', 5
	case len(b) >= 6 && string(b[:6]) == "&apos;":
		return '\'', 6
	case len(b) >= 6 && string(b[:6]) == "&quot;":
		return '"', 6
	}
	return 0, 0
}

func (l *fastLexer) intern(b []byte) string {
	if s, ok := l.values[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(s) <= 128 && len(l.values) < 4096 {
		if l.values == nil {
			l.values = make(map[string]string)
		}
		l.values[s] = s
	}
	return s
}

// knownNames interns the element and attribute names of CLIXML.
var knownNames = func() map[string]string {
	m := map[string]string{}
	for _, s := range []string{
		"Obj", "Objs", "Ref", "Nil", "TN", "TNRef", "T", "ToString", "Props", "MS",
		"LST", "IE", "STK", "QUE", "DCT", "En", "N", "RefId", "Version", "xmlns",
		"S", "C", "B", "DT", "TS", "By", "SB", "U16", "I16", "U32", "I32", "U64", "I64",
		"Sg", "Db", "D", "BA", "G", "URI", "XD", "SBK", "SS", "PR",
	} {
		m[s] = s
	}
	return m
}()
