package wsman

import (
	"crypto/rand"
	"strconv"
	"time"
	"unicode/utf8"
)

// writer appends XML to a byte slice. It writes exactly what it is told: the
// caller supplies prefixes and namespace declarations, so the output matches
// Windows byte for byte. Only text and attribute values are escaped.
type writer struct {
	b []byte
	// noData leaves stream data out (appendStream), for measuring.
	noData bool
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

// duration appends FormatDuration(d).
func (w *writer) duration(d time.Duration) { w.b = appendDuration(w.b, d) }

// messageID appends a fresh NewMessageID value.
func (w *writer) messageID() {
	var id [len(messageIDPlaceholder)]byte
	newMessageID(&id)
	w.b = append(w.b, id[:]...)
}

// newMessageID fills id with "uuid:" and a random (version 4, RFC 4122
// variant) upper-case GUID, as strings.ToUpper(uuid.NewString()) would.
// crypto/rand.Read keeps u on the stack; uuid.NewRandom would not.
func newMessageID(id *[len(messageIDPlaceholder)]byte) {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	const hex = "0123456789ABCDEF"
	copy(id[:], "uuid:")
	j := 5
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			id[j] = '-'
			j++
		}
		id[j], id[j+1] = hex[c>>4], hex[c&0xF]
		j += 2
	}
}

// appendEscaped escapes the XML special characters, the characters attribute
// normalisation would otherwise change (\t \n \r in attributes, \r in text),
// and replaces characters XML 1.0 cannot carry with U+FFFD. Runs of bytes
// that need none of this are copied in one go.
func appendEscaped(b []byte, s string, inAttr bool) []byte {
	plain := &plainText
	if inAttr {
		plain = &plainAttr
	}
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && plain[s[j]] {
			j++
		}
		b = append(b, s[i:j]...)
		if j == len(s) {
			break
		}
		i = j
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

// plainText and plainAttr mark the bytes appendEscaped copies unchanged in
// text and in attribute values: printable ASCII but the markup characters
// (and, in text, tab and line feed).
var plainText, plainAttr = func() (text, attr [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		text[c] = c != '&' && c != '<' && c != '>'
		attr[c] = text[c] && c != '"'
	}
	text['\t'], text['\n'] = true, true
	return text, attr
}()

// isXMLChar reports whether r is allowed by the XML 1.0 Char production.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
