package audit

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"sync"
	"time"
)

// idGen makes audit record IDs: RFC 9562 version 7 UUIDs, time-ordered
// and unique, in the canonical 36-character form.
//
// Layout: 48 bits of Unix milliseconds, then (RFC 9562 §6.2 method 1) a
// 12-bit counter in rand_a that orders the IDs made in one millisecond,
// then 62 random bits in rand_b. IDs from one generator strictly
// increase: when the clock stands still or steps back, the previous
// millisecond is reused with the next count, and when the 4,096 counts of
// a millisecond are spent the generator moves on to the next one. The
// random bits come from math/rand/v2's global generator (ChaCha8 seeded
// by the operating system), which costs a fraction of reading
// crypto/rand for every record; the IDs are identifiers, not secrets.
type idGen struct {
	mu     sync.Mutex
	lastMS int64  // guarded by mu
	seq    uint16 // guarded by mu
}

// next returns a new ID for a record made at now.
func (g *idGen) next(now time.Time) string {
	ms := max(now.UnixMilli(), 0)
	g.mu.Lock()
	if ms <= g.lastMS {
		ms = g.lastMS
		g.seq++
		if g.seq > 0xfff {
			ms, g.seq = ms+1, 0
		}
	} else {
		g.seq = 0
	}
	g.lastMS = ms
	seq := g.seq
	g.mu.Unlock()

	var u [16]byte
	binary.BigEndian.PutUint64(u[0:8], uint64(ms)<<16|0x7000|uint64(seq))
	binary.BigEndian.PutUint64(u[8:16], rand.Uint64()&^(3<<62)|1<<63) // variant 10
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:], u[10:])
	return string(s[:])
}
