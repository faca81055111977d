package wsman

import (
	"strconv"
	"unicode/utf8"
)

// writer appends XML to a byte slice. It writes exactly what it is told: the
// caller supplies prefixes and namespace declarations, so the output matches
// Windows byte for byte. Only text and attribute values are escaped.
type writer struct {
	b []byte
}

// raw appends s unescaped; s must be trusted markup.
func (w *writer) raw(s string) { w.b = append(w.b, s...) }

// text appends s escaped as character data.
func (w *writer) text(s string) { w.b = appendEscaped(w.b, s, false) }

// attr appends ` name="value"` with value escaped.
func (w *writer) attr(name, value string) {
	w.b = append(w.b, ' ')
	w.b = append(w.b, name...)
	w.b = append(w.b, '=', '"')
	w.b = appendEscaped(w.b, value, true)
	w.b = append(w.b, '"')
}

// elem appends <name>text</name>.
func (w *writer) elem(name, text string) {
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
	w.text(text)
	w.close(name)
}

// open appends <name (no closing bracket) so attributes can follow.
func (w *writer) open(name string) {
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
}

// close appends </name>.
func (w *writer) close(name string) {
	w.b = append(w.b, '<', '/')
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
}

// uint appends a decimal number as text.
func (w *writer) uint(v uint64) { w.b = strconv.AppendUint(w.b, v, 10) }

// appendEscaped escapes the XML special characters, the characters attribute
// normalisation would otherwise change (\t \n \r in attributes, \r in text),
// and replaces characters XML 1.0 cannot carry with U+FFFD.
func appendEscaped(b []byte, s string, inAttr bool) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '"' && inAttr:
			b = append(b, "&quot;"...)
		case r == '\r':
			b = append(b, "&#xD;"...)
		case (r == '\n' || r == '\t') && inAttr:
			if r == '\n' {
				b = append(b, "&#xA;"...)
			} else {
				b = append(b, "&#x9;"...)
			}
		case r == utf8.RuneError && size == 1, !isXMLChar(r):
			b = append(b, "\uFFFD"...)
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// isXMLChar reports whether r is allowed by the XML 1.0 Char production.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
