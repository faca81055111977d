package wsman

import (
	"bytes"
	"unicode/utf8"
)

// charData scans text up to the next '<' and records it as a piece of the
// innermost open element.
func (s *scanner) charData() error {
	start, end, decoded, err := s.scanText(0)
	if err != nil {
		return err
	}
	e := s.stack[len(s.stack)-1].elem
	nd := &s.nodes[e]
	if nd.npieces == 0 {
		nd.singlePieceIdx = int32(len(s.pieces))
	}
	nd.npieces++
	nd.tlen += int32(end - start)
	nd.decoded = nd.decoded || decoded
	s.pieces = append(s.pieces, piece{elem: e, start: int32(start), end: int32(end), decoded: decoded})
	return nil
}

// attrValue scans a quoted value up to its closing quote q, which it
// consumes, and returns it as a string.
func (s *scanner) attrValue(q byte) (string, error) {
	start, end, decoded, err := s.scanText(q)
	if err != nil {
		return "", err
	}
	s.pos++ // the quote
	if decoded {
		return intern(s.dec[start:end]), nil
	}
	return intern(s.data[start:end]), nil
}

// scanText scans character data up to '<' (quote 0) or up to the quote,
// which it leaves unread. The text is data[start:end], or dec[start:end]
// when it held entity references.
func (s *scanner) scanText(quote byte) (start, end int, decoded bool, err error) {
	d := s.data
	i := s.pos
	start = i
	decStart := 0
	for {
		j := i
		for j < len(d) && textByte[d[j]] {
			j++
		}
		if decoded {
			s.dec = append(s.dec, d[i:j]...)
		}
		i = j
		if i >= len(d) {
			if quote != 0 {
				return 0, 0, false, errNotFast
			}
			break
		}
		c := d[i]
		if quote == 0 && c == '<' || quote != 0 && c == quote {
			break
		}
		switch {
		case c == '&':
			if !decoded {
				decStart = len(s.dec)
				s.dec = append(s.dec, d[start:i]...)
				decoded = true
			}
			r, n := entity(d[i:])
			if n == 0 {
				return 0, 0, false, errNotFast
			}
			s.dec = append(s.dec, r)
			i += n
			continue
		case c == '<', c == '\r':
			return 0, 0, false, errNotFast
		case c == ']':
			if quote == 0 && i+2 < len(d) && d[i+1] == ']' && d[i+2] == '>' {
				return 0, 0, false, errNotFast
			}
		case c == '"', c == '\'':
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && n == 1 || !isXMLChar(r) {
				return 0, 0, false, errNotFast
			}
			if decoded {
				s.dec = append(s.dec, d[i:i+n]...)
			}
			i += n
			continue
		default: // other control characters
			return 0, 0, false, errNotFast
		}
		if decoded {
			s.dec = append(s.dec, c)
		}
		i++
	}
	s.pos = i
	if decoded {
		return decStart, len(s.dec), true, nil
	}
	return start, i, false, nil
}

// entity decodes one of the five predefined entity references at the
// start of b, returning its byte and length, or n == 0.
func entity(b []byte) (c byte, n int) {
	switch {
	case bytes.HasPrefix(b, []byte("&lt;")):
		return '<', 4
	case bytes.HasPrefix(b, []byte("&gt;")):
		return '>', 4
	case bytes.HasPrefix(b, []byte("&amp;")):
		return '&', 5
	case bytes.HasPrefix(b, []byte("&apos;")):
		return '\'', 6
	case bytes.HasPrefix(b, []byte("&quot;")):
		return '"', 6
	}
	return 0, 0
}
