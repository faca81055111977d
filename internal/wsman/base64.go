package wsman

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// ErrBadBase64 is wrapped by the fault for undecodable stream data.
var ErrBadBase64 = errors.New("wsman: invalid base64")

// base64 appends the standard padded encoding of b, as
// base64.StdEncoding.AppendEncode does.
func (w *writer) base64(b []byte) { w.b = appendBase64(w.b, b) }

// base64Len is the length of the standard padded encoding of n bytes.
func base64Len(n int) int { return (n + 2) / 3 * 4 }

// base64Pairs maps 12 bits to their two base64 characters, little-endian.
var base64Pairs = func() (t [4096]uint16) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range t {
		t[i] = uint16(alphabet[i>>6]) | uint16(alphabet[i&63])<<8
	}
	return t
}()

// appendBase64 appends the standard padded encoding of src to dst. It
// encodes six bytes per step with two-character lookups, about twice as
// fast as encoding/base64 for stream data; the last few bytes go through
// encoding/base64.
func appendBase64(dst, src []byte) []byte {
	n := base64Len(len(src))
	dst = slices.Grow(dst, n)
	out := dst[len(dst) : len(dst)+n]
	for len(src) >= 8 && len(out) >= 8 {
		v := binary.BigEndian.Uint64(src) // the top six bytes are encoded
		binary.LittleEndian.PutUint64(out, uint64(base64Pairs[v>>52])|uint64(base64Pairs[v>>40&0xFFF])<<16|
			uint64(base64Pairs[v>>28&0xFFF])<<32|uint64(base64Pairs[v>>16&0xFFF])<<48)
		src, out = src[6:], out[8:]
	}
	base64.StdEncoding.Encode(out, src)
	return dst[:len(dst)+n]
}

// decodeBase64 decodes standard padded base64, ignoring XML whitespace.
// The result is a new slice the caller owns.
func decodeBase64(what string, text []byte) ([]byte, error) {
	// The decoder skips CR and LF itself, so text without spaces or tabs
	// (nearly always) decodes as is. Otherwise, and for the error text,
	// which counts offsets in the cleaned input, clean it first.
	out := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	if n, err := base64.StdEncoding.Decode(out, text); err == nil {
		return out[:n], nil
	}
	clean := text
	if hasXMLSpace(text) {
		clean = make([]byte, 0, len(text))
		for _, c := range text {
			if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
				clean = append(clean, c)
			}
		}
	}
	n, err := base64.StdEncoding.Decode(out, clean)
	if err != nil {
		return nil, fmt.Errorf("%w in %s: %w", ErrBadBase64, what, err)
	}
	return out[:n], nil
}

func hasXMLSpace(b []byte) bool {
	for _, c := range b {
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			return true
		}
	}
	return false
}
