package clixml

import (
	"bytes"
	"slices"
	"strings"
	"sync"
)

// decoder holds the per-message deserializer state.
//
// Values handed to the caller are carved from slabs (objs, propSlab,
// itemSlab, strSlab, tnSlab) that the decoder drops after each message;
// every slice so carved has its capacity equal to its length, so a caller
// appending to one reallocates instead of overwriting a neighbour. The
// stacks, the reference tables and the intern table are reused from one
// message to the next when the decoder is pooled, and release clears them
// so that a pooled decoder keeps no decoded value alive.
type decoder struct {
	lx    lexer
	opts  DecodeOptions
	refs  refTable[Object]
	tns   refTable[tnEntry]
	count int
	depth int
	text  []byte
	tok   token
	// stableText is set when the lexer's text tokens outlive the end tag
	// that follows them (fastLexer); readText then need not copy.
	stableText bool
	// props, items and names are stacks shared by nested members,
	// container and typeNames calls, which copy their part out to a slab.
	props []Property
	items []Value
	names []string
	// size is the input length, from which slab lengths are estimated.
	size int
	// objsLeft, when positive, bounds the objects the rest of the message
	// can hold (see objectBound); it sizes the object slab instead of size.
	objsLeft int
	objs     []Object
	propSlab []Property
	itemSlab []Value
	strSlab  []string
	tnSlab   []tnEntry
	// strs interns short strings (enum ToStrings, type names, repeated
	// values) already boxed; its keys are copies, never input bytes.
	strs map[string]Value
}

// maxInternedStrings bounds decoder.strs; when full it is emptied.
const maxInternedStrings = 4096

// reset prepares d for a message of size bytes.
func (d *decoder) reset(opts DecodeOptions, size int) {
	d.opts, d.size, d.count, d.depth, d.objsLeft = opts, size, 0, 0, 0
}

// pooledDecoder is a decoder over the fast lexer, kept in decoderPool
// between messages so that its stacks, tables and interned strings are
// reused.
type pooledDecoder struct {
	d  decoder
	lx fastLexer
}

var decoderPool = sync.Pool{New: func() any {
	p := new(pooledDecoder)
	p.d.lx, p.d.stableText = &p.lx, true
	return p
}}

// Buffers larger than these are dropped rather than pooled.
const (
	maxPooledStack = 1 << 10
	maxPooledBytes = 64 << 10
)

// release forgets the message: it drops the slabs (now owned by the
// decoded values), clears every reference to decoded values and input
// bytes, and drops oversized buffers.
func (p *pooledDecoder) release() {
	d := &p.d
	d.refs.reset()
	d.tns.reset()
	d.props = clearStack(d.props)
	d.items = clearStack(d.items)
	d.names = clearStack(d.names)
	d.objs, d.propSlab, d.itemSlab, d.strSlab, d.tnSlab = nil, nil, nil, nil, nil
	d.tok = token{}
	if cap(d.text) > maxPooledBytes {
		d.text = nil
	}
	l := &p.lx
	l.data, l.pos, l.needClose, l.closeName = nil, 0, false, ""
	clear(l.attrs[:cap(l.attrs)])
	l.attrs = l.attrs[:0]
	if cap(l.scratch) > maxPooledBytes {
		l.scratch = nil
	}
}

// clearStack zeroes s up to its capacity and returns it empty, or nil
// when it is too large to keep.
func clearStack[T any](s []T) []T {
	if cap(s) > maxPooledStack {
		return nil
	}
	clear(s[:cap(s)])
	return s[:0]
}

// slabLen returns the length of a new slab that must hold need elements
// when the message is estimated to use about est of them and used were
// taken already: the estimate first, then half again what was used, at
// least 8 and at most max unless need is larger.
func slabLen(need, used, est, max int) int {
	n := est - used
	if n < used/2 {
		n = used / 2
	}
	n = min(n, max)
	if n < 8 {
		n = 8
	}
	if n < need {
		n = need
	}
	return n
}

// newObject returns a zeroed Object from the slab. The slab is sized by
// objsLeft when known: a message of one wide object then allocates one
// Object, not one per 128 bytes of input.
func (d *decoder) newObject() *Object {
	if len(d.objs) == 0 {
		n := slabLen(1, 0, d.size/128+1, 64)
		if d.objsLeft > 0 {
			n = min(d.objsLeft, 64)
			d.objsLeft -= n
		}
		d.objs = make([]Object, n)
	}
	o := &d.objs[0]
	d.objs = d.objs[1:]
	return o
}

// objectBound returns an upper bound of the Objects decoding data can
// create: every one comes from an <Obj> element or a nested <MS N="...">
// member set, so it counts "<Obj" and "<MS " (a bare <MS> holds an
// object's own extended properties).
func objectBound(data []byte) int {
	return bytes.Count(data, []byte("<Obj")) + bytes.Count(data, []byte("<MS "))
}

