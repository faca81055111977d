package validate

import (
	"hash/maphash"
	"sync"
	"testing"
)

func TestBoundedMapHoldsItsCapacity(t *testing.T) {
	seed := maphash.MakeSeed()
	for _, capacity := range []int{1, 3, 64, 100, 1000} {
		b := newBoundedMap[int, int](capacity)
		for i := range 10 * capacity {
			b.put(maphash.Comparable(seed, i), i, i)
			if n := b.count(); n > capacity {
				t.Fatalf("capacity %d: %d entries after %d puts", capacity, n, i+1)
			}
		}
		// The newest key is always present.
		last := 10*capacity - 1
		if v, ok := b.get(maphash.Comparable(seed, last), last); !ok || v != last {
			t.Fatalf("capacity %d: newest key missing", capacity)
		}
	}
}

func TestBoundedMapEvictsOldestFirst(t *testing.T) {
	b := newBoundedMap[int, string](1) // one shard of one slot
	b.put(0, 1, "a")
	b.put(0, 2, "b")
	if _, ok := b.get(0, 1); ok {
		t.Fatal("oldest key kept in a full shard")
	}
	if v, _ := b.get(0, 2); v != "b" {
		t.Fatalf("newest key: %q", v)
	}
	b.put(0, 2, "c") // replacing an existing key evicts nothing
	if v, _ := b.get(0, 2); v != "c" || b.count() != 1 {
		t.Fatalf("replace: %q, %d entries", v, b.count())
	}
	b.remove(0, 2)
	if _, ok := b.get(0, 2); ok || b.count() != 0 {
		t.Fatal("removed key still present")
	}
}

func TestBoundedMapRemoveThenReinsert(t *testing.T) {
	// A key removed and put again sits in two ring slots; the shard's
	// bound still holds. 256 = 64 shards of 4 slots; hash 0 is shard 0.
	b := newBoundedMap[int, int](256)
	for round := range 50 {
		for k := range 6 {
			b.put(0, k, round)
			if k%2 == 0 {
				b.remove(0, k)
			}
			if n := b.count(); n > 4 {
				t.Fatalf("%d entries in a 4-slot shard", n)
			}
		}
	}
	// After a full round of new keys only the last four remain.
	for k := 10; k < 14; k++ {
		b.put(0, k, k)
	}
	for k := range 14 {
		_, ok := b.get(0, k)
		if ok != (k >= 10) {
			t.Fatalf("key %d present=%v", k, ok)
		}
	}
}

func TestBoundedMapConcurrent(t *testing.T) {
	seed := maphash.MakeSeed()
	b := newBoundedMap[int, int](128)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 5000 {
				k := g*100000 + i%500
				h := maphash.Comparable(seed, k)
				b.put(h, k, i)
				b.get(h, k)
				if i%7 == 0 {
					b.remove(h, k)
				}
			}
		})
	}
	wg.Wait()
	if n := b.count(); n > 128 {
		t.Fatalf("%d entries", n)
	}
}
