package validate

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// cpuPerOp reports the process's CPU time (user + system, GC included)
// per operation when the benchmark ends. On a shared machine ns/op is
// wall time and moves with other load; cpu-ns/op much less.
func cpuPerOp(b *testing.B) {
	start := cpuTime()
	b.Cleanup(func() {
		if b.N > 0 {
			b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	})
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkValidateParallel is the remoting endpoint's shape: many
// goroutines presenting the same few tokens. "uncached" verifies the RS256
// signature and reads the user state on every call; "cached" uses a Cache
// with the daemon's defaults (user states kept for 1 s).
func BenchmarkValidateParallel(b *testing.B) {
	for _, bc := range []struct {
		name  string
		cache *Cache
	}{
		{"uncached", nil},
		{"cached", NewCache(CacheConfig{UserStateTTL: time.Second})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := newFixture()
			f.v.Cache = bc.cache
			f.v.Users = &countingUsers{m: f.users}
			var raws []string
			for i := range 16 {
				c := f.claims()
				c.Uti = string(rune('a' + i))
				raws = append(raws, f.sign(b, c))
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			cpuPerOp(b)
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := f.v.Validate(ctx, raws[i%len(raws)], Options{Tenant: tenant}); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}

// BenchmarkKeySetLookup is what a cache hit pays to re-check the kid.
func BenchmarkKeySetLookup(b *testing.B) {
	f := newFixture()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, ok := f.keys.Lookup(testKey.ID, f.now); !ok {
				b.Error("kid not found")
				return
			}
		}
	})
}