// carve returns a copy of src cut from *slab, refilling the slab (sized
// from est, at most max elements, never less than len(src)) when it has
// too little room. The copy's capacity equals its length, so a caller's
// append reallocates instead of overwriting the next carving; an empty
// src gives an empty, non-nil slice.
func carve[T any](slab *[]T, src []T, est, max int) []T {
	if len(src) > len(*slab) || *slab == nil {
		*slab = make([]T, slabLen(len(src), 0, est, max))
	}
	out := (*slab)[:len(src):len(src)]
	*slab = (*slab)[len(src):]
	copy(out, src)
	return out
}

// copyProps returns a copy of p carved from the property slab.
func (d *decoder) copyProps(p []Property) []Property {
	return carve(&d.propSlab, p, d.size/64+1, 256)
}

// copyItems returns a copy of v carved from the item slab.
func (d *decoder) copyItems(v []Value) []Value {
	return carve(&d.itemSlab, v, d.size/256+1, 256)
}

// copyStrings returns a copy of s carved from the string slab.
func (d *decoder) copyStrings(s []string) []string {
	return carve(&d.strSlab, s, d.size/128+1, 256)
}

// strPtr returns a pointer to a fresh string variable holding s.
func (d *decoder) strPtr(s string) *string {
	if len(d.strSlab) == 0 {
		d.strSlab = make([]string, slabLen(1, 0, d.size/128+1, 256))
	}
	p := &d.strSlab[0]
	d.strSlab = d.strSlab[1:]
	*p = s
	return p
}

// newTN returns a tnEntry for names from the slab.
func (d *decoder) newTN(names []string) *tnEntry {
	if len(d.tnSlab) == 0 {
		d.tnSlab = make([]tnEntry, slabLen(1, 0, d.size/1024+1, 32))
	}
	t := &d.tnSlab[0]
	d.tnSlab = d.tnSlab[1:]
	t.names = names
	return t
}

// str returns the unescaped string for text.
func (d *decoder) str(text []byte) string { return d.strValue(text).(string) }

// strValue returns the unescaped string for text as a Value. Short strings
// are interned already boxed, so a repeated one costs no allocation.
func (d *decoder) strValue(text []byte) Value {
	if len(text) > 32 {
		return unescape(string(text))
	}
	if v, ok := d.strs[string(text)]; ok {
		return v
	}
	raw := string(text)
	var v Value = unescape(raw)
	if d.strs == nil {
		d.strs = make(map[string]Value)
	} else if len(d.strs) >= maxInternedStrings {
		clear(d.strs)
	}
	d.strs[raw] = v
	return v
}

// refTable maps the RefIds of one message to the values they name. Small
// canonical decimal ids, which is what every serializer writes, index a
// slice; any other id text is a map key. The two key spaces are disjoint
// because a canonical decimal never goes to the map.
type refTable[T any] struct {
	small []*T
	other map[string]*T
}

// maxSmallRefID bounds the ids kept in refTable.small.
const maxSmallRefID = 1 << 12

// get returns the value defined for id, or nil.
func (t *refTable[T]) get(id string) *T {
	if n, ok := parseRefID(id); ok && n < maxSmallRefID {
		if n < len(t.small) {
			return t.small[n]
		}
		return nil
	}
	return t.other[id]
}

// put defines id as v unless it is defined already, and reports whether
// it was.
func (t *refTable[T]) put(id string, v *T) (dup bool) {
	if n, ok := parseRefID(id); ok && n < maxSmallRefID {
		if n >= len(t.small) {
			// Entries past len are always nil: reset clears up to len.
			t.small = slices.Grow(t.small, n+1-len(t.small))[:n+1]
		}
		if t.small[n] != nil {
			return true
		}
		t.small[n] = v
		return false
	}
	if _, ok := t.other[id]; ok {
		return true
	}
	if t.other == nil {
		t.other = make(map[string]*T)
	}
	t.other[id] = v
	return false
}

// reset forgets every id.
func (t *refTable[T]) reset() {
	clear(t.small)
	t.small = t.small[:0]
	t.other = nil
}

// tnEntry is a decoded TN chain and, lazily, its Deserialized form.
type tnEntry struct {
	names, deserialized []string
}

// deserializedNames returns the chain with "Deserialized." prefixed onto
// each name that lacks it, computed once per chain.
func (t *tnEntry) deserializedNames() []string {
	if t.deserialized == nil {
		t.deserialized = make([]string, len(t.names))
		for i, n := range t.names {
			if !strings.HasPrefix(n, deserializedPrefix) {
				n = deserializedPrefix + n
			}
			t.deserialized[i] = n
		}
		t.deserialized = t.deserialized[:len(t.names):len(t.names)]
	}
	return t.deserialized
}
