package clixml

import "sync"

// encoder holds the per-message serializer state. Encoders are pooled:
// the output is built in buf, which is reused, and result copies it out
// at its exact size, so one Marshal costs one allocation for its output
// however the buffer had to grow; the tables are cleared between uses.
type encoder struct {
	buf     []byte
	refs    map[*Object]int
	tns     map[string]int
	scratch []byte
	// memberSets holds the member-set objects being written, to refuse
	// shared or cyclic member sets, which have no RefId to fall back on.
	memberSets map[*Object]bool
	// bases holds the base objects being written, to refuse a Base cycle.
	bases map[*Object]bool
	// nextID is the next object RefId; it can run ahead of len(refs)
	// because a shared base object is written more than once.
	nextID int
}

var encoderPool = sync.Pool{New: func() any {
	return &encoder{buf: make([]byte, 0, 4096), refs: map[*Object]int{}, tns: map[string]int{}}
}}

// Limits on what a pooled encoder keeps: a larger buffer is dropped and
// a table that held more entries is replaced rather than cleared, since
// clearing costs time in proportion to the table's capacity.
const (
	maxPooledOutput = 1 << 20
	maxPooledRefs   = 1 << 10
)

// getEncoder returns an encoder with empty state.
func getEncoder() *encoder {
	return encoderPool.Get().(*encoder)
}

// putEncoder clears e, so that it keeps no caller object alive, and pools
// it.
func putEncoder(e *encoder) {
	if cap(e.buf) > maxPooledOutput {
		e.buf = make([]byte, 0, 4096)
	}
	e.buf = e.buf[:0]
	e.scratch = e.scratch[:0]
	if len(e.refs) > maxPooledRefs {
		e.refs = map[*Object]int{}
	} else {
		clear(e.refs)
	}
	if len(e.tns) > maxPooledRefs {
		e.tns = map[string]int{}
	} else {
		clear(e.tns)
	}
	e.memberSets, e.bases = nil, nil
	e.nextID = 0
	encoderPool.Put(e)
}

// result returns a copy of the output, owned by the caller.
func (e *encoder) result() []byte {
	return append(make([]byte, 0, len(e.buf)), e.buf...)
}
