package clixml

import (
	"strings"
	"unicode/utf8"
)

const upperHex = "0123456789ABCDEF"

// appendEscaped appends s to b with CLIXML string escaping followed by XML
// escaping, as PowerShell writes string values, N attributes, <T> and
// <ToString> (MS-PSRP 2.2.5.3.2):
//
//   - U+0000–U+001F (TAB, CR and LF included), U+007F–U+009F, U+FFFE,
//     U+FFFF and every UTF-16 surrogate become _xHHHH_ with four upper-case
//     hex digits. A rune above U+FFFF is written as its two surrogate
//     escapes, e.g. U+1D11E as _xD834__xDD1E_.
//   - an underscore followed by 'x' or 'X' is written _x005F_, so that the
//     text after it cannot be read as an escape.
//   - &, <, > and " become XML entity references.
//
// A lone surrogate held in s as its three-byte WTF-8 form (how Unmarshal
// stores _xD83C_ and similar) is written as its escape; any other byte that
// is not valid UTF-8 is written as U+FFFD.
func appendEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		// Skip the bytes that are written as they are, most of any text.
		for i < len(s) && !escapeAttention[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			var rep string
			switch {
			case c < 0x20 || c == 0x7F:
				b = append(b, s[last:i]...)
				b = appendUnitEscape(b, uint16(c))
				i++
				last = i
				continue
			case c == '&':
				rep = "&amp;"
			case c == '<':
				rep = "&lt;"
			case c == '>':
				rep = "&gt;"
			case c == '"':
				rep = "&quot;"
			case c == '_' && i+1 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X'):
				rep = "_x005F_"
			default:
				i++
				continue
			}
			b = append(b, s[last:i]...)
			b = append(b, rep...)
			i++
			last = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[last:i]...)
			if u, ok := wtf8Surrogate(s[i:]); ok {
				b = appendUnitEscape(b, u)
				size = 3
			} else {
				b = append(b, "\uFFFD"...)
			}
		case r >= 0x80 && r <= 0x9F, r == 0xFFFE, r == 0xFFFF:
			b = append(b, s[last:i]...)
			b = appendUnitEscape(b, uint16(r))
		case r > 0xFFFF:
			b = append(b, s[last:i]...)
			r -= 0x10000
			b = appendUnitEscape(b, uint16(0xD800+(r>>10)))
			b = appendUnitEscape(b, uint16(0xDC00+(r&0x3FF)))
		default:
			i += size
			continue
		}
		i += size
		last = i
	}
	return append(b, s[last:]...)
}

// escapeAttention holds the bytes appendEscaped must look at: controls,
// DEL, the XML specials, '_' and every non-ASCII byte.
var escapeAttention = func() (t [256]bool) {
	for c := range t {
		t[c] = c < 0x20 || c >= 0x7F
	}
	for _, c := range "&<>\"_" {
		t[c] = true
	}
	return t
}()

func appendUnitEscape(b []byte, u uint16) []byte {
	return append(b, '_', 'x', upperHex[u>>12], upperHex[u>>8&0xF], upperHex[u>>4&0xF], upperHex[u&0xF], '_')
}

// wtf8Surrogate reports whether s starts with the three-byte generalized
// UTF-8 encoding of a surrogate (ED A0..BF 80..BF) and returns the unit.
func wtf8Surrogate(s string) (uint16, bool) {
	if len(s) < 3 || s[0] != 0xED || s[1] < 0xA0 || s[1] > 0xBF || s[2] < 0x80 || s[2] > 0xBF {
		return 0, false
	}
	return 0xD000 | uint16(s[1]&0x3F)<<6 | uint16(s[2]&0x3F), true
}

func appendWTF8Surrogate(b []byte, u uint16) []byte {
	return append(b, 0xED, 0x80|byte(u>>6&0x3F), 0x80|byte(u&0x3F))
}

// unescape reverses the _xHHHH_ escaping. Only '_', 'x' or 'X', exactly
// four hex digits (either case) and '_' form an escape; anything else, such
// as _x005G_, is left as it is. A high surrogate escape followed by a low
// one decodes to the supplementary rune; an unpaired surrogate is kept as
// its three-byte WTF-8 form so that Marshal writes it back unchanged.
func unescape(s string) string {
	i := indexEscape(s, 0)
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	last := 0
	for i >= 0 {
		u := parseUnit(s[i:])
		b = append(b, s[last:i]...)
		i += 7
		switch {
		case u >= 0xD800 && u <= 0xDBFF:
			if lo, ok := parseUnitAt(s, i); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				r := 0x10000 + (rune(u)-0xD800)<<10 + (rune(lo) - 0xDC00)
				b = utf8.AppendRune(b, r)
				i += 7
			} else {
				b = appendWTF8Surrogate(b, u)
			}
		case u >= 0xDC00 && u <= 0xDFFF:
			b = appendWTF8Surrogate(b, u)
		default:
			b = utf8.AppendRune(b, rune(u))
		}
		last = i
		i = indexEscape(s, i)
	}
	return string(append(b, s[last:]...))
}

// indexEscape returns the index of the first complete escape at or after
// from, or -1.
func indexEscape(s string, from int) int {
	for i := from; i+7 <= len(s); i++ {
		j := strings.IndexByte(s[i:len(s)-6], '_')
		if j < 0 {
			return -1
		}
		i += j
		if _, ok := parseUnitAt(s, i); ok {
			return i
		}
	}
	return -1
}

func parseUnitAt(s string, i int) (uint16, bool) {
	if i+7 > len(s) || s[i] != '_' || (s[i+1] != 'x' && s[i+1] != 'X') || s[i+6] != '_' {
		return 0, false
	}
	var u uint16
	for _, c := range []byte(s[i+2 : i+6]) {
		d, ok := hexVal(c)
		if !ok {
			return 0, false
		}
		u = u<<4 | uint16(d)
	}
	return u, true
}

func parseUnit(s string) uint16 { u, _ := parseUnitAt(s, 0); return u }

func hexVal(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
