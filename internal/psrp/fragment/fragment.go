package fragment

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// HeaderSize is the size of a fragment header: ObjectId, FragmentId,
// flags and BlobLength. See MS-PSRP 2.2.4.
const HeaderSize = 21

// Fragment flag bits. See MS-PSRP 2.2.4.
const (
	FlagStart byte = 0x1
	FlagEnd   byte = 0x2
)

// ErrTruncated is wrapped by a *TruncatedError when a stream ends inside a
// fragment.
var ErrTruncated = errors.New("fragment: truncated")

// MaxBlob is the largest BlobLength a sender may use (MS-PSRP 2.2.4).
// Receivers accept larger blobs, bounded by the Defragmenter caps.
const MaxBlob = 32768

// TruncatedError reports a stream that ended inside a fragment. Offset is
// where the incomplete fragment starts within the parsed buffer; Need is
// the number of bytes that fragment requires and Have what was left.
type TruncatedError struct {
	Offset int
	Need   int
	Have   int
}

func (e *TruncatedError) Error() string {
	return fmt.Sprintf("fragment: truncated at offset %d: need %d bytes, have %d", e.Offset, e.Need, e.Have)
}

// Unwrap returns ErrTruncated.
func (e *TruncatedError) Unwrap() error { return ErrTruncated }

// Fragment is one PSRP fragment. Data is the blob: a slice of one PSRP
// message.
type Fragment struct {
	ObjectID   uint64
	FragmentID uint64
	Start      bool
	End        bool
	Data       []byte
}

// Flags returns the fragment's flag byte.
func (f Fragment) Flags() byte {
	var b byte
	if f.Start {
		b |= FlagStart
	}
	if f.End {
		b |= FlagEnd
	}
	return b
}

// Size returns the encoded size of f.
func (f Fragment) Size() int { return HeaderSize + len(f.Data) }

// Append appends the encoding of f to dst and returns the extended slice.
func (f Fragment) Append(dst []byte) []byte {
	return appendFragment(dst, f.ObjectID, f.FragmentID, f.Flags(), f.Data)
}

func appendFragment(dst []byte, objectID, fragmentID uint64, flags byte, data []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, objectID)
	dst = binary.BigEndian.AppendUint64(dst, fragmentID)
	dst = append(dst, flags)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(data)))
	return append(dst, data...)
}

// Parse decodes the fragment at the start of b and returns it with the
// number of bytes it occupies. Reserved flag bits are ignored. The returned Data aliases b; copy it if b
// is reused. A short b yields a *TruncatedError with Offset 0.
func Parse(b []byte) (Fragment, int, error) {
	if len(b) < HeaderSize {
		return Fragment{}, 0, &TruncatedError{Need: HeaderSize, Have: len(b)}
	}
	flags := b[16] // reserved bits 0xFC are ignored on receipt (MS-PSRP 2.2.4)
	n := binary.BigEndian.Uint32(b[17:21])
	if uint64(n) > uint64(len(b)-HeaderSize) {
		return Fragment{}, 0, &TruncatedError{Need: HeaderSize + int(n), Have: len(b)}
	}
	end := HeaderSize + int(n)
	return Fragment{
		ObjectID:   binary.BigEndian.Uint64(b[0:8]),
		FragmentID: binary.BigEndian.Uint64(b[8:16]),
		Start:      flags&FlagStart != 0,
		End:        flags&FlagEnd != 0,
		Data:       b[HeaderSize:end:end],
	}, end, nil
}

// ParseAll decodes a concatenation of fragments, as found in one WS-Man
// stream element. Data fields alias b. If the stream ends inside a
// fragment, the fragments before it are returned together with a
// *TruncatedError whose Offset locates the incomplete fragment.
func ParseAll(b []byte) ([]Fragment, error) {
	var out []Fragment
	off := 0
	for off < len(b) {
		f, n, err := Parse(b[off:])
		if err != nil {
			var te *TruncatedError
			if errors.As(err, &te) {
				te.Offset = off
				te.Have = len(b) - off
			}
			return out, err
		}
		out = append(out, f)
		off += n
	}
	return out, nil
}
