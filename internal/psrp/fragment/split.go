package fragment

import "sync/atomic"

// ObjectIDs hands out ObjectIds for one sender: 1, 2, 3, ... (MS-PSRP
// 2.2.4 and the example in 4.2). The zero value is ready to use and safe
// for concurrent use.
type ObjectIDs struct {
	last atomic.Uint64
}

// Next returns the next ObjectId, starting at 1.
func (c *ObjectIDs) Next() uint64 { return c.last.Add(1) }

// Split appends to dst the fragments of msg under objectID, each with a
// blob of at most maxBlob bytes, and returns the extended slice. An empty
// msg yields one fragment with an empty blob. Split panics if maxBlob < 1;
// the caller derives maxBlob from its transport limit (for WS-Man:
// MaxEnvelopeSize minus envelope overhead, times 3/4 for base64, minus
// HeaderSize).
func Split(dst []byte, objectID uint64, msg []byte, maxBlob int) []byte {
	if maxBlob < 1 {
		panic("fragment: Split with maxBlob < 1")
	}
	var id uint64
	for {
		n := min(len(msg), maxBlob)
		var flags byte
		if id == 0 {
			flags |= FlagStart
		}
		if n == len(msg) {
			flags |= FlagEnd
		}
		dst = appendFragment(dst, objectID, id, flags, msg[:n])
		msg = msg[n:]
		id++
		if len(msg) == 0 {
			return dst
		}
	}
}

// Cursor cuts one message into fragments on demand, so that a sender can
// fill each transport packet exactly (MS-PSRP 2.2.4 allows any split). It
// is what the psrp outbound queues use.
type Cursor struct {
	ObjectID uint64
	msg      []byte
	off      int
	next     uint64
}

// NewCursor returns a Cursor over msg. msg must not be modified while the
// cursor is in use.
func NewCursor(objectID uint64, msg []byte) *Cursor {
	return &Cursor{ObjectID: objectID, msg: msg}
}

// Remaining returns the number of message bytes not yet emitted.
func (c *Cursor) Remaining() int { return len(c.msg) - c.off }

// Done reports whether the final (End) fragment has been emitted.
func (c *Cursor) Done() bool { return c.next > 0 && c.off == len(c.msg) }

// AppendNext appends the next fragment, with a blob of at most maxBlob
// bytes, to dst. It returns dst unchanged and false if the cursor is Done
// or maxBlob < 1 while bytes remain.
func (c *Cursor) AppendNext(dst []byte, maxBlob int) ([]byte, bool) {
	if c.Done() || (maxBlob < 1 && c.Remaining() > 0) {
		return dst, false
	}
	n := min(c.Remaining(), maxBlob)
	var flags byte
	if c.next == 0 {
		flags |= FlagStart
	}
	if c.off+n == len(c.msg) {
		flags |= FlagEnd
	}
	dst = appendFragment(dst, c.ObjectID, c.next, flags, c.msg[c.off:c.off+n])
	c.off += n
	c.next++
	return dst, true
}
