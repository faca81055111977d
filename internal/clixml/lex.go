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
// Element and attribute names of CLIXML are constants, small decimal
// attribute values (RefIds) come from a static table and other attribute
// values (property names repeat across objects and messages) are interned
// in values, which outlives one input when the lexer is pooled; so most
// tokens cost no allocation.
type fastLexer struct {
	data      []byte
	pos       int
	attrs     []xml.Attr
	scratch   []byte
	needClose bool
	closeName string
	values    map[string]string // interned attribute values; keys never alias data
}

// maxInternedValues bounds fastLexer.values; when full it is emptied.
const maxInternedValues = 4096

func (l *fastLexer) offset() int64 { return int64(l.pos) }

// next sets only the fields that t's kind defines (kind and name.Local;
// attrs for a start tag; text for text); the others keep stale values,
// which the decoder never reads. It never sets name.Space, so that stays
// empty as long as t is used with fastLexer alone. The text of a text token
// stays valid past the following end tag (until the next text or start
// tag), which lets readText use it without a copy.
func (l *fastLexer) next(t *token) error {
	if l.needClose {
		l.needClose = false
		t.kind, t.name.Local = tokEnd, l.closeName
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
		t.kind, t.text = tokText, text
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
		t.kind, t.name.Local = tokEnd, name
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
			t.kind, t.name.Local, t.attrs = tokStart, name, l.attrs
			return nil
		case '/':
			if l.pos+1 >= len(l.data) || l.data[l.pos+1] != '>' {
				return errNotFast
			}
			l.pos += 2
			l.needClose, l.closeName = true, name
			t.kind, t.name.Local, t.attrs = tokStart, name, l.attrs
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
		l.attrs = append(l.attrs, xml.Attr{Name: xml.Name{Local: an}, Value: l.intern(raw)})
	}
}

// errEOF is io.EOF; named here so that next reads as the lexer contract.
var errEOF = io.EOF

func (l *fastLexer) space() {
	data, i := l.data, l.pos
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	l.pos = i
}

// name scans an ASCII XML name without a colon and returns it, as a
// constant when it is a CLIXML element or attribute name.
func (l *fastLexer) name() (string, error) {
	data, start := l.data, l.pos
	if start >= len(data) || nameChars[data[start]]&nameStart == 0 {
		// Also "<!", "<?" and a name starting with a digit.
		return "", errNotFast
	}
	i := start + 1
	for i < len(data) && nameChars[data[i]]&nameMore != 0 {
		i++
	}
	l.pos = i
	if i < len(data) {
		if c := data[i]; c == ':' || c >= utf8.RuneSelf { // a prefix or a non-ASCII name
			return "", errNotFast
		}
	}
	b := data[start:i]
	if s := knownName(b); s != "" {
		return s, nil
	}
	return string(b), nil
}

// nameChars classifies the ASCII bytes of the names fastLexer accepts.
var nameChars = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', c == '_':
			t[c] = nameStart | nameMore
		case '0' <= c && c <= '9', c == '.', c == '-':
			t[c] = nameMore
		}
	}
	return t
}()

const (
	nameStart = 1 << iota // may start a name
	nameMore              // may continue a name
)

// text scans character data up to '<' (quote 0) or up to the closing
// quote, which it leaves unread. The result aliases the input when there
// are no entity references and the lexer's scratch buffer otherwise.
func (l *fastLexer) text(quote byte) ([]byte, error) {
	start := l.pos
	copied := false // l.scratch holds the text up to run
	run := start
	for {
		// Skip the bytes that need no attention, the bulk of any text.
		data, i := l.data, l.pos
		for i < len(data) && plainText[data[i]] {
			i++
		}
		l.pos = i
		if l.pos >= len(l.data) {
			if quote != 0 {
				return nil, errNotFast
			}
			break
		}
		c := l.data[l.pos]
		if quote == 0 && c == '<' || quote != 0 && c == quote {
			break
		}
		switch {
		case quote != 0 && c == '<', c == '\r':
			return nil, errNotFast
		case c == ']' && quote == 0 && l.pos+2 < len(l.data) && l.data[l.pos+1] == ']' && l.data[l.pos+2] == '>':
			return nil, errNotFast
		case c == '&':
			if !copied {
				l.scratch = l.scratch[:0]
				copied = true
			}
			l.scratch = append(l.scratch, l.data[run:l.pos]...)
			r, n := entity(l.data[l.pos:])
			if n == 0 {
				return nil, errNotFast
			}
			l.scratch = append(l.scratch, r)
			l.pos += n
			run = l.pos
			continue
		case c < 0x20:
			return nil, errNotFast // TAB and LF are plainText
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(l.data[l.pos:])
			if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
				return nil, errNotFast
			}
			l.pos += n
			continue
		}
		l.pos++ // a quote character or ']' that ends nothing
	}
	if !copied {
		return l.data[start:l.pos], nil
	}
	l.scratch = append(l.scratch, l.data[run:l.pos]...)
	return l.scratch, nil
}

// plainText holds the bytes text can skip without a closer look: ASCII
// other than controls (TAB and LF are plain), DEL is plain as encoding/xml
// accepts it, '<', '&', ']' and the two quote characters.
var plainText = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range "<&]\"'" {
		t[c] = false
	}
	t['\t'], t['\n'] = true, true
	return t
}()

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

// intern returns the attribute value b as a string: a static one for a
// small canonical decimal (a RefId), else an interned copy when short.
func (l *fastLexer) intern(b []byte) string {
	if s, ok := smallDecimal(b); ok {
		return s
	}
	if s, ok := l.values[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(s) <= 128 {
		if l.values == nil {
			l.values = make(map[string]string)
		} else if len(l.values) >= maxInternedValues {
			clear(l.values)
		}
		l.values[s] = s
	}
	return s
}
