package fragment

import (
	"errors"
	"fmt"
)

// Default caps of a Defragmenter.
const (
	DefaultMaxMessageSize = 16 << 20
	DefaultMaxPendingSize = 64 << 20
)

// Sentinel errors of the Defragmenter; a *SequenceError wraps one of the
// first four.
var (
	// ErrMissingStart: the first fragment seen for an ObjectId is not
	// FragmentId 0 with the Start flag.
	ErrMissingStart = errors.New("fragment: object does not begin with a start fragment")
	// ErrDuplicate: a fragment repeats or overlaps one already received
	// (a second Start, or a FragmentId below the expected one).
	ErrDuplicate = errors.New("fragment: duplicate or overlapping fragment")
	// ErrOutOfOrder: a FragmentId skips ahead of the expected one.
	ErrOutOfOrder = errors.New("fragment: fragment out of order")
	// ErrTooLarge: a message or the sum of pending messages exceeds a cap.
	ErrTooLarge = errors.New("fragment: message too large")
)

// SequenceError describes a fragment rejected by a Defragmenter.
type SequenceError struct {
	ObjectID uint64
	// Want is the FragmentId expected next (0 when nothing was pending).
	Want uint64
	// Got is the FragmentId received.
	Got uint64
	// Err is ErrMissingStart, ErrDuplicate, ErrOutOfOrder or ErrTooLarge.
	Err error
}

func (e *SequenceError) Error() string {
	return fmt.Sprintf("%v: object %d: fragment %d, expected %d", e.Err, e.ObjectID, e.Got, e.Want)
}

// Unwrap returns the sentinel.
func (e *SequenceError) Unwrap() error { return e.Err }

// Defragmenter reassembles messages from fragments (MS-PSRP 2.2.4).
// Objects may interleave; within one object FragmentIds must run 0, 1, 2,
// ... with Start on the first and End on the last. The zero value uses the
// default caps. A Defragmenter is not safe for concurrent use.
type Defragmenter struct {
	// MaxMessageSize caps one reassembled message; 0 means
	// DefaultMaxMessageSize.
	MaxMessageSize int
	// MaxPendingSize caps the bytes held for incomplete messages across all
	// objects; 0 means DefaultMaxPendingSize.
	MaxPendingSize int
	// AliasWhole makes Add and Write return a message carried whole in
	// one fragment as a subslice of that fragment's data (capacity
	// limited to its length) instead of a copy: for callers that are done
	// with each message before they reuse the data they passed in.
	AliasWhole bool

	pending      map[uint64]*partial
	pendingBytes int
}

type partial struct {
	next uint64
	buf  []byte
}

func (d *Defragmenter) maxMessage() int {
	if d.MaxMessageSize > 0 {
		return d.MaxMessageSize
	}
	return DefaultMaxMessageSize
}

func (d *Defragmenter) maxPending() int {
	if d.MaxPendingSize > 0 {
		return d.MaxPendingSize
	}
	return DefaultMaxPendingSize
}

// Pending returns the number of incomplete objects and the bytes they hold.
func (d *Defragmenter) Pending() (objects, bytes int) { return len(d.pending), d.pendingBytes }

// Add consumes one fragment. When f completes a message, Add returns it
// (a fresh slice owned by the caller) and true. On error the offending
// object's partial data is dropped, so the Defragmenter stays usable, but
// callers normally treat any error as fatal for the session. f.Data is
// copied, so the caller may reuse it, except that with AliasWhole a
// message in one fragment is returned as part of f.Data.
func (d *Defragmenter) Add(f Fragment) ([]byte, bool, error) {
	p := d.pending[f.ObjectID]
	if p == nil {
		if !f.Start || f.FragmentID != 0 {
			return nil, false, &SequenceError{ObjectID: f.ObjectID, Got: f.FragmentID, Err: ErrMissingStart}
		}
		if len(f.Data) > d.maxMessage() {
			return nil, false, &SequenceError{ObjectID: f.ObjectID, Got: f.FragmentID, Err: ErrTooLarge}
		}
		if f.End {
			if d.AliasWhole {
				return f.Data[:len(f.Data):len(f.Data)], true, nil
			}
			return append([]byte(nil), f.Data...), true, nil
		}
		if d.pendingBytes+len(f.Data) > d.maxPending() {
			return nil, false, &SequenceError{ObjectID: f.ObjectID, Got: f.FragmentID, Err: ErrTooLarge}
		}
		if d.pending == nil {
			d.pending = make(map[uint64]*partial)
		}
		d.pending[f.ObjectID] = &partial{next: 1, buf: append([]byte(nil), f.Data...)}
		d.pendingBytes += len(f.Data)
		return nil, false, nil
	}
	var bad error
	switch {
	case f.Start || f.FragmentID < p.next:
		bad = ErrDuplicate
	case f.FragmentID > p.next:
		bad = ErrOutOfOrder
	case len(p.buf)+len(f.Data) > d.maxMessage():
		bad = ErrTooLarge
	case !f.End && d.pendingBytes+len(f.Data) > d.maxPending():
		bad = ErrTooLarge
	}
	if bad != nil {
		d.drop(f.ObjectID, p)
		return nil, false, &SequenceError{ObjectID: f.ObjectID, Want: p.next, Got: f.FragmentID, Err: bad}
	}
	if f.End {
		d.drop(f.ObjectID, p)
		return append(p.buf, f.Data...), true, nil
	}
	p.buf = append(p.buf, f.Data...)
	p.next++
	d.pendingBytes += len(f.Data)
	return nil, false, nil
}

func (d *Defragmenter) drop(id uint64, p *partial) {
	d.pendingBytes -= len(p.buf)
	delete(d.pending, id)
	if len(d.pending) == 0 {
		d.pending = nil // idle: no map held between multi-fragment messages
	}
}

// Write parses stream (a concatenation of fragments, e.g. one decoded
// WS-Man stream element) and returns the messages it completes, in
// completion order. Fragments never span stream elements (MS-PSRP 2.2.4
// over MS-WSMV), so a trailing partial fragment is an error wrapping
// ErrTruncated. On error, messages completed before the bad fragment are
// still returned.
func (d *Defragmenter) Write(stream []byte) ([][]byte, error) {
	var out [][]byte
	for off := 0; off < len(stream); {
		f, n, err := Parse(stream[off:])
		if err != nil {
			var te *TruncatedError
			if errors.As(err, &te) {
				te.Offset = off
				te.Have = len(stream) - off
			}
			return out, err
		}
		off += n
		msg, done, err := d.Add(f)
		if err != nil {
			return out, err
		}
		if done {
			if out == nil {
				out = make([][]byte, 0, 4) // usually a few messages per stream
			}
			out = append(out, msg)
		}
	}
	return out, nil
}
