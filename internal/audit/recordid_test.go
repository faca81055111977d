package audit

import (
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestRecordIDs checks that IDs parse as version 7 UUIDs carrying the
// record's millisecond, and strictly increase even when the clock stands
// still, steps back, or one millisecond's counter runs out.
func TestRecordIDs(t *testing.T) {
	var g idGen
	t0 := time.UnixMilli(1_800_000_000_123)
	prev := ""
	check := func(now time.Time) uuid.UUID {
		t.Helper()
		id := g.next(now)
		u, err := uuid.Parse(id)
		if err != nil || u.Version() != 7 || u.Variant() != uuid.RFC4122 || u.String() != id {
			t.Fatalf("id %q: %v, version %d, variant %v", id, err, u.Version(), u.Variant())
		}
		if id <= prev {
			t.Fatalf("id %q not after %q", id, prev)
		}
		prev = id
		return u
	}
	sec, nsec := check(t0).Time().UnixTime()
	if got := time.Unix(sec, nsec).UnixMilli(); got != t0.UnixMilli() {
		t.Fatalf("timestamp %d, want %d", got, t0.UnixMilli())
	}
	for range 10000 { // past 4,096 per millisecond
		check(t0)
	}
	check(t0.Add(-time.Hour))
	check(t0.Add(time.Hour))
}

func TestRecordIDsConcurrentUnique(t *testing.T) {
	var g idGen
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 2000 {
				id := g.next(time.Now())
				mu.Lock()
				if seen[id] {
					t.Errorf("duplicate %s", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

func BenchmarkRecordID(b *testing.B) {
	var g idGen
	b.ReportAllocs()
	for b.Loop() {
		_ = g.next(time.Now())
	}
}
