package validate

import (
	"math/bits"
	"sync"
)

// maxShards caps the number of independently locked shards of a
// boundedMap. 64 keeps lock contention negligible on machines with tens of
// cores while costing only a few kilobytes per map.
const maxShards = 64

// boundedMap is a fixed-capacity map split into shards, each with its own
// mutex, so that concurrent Validate calls rarely wait on one another. The
// caller supplies a well-mixed 64-bit hash of each key, which picks the
// shard.
//
// A full shard evicts in insertion order (FIFO): put is O(1) and the map
// never holds more than the capacity it was built with, however many keys
// pass through it. It is safe for concurrent use.
type boundedMap[K comparable, V any] struct {
	shards []boundedShard[K, V]
	mask   uint64
}

type boundedShard[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]V // guarded by mu
	// ring holds keys in insertion order and is guarded by mu. Once it has
	// grown to max, next is the oldest slot, overwritten by the next new
	// key after that key's entry is deleted from m. Every key of m sits in
	// ring at its latest insertion, so len(m) <= len(ring) <= max.
	ring []K
	next int // guarded by mu
	max  int
	// Keep neighbouring shards' mutexes off one cache line.
	_ [64]byte
}

// newBoundedMap returns a map holding at most capacity entries (at least
// one).
func newBoundedMap[K comparable, V any](capacity int) *boundedMap[K, V] {
	capacity = max(capacity, 1)
	// The largest power of two not above min(capacity, maxShards): every
	// shard gets at least one slot and the slots add up to no more than
	// capacity.
	n := 1 << (bits.Len(uint(min(capacity, maxShards))) - 1)
	b := &boundedMap[K, V]{shards: make([]boundedShard[K, V], n), mask: uint64(n - 1)}
	for i := range b.shards {
		b.shards[i].m = make(map[K]V)
		b.shards[i].max = capacity / n
	}
	return b
}

func (b *boundedMap[K, V]) shard(h uint64) *boundedShard[K, V] {
	// The high bits: the low ones may feed the map's own hashing.
	return &b.shards[(h>>32)&b.mask]
}

// get returns the value stored for k (whose hash is h).
func (b *boundedMap[K, V]) get(h uint64, k K) (V, bool) {
	s := b.shard(h)
	s.mu.Lock()
	v, ok := s.m[k]
	s.mu.Unlock()
	return v, ok
}

// put stores v for k, replacing any value k had. A new key in a full
// shard first evicts that shard's oldest key.
func (b *boundedMap[K, V]) put(h uint64, k K, v V) {
	s := b.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[k]; ok {
		s.m[k] = v
		return
	}
	if len(s.ring) < s.max {
		s.ring = append(s.ring, k)
	} else {
		// The slot's key may already be gone (deleted, or evicted through
		// an older duplicate slot); deleting it again is harmless.
		delete(s.m, s.ring[s.next])
		s.ring[s.next] = k
		s.next = (s.next + 1) % s.max
	}
	s.m[k] = v
}

// remove deletes k if it is present. Its ring slot is reused when the
// ring comes round to it.
func (b *boundedMap[K, V]) remove(h uint64, k K) {
	s := b.shard(h)
	s.mu.Lock()
	delete(s.m, k)
	s.mu.Unlock()
}

// count counts the entries across all shards (for tests and metrics; it
// locks each shard in turn, so it is not a snapshot).
func (b *boundedMap[K, V]) count() int {
	n := 0
	for i := range b.shards {
		s := &b.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}
